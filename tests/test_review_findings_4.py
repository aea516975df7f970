"""Review findings, round 4 (issue 12: the territory profile, its maps, the CLI's checks).

Each test names its finding; each failed before its fix."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import Client

from territoria import cli
from territoria.core import maps, territory
from territoria.core.models import TerritoryProfile
from territoria.opendata import selection
from territoria.taxonomy import index
from tests.factories import organisation
from tests.profiles import copy_profile, edit


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """An editable copy of the Brussels profile; returns its territory.toml."""
    return copy_profile(tmp_path / "profile")


def latin1(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", "replace"))


# --- The tile server's host and the Content-Security-Policy ------------------------------


@pytest.mark.django_db
def test_a_tile_host_outside_ascii_does_not_cost_the_map_page_its_policy(client: Client) -> None:
    """Finding 1 (high): staff's tile template with a host holding a character outside
    latin-1 (a Cyrillic "е", U+2028…) passed `tile_origin`'s blacklist; Django then
    MIME-encoded the whole Content-Security-Policy header ("=?utf-8?q?default-src…"), which
    browsers ignore: the directory was served with no policy at all."""
    call_command("load_territory")
    for url in (
        "https://tiles.exampl\u0435.com/{z}/{x}/{y}.png",
        "https://tiles.example.com\u2028/{z}/{x}/{y}.png",
        "https://tiles.example.com\x0b/{z}/{x}/{y}.png",
    ):
        TerritoryProfile.objects.update(tiles_url=url)
        territory.forget()
        assert maps.tile_origin(url) == ""
        response = client.get("/ecosystem/")
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY
    # A plain host still has its tiles allowed.
    TerritoryProfile.objects.update(tiles_url="https://tiles.example.com:8443/{z}/{x}/{y}.png")
    territory.forget()
    policy = client.get("/ecosystem/")["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'")
    assert "img-src 'self' data: https://tiles.example.com:8443" in policy


def test_a_bounding_box_far_taller_than_wide_draws_no_thousands_of_tiles() -> None:
    """Finding 2 (medium): the tile zoom fits the box's width alone, so a thin, tall box
    (4.00-4.01 °E, 60 °S-60 °N) put 54,948 <image> tiles in every directory page."""
    frame = maps.Frame((4.0, -60.0, 4.01, 60.0))
    assert len(maps.tiles(frame, "https://t.example/{z}/{x}/{y}.png")) <= 64
    wallonia = maps.Frame(territory.read(territory.PACKAGED / "wallonia").bbox)
    assert 0 < len(maps.tiles(wallonia, "https://t.example/{z}/{x}/{y}.png")) <= 64


# --- Profile files: refused with the file named, never a traceback or a broken page -------


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda folder: latin1(folder / "territory.toml"), "territory.toml"),
        (lambda folder: (folder / "logo.svg").write_bytes(b"<svg>\xe9</svg>"), "logo.svg"),
        (lambda folder: edit(folder / "territory.toml", 'logo = "logo.svg"', 'logo = "."'),
         "logo"),
        (lambda folder: edit(folder / "territory.toml", 'tiles = { url = "", attribution = "" }',
                             'tiles = "https://t.example/{z}/{x}/{y}.png"'), "`tiles`"),
        (lambda folder: (folder / "places.csv").write_text("notation,latitude\nx,abc\n"),
         "places.csv"),
        (lambda folder: (folder / "places.csv").write_bytes(
            b"notation,refnis,postcodes,latitude,longitude\nfor\xeat,21007,1190,50.81,4.33\n"),
         "places.csv"),
        (lambda folder: (folder / "outline.json").write_text("{nope"), "outline.json"),
        (lambda folder: (folder / "outline.json").write_text("[1, 2]"), "outline.json"),
        (lambda folder: (folder / "outline.json").write_text(
            '{"type": "Polygon", "coordinates": [[[4.3], [4.4, 50.8], [4.5, 50.9]]]}'),
         "outline.json"),
    ],
)  # fmt: skip
def test_a_profile_with_a_faulty_file_is_refused_when_read_naming_the_file(
    copy: Path, damage: Any, named: str
) -> None:
    """Finding 3 (medium): `territory.read` let through a non-UTF-8 territory.toml or logo
    (UnicodeDecodeError), a logo path naming a folder (IsADirectoryError), `tiles` that is
    not a table (AttributeError), and never read places.csv or outline.json: load_territory
    accepted such a profile, then the map pages, the outline and the home page answered 500."""
    damage(copy.parent)
    with pytest.raises(territory.ProfileError) as refused:
        territory.read(copy)
    assert named in str(refused.value) and str(copy.parent) in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('url = "https://territoria.example/brussels/"', 'url = "javascript:alert(1)"',
         "`publisher.url`"),
        ('email = "contact@territoria.example"', 'email = "not an address"', "`publisher.email`"),
        ('nuts = "BE1"', 'nuts = "BE1-AND-SOME-MORE"', "`nuts`"),
    ],
)  # fmt: skip
def test_load_territory_checks_what_the_back_office_checks(
    copy: Path, old: str, new: str, key: str
) -> None:
    """Finding 4 (medium): load_territory saved the file's values unchecked: a
    `javascript:` publisher website became the href of a link on every page, an e-mail
    that is none a mailto: link, a NUTS code past its column's 10 characters a database
    error on PostgreSQL (a traceback). Now refused like the admin refuses them."""
    edit(copy, old, new)
    with pytest.raises(CommandError) as refused:
        call_command("load_territory", str(copy))
    assert str(copy) in str(refused.value) and key in str(refused.value)
    assert not TerritoryProfile.objects.exists()


@pytest.mark.django_db
def test_load_territory_names_a_faulty_scheme_file_and_writes_nothing(copy: Path) -> None:
    """Finding 5 (low): a territory.csv without its columns raised SchemeImportError out of
    the command (a traceback naming only "territory.csv"); a non-UTF-8 one, a
    UnicodeDecodeError."""
    scheme = copy.parent / "territory.csv"
    original = scheme.read_text(encoding="utf-8")
    scheme.write_text("notation,label\nBE-BRU,Bruxelles\n", encoding="utf-8")
    with pytest.raises(CommandError, match=f"(?s){scheme}.*label_fr"):
        call_command("load_territory", str(copy))
    scheme.write_bytes(original.encode("utf-8") + "\nx,BE-BRU,Forêt\n".encode("latin-1"))
    with pytest.raises(CommandError, match=str(scheme)):
        call_command("load_territory", str(copy))
    assert not TerritoryProfile.objects.exists()


# --- The back office -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "box",
    [
        {"west": 4.0, "east": 4.0},  # no width: the maps divided by zero
        {"west": 5.0, "east": 4.0},
        {"south": 51.0, "north": 50.0},
        {"north": 95.0},
    ],
)
def test_the_back_office_refuses_a_bounding_box_the_maps_cannot_draw(
    client_for: Any, box: dict[str, float]
) -> None:
    """Finding 6 (medium): staff could save a bounding box with west = east (or reversed,
    or past the poles): the directory page, for everyone, then failed with
    ZeroDivisionError (or drew nonsense)."""
    call_command("load_territory")
    row = TerritoryProfile.objects.get()
    before = (row.west, row.south, row.east, row.north)
    staff = client_for("staff")
    data = {
        key: "" if value is None else value
        for key, value in model_to_dict(row).items()
        if key not in ("id", "code", "source", "updated_at")
    }
    response = staff.post(f"/admin/core/territoryprofile/{row.pk}/change/", {**data, **box})
    assert response.status_code == 200  # the form again, with its error
    assert "errorlist" in response.content.decode()
    row.refresh_from_db()
    assert (row.west, row.south, row.east, row.north) == before
    index._cache.clear()
    selection._ids_cache.clear()
    cache.clear()
    organisation("Nexalis SRL", "territory:namur", city="Namur")
    index.bump()
    assert Client().get("/ecosystem/").status_code == 200


# --- The command line ------------------------------------------------------------------------


def test_demo_refuses_a_faulty_profile_in_one_line_before_touching_anything(
    tmp_path: Path, copy: Path
) -> None:
    """Finding 7 (low): `territoria demo --territory FOLDER` checked only that a
    territory.toml exists: a faulty one (a key missing, bad TOML) stopped the demo with a
    traceback, after it had deleted the previous demo database and migrated a new one."""
    edit(copy, 'nuts = "BE1"\n', "")
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo.sqlite3").write_bytes(b"the previous demo")
    env = {**os.environ, "TERRITORIA_DATA_DIR": str(data)}
    env.pop("TERRITORIA_TERRITORY", None)
    done = subprocess.run(
        [sys.executable, "-m", "territoria", "demo", "--no-serve", "--territory", str(copy.parent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert str(copy) in done.stderr and "`nuts` is missing" in done.stderr
    assert (data / "demo.sqlite3").read_bytes() == b"the previous demo"


def test_serve_refuses_to_start_on_a_profile_it_cannot_read(
    settings: Any, monkeypatch: pytest.MonkeyPatch, copy: Path, capsys: Any
) -> None:
    """Finding 8 (medium): `territoria serve` checked only the profile's languages (in the
    settings): with a faulty profile file (a colour, a missing logo…) it started, and every
    page, the error pages included, answered 500, since each shows the profile."""
    edit(copy, 'primary = "#1b4f8f"', 'primary = "#7fa7d9"')  # too pale: refused by `read`
    settings.TERRITORY_FILE = copy
    settings.SECRET_KEY = "x" * 50
    settings.DEBUG = False
    monkeypatch.setenv("TERRITORIA_HTTPS", "true")
    started = []
    monkeypatch.setattr(cli, "_collect_static", lambda: None)
    monkeypatch.setattr(cli, "_warm_indexes", lambda: None)
    monkeypatch.setattr(cli, "_run_servers", lambda *args: started.append(args) or 0)
    assert cli.serve("127.0.0.1:0", 1, task_workers=0) == 2
    assert not started
    assert "colours.primary" in capsys.readouterr().err
    settings.TERRITORY_FILE = territory.PACKAGED / "wallonia" / "territory.toml"
    assert cli.serve("127.0.0.1:0", 1, task_workers=0) == 0 and started
