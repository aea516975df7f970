"""The directory's map: Web Mercator maths, proportional circles, links, tiles and their CSP."""

import math
import re
import shutil
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings

from territoria.core import maps, territory
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.factories import concept, organisation

PROFILES = ["wallonia", "brussels"]


@pytest.fixture
def profile(request, settings, db):
    """The territory profile named by the test's parameter, its scheme loaded."""
    settings.TERRITORY_FILE = territory.PACKAGED / request.param / "territory.toml"
    territory.forget()
    if request.param != "wallonia":
        load_reference_schemes()  # the territory scheme of this profile (rolled back after)
    return territory.current()


def tiled_profile(tmp_path, settings, url: str) -> territory.Territory:
    """A copy of the Wallonia profile whose tiles come from `url`."""
    folder = tmp_path / "tiled"
    shutil.copytree(territory.PACKAGED / "wallonia", folder)
    toml = folder / "territory.toml"
    text = toml.read_text(encoding="utf-8")
    # Relative paths of the profile point into the package: keep them pointing there.
    text = re.sub(
        r'^strategy_file = "([^"]+)"',
        lambda m: f'strategy_file = "{(territory.PACKAGED / "wallonia" / m[1]).resolve()}"',
        text,
        flags=re.M,
    )
    toml.write_text(
        text.replace(
            'tiles = { url = "", attribution = "" }',
            f'tiles = {{ url = "{url}", attribution = "© Tile makers" }}',
        ),
        encoding="utf-8",
    )
    settings.TERRITORY_FILE = toml
    territory.forget()
    return territory.current()


# --- Projection --------------------------------------------------------------------------


def test_mercator_puts_the_null_island_in_the_middle_of_the_world_square():
    assert maps.mercator(0, 0) == pytest.approx((0.5, 0.5))
    assert maps.mercator(-180, 85.05112878) == pytest.approx((0, 0), abs=1e-9)
    assert maps.mercator(180, -85.05112878) == pytest.approx((1, 1), abs=1e-9)


@pytest.mark.parametrize("name", PROFILES)
def test_the_bounding_box_corners_are_the_corners_of_the_svg(name):
    profile = territory.read(territory.PACKAGED / name)
    west, south, east, north = profile.bbox
    frame = maps.Frame(profile.bbox)
    assert frame.project(west, north) == pytest.approx((0, 0))
    assert frame.project(east, south) == pytest.approx((frame.width, frame.height))
    assert frame.project(west, south) == pytest.approx((0, frame.height))
    # Web Mercator keeps shapes: at this latitude a degree of longitude is shorter.
    middle = (south + north) / 2
    degrees_ratio = (north - south) / (east - west)
    assert frame.height / frame.width == pytest.approx(
        degrees_ratio / math.cos(math.radians(middle)), rel=0.02
    )


@pytest.mark.parametrize("name", PROFILES)
def test_every_place_and_the_outline_fall_inside_the_frame(name):
    profile = territory.read(territory.PACKAGED / name)
    frame = maps.Frame(profile.bbox)
    for place in profile.places().values():
        x, y = frame.project(place.longitude, place.latitude)
        assert 0 <= x <= frame.width and 0 <= y <= frame.height, place
    path = maps.outline_path(profile.outline(), frame)
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d", path)]
    assert numbers and min(numbers) >= -1
    assert max(numbers[0::2]) <= frame.width + 1 and max(numbers[1::2]) <= frame.height + 1


def test_simplify_drops_points_on_a_straight_line_and_keeps_corners():
    line = [(float(x), 0.0) for x in range(10)] + [(9.0, 5.0)]
    assert maps.simplify(line, 0.5) == [(0.0, 0.0), (9.0, 0.0), (9.0, 5.0)]
    wiggle = [(0.0, 0.0), (1.0, 0.3), (2.0, 0.0)]
    assert maps.simplify(wiggle, 0.5) == [(0.0, 0.0), (2.0, 0.0)]
    assert maps.simplify(wiggle, 0.1) == wiggle


def test_the_wallonia_outline_is_simplified_but_keeps_its_shape():
    profile = territory.read(territory.PACKAGED / "wallonia")
    geometry = profile.outline()
    full = sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)
    path = maps.outline_path(geometry, maps.Frame(profile.bbox))
    rings = sum(len(polygon) for polygon in geometry["coordinates"])
    # One closed subpath per ring (a ring too small to draw is left out).
    assert 2 <= path.count("M") == path.count("Z") <= rings
    assert 50 < path.count("L") < full


# --- Circles -----------------------------------------------------------------------------


def test_circle_areas_are_proportional_to_the_counts():
    profile = territory.read(territory.PACKAGED / "wallonia")
    marks = [
        maps.Mark("namur", 36, "/n", "Namur: 36"),
        maps.Mark("liege", 9, "/l", "Liège: 9"),
        maps.Mark("arlon", 1, "/a", "Arlon: 1"),
        maps.Mark("nowhere", 50, "/x", "not a place of the profile"),
        maps.Mark("mons", 0, "/m", "nothing there"),
    ]
    drawn = maps.proportional_circles(profile, marks)
    areas = {c.mark.notation: math.pi * c.r**2 for c in drawn.circles}
    assert set(areas) == {"namur", "liege", "arlon"}
    assert areas["namur"] / areas["liege"] == pytest.approx(4)
    assert areas["namur"] / areas["arlon"] == pytest.approx(36)
    assert max(c.r for c in drawn.circles) == pytest.approx(maps.MAX_RADIUS)
    # The legend's reference circles follow the same scale.
    for value, r in drawn.legend:
        assert math.pi * r**2 / areas["namur"] == pytest.approx(value / 36)


def test_many_circles_leave_the_tab_order_to_the_table_beside_the_map():
    profile = territory.read(territory.PACKAGED / "wallonia")
    every = [maps.Mark(n, 1 + i % 7, f"/?c={n}", n) for i, n in enumerate(profile.places())]
    crowded = maps.proportional_circles(profile, every).svg("h")
    assert crowded.count('tabindex="-1"') == len(every) > maps.TAB_STOPS
    few = maps.proportional_circles(profile, every[: maps.TAB_STOPS]).svg("h")
    assert "tabindex" not in few and few.count("<circle class=") == maps.TAB_STOPS


@pytest.mark.parametrize(
    ("largest", "values"),
    [(1, [1]), (3, [2, 1]), (42, [20, 5, 2]), (300, [200, 50, 20]), (1000, [1000, 100])],
)
def test_the_legend_shows_two_or_three_round_counts_up_to_the_largest(largest, values):
    assert maps.legend_values(largest) == values


# --- Tiles and the content security policy -----------------------------------------------


def test_the_tiles_cover_the_frame_at_the_zoom_that_fits_it():
    profile = territory.read(territory.PACKAGED / "wallonia")
    frame = maps.Frame(profile.bbox)
    found = maps.tiles(frame, "https://tile.example.org/{z}/{x}/{y}.png")
    zoom = maps.tile_zoom(frame)
    # At that zoom the bounding box spans between 0.7 and 1.5 times the SVG's width in pixels.
    pixels = (frame.width / frame.scale) * 256 * 2**zoom
    assert 0.7 * frame.width <= pixels <= 1.5 * frame.width
    assert all(t.size == pytest.approx(frame.scale / 2**zoom) for t in found)
    assert min(t.x for t in found) <= 0 and min(t.y for t in found) <= 0
    assert max(t.x + t.size for t in found) >= frame.width
    assert max(t.y + t.size for t in found) >= frame.height
    first = min(found, key=lambda t: (t.y, t.x))
    x, y = maps.mercator(profile.bbox[0], profile.bbox[3])
    assert first.href == (
        f"https://tile.example.org/{zoom}/{int(x * 2**zoom)}/{int(y * 2**zoom)}.png"
    )


def test_a_template_without_a_plain_host_gives_no_tiles():
    frame = maps.Frame((2.84, 49.49, 6.41, 50.82))
    for template in (
        "",
        "/tiles/{z}/{x}/{y}.png",
        "https://{s}.tile.example.org/{z}/{x}/{y}.png",
        "https://*.example.org/{z}/{x}/{y}.png",
        "https://a.example.org;script-src:*/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
    ):
        assert maps.tiles(frame, template) == []
        assert maps.tile_origin(template) == ""


def test_the_policy_gains_the_tile_origin_in_img_src_only():
    policy = "default-src 'self'; img-src 'self' data:; object-src 'none'"
    assert maps.policy_with_image_source(policy, "https://tile.example.org") == (
        "default-src 'self'; img-src 'self' data: https://tile.example.org; object-src 'none'"
    )
    assert maps.policy_with_image_source("default-src 'self'", "https://t.example") == (
        "default-src 'self'; img-src 'self' https://t.example"
    )


# --- The directory page ------------------------------------------------------------------


def circles_of(page: str) -> list[dict[str, str]]:
    return [
        {
            "href": unescape(m[0]),
            "label": unescape(m[1]),
            **dict(zip(("cx", "cy", "r"), m[2:], strict=True)),
        }
        for m in re.findall(
            r'<a href="([^"]+)" aria-label="([^"]+)"(?: tabindex="-1")?><circle class="map-circle" '
            r'cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)">',
            page,
        )
    ]


@pytest.fixture
def ecosystem(db):
    namur, liege = concept("territory:namur"), concept("territory:liege")
    for name in ("Nexalis", "Datavia", "Lumia"):
        organisation(name, "org-type:startup", municipality=namur)
    organisation("Robotax", "org-type:startup", municipality=liege)
    organisation("Mosa Conseil", "org-type:sme", municipality=liege)


def test_the_directory_draws_a_circle_per_municipality_with_its_count(client, ecosystem):
    response = client.get("/ecosystem/?q=a", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert re.search(
        r'<svg class="map" viewBox="0 0 480 [\d.]+" width="100%" role="group" '
        r'aria-labelledby="map-heading" aria-describedby="map-description"',
        page,
    )
    assert '<h3 id="map-heading">' in page
    circles = {c["label"]: c for c in circles_of(page)}
    assert set(circles) == {"Namur: 3 organisations", "Liège: 2 organisations"}
    namur, liege = circles["Namur: 3 organisations"], circles["Liège: 2 organisations"]
    assert float(namur["r"]) ** 2 / float(liege["r"]) ** 2 == pytest.approx(3 / 2, rel=0.01)
    assert "<title>Namur: 3 organisations</title>" in page
    # The attribution under the map.
    assert territory.current().credits in unescape(page)


def test_a_circle_narrows_the_directory_to_its_municipality(client, ecosystem):
    page = client.get(
        "/ecosystem/?q=a&c=territory:BE-WLG&c=territory:BE-WNA&page=2", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    circles = {c["label"]: c["href"] for c in circles_of(page)}
    href = circles["Namur: 3 organisations"]
    params = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/ecosystem/"
    # The search stays; the places become this one (places are alternatives); no page.
    assert params == {"q": ["a"], "c": ["territory:namur"]}
    refined = client.get(href, HTTP_ACCEPT_LANGUAGE="en")
    assert refined.context["page"].paginator.count == 3
    assert {c["label"] for c in circles_of(refined.content.decode())} == {"Namur: 3 organisations"}
    # The table beside the map links to the same address.
    assert f'<a href="{href.replace("&", "&amp;")}">Namur</a>' in page


def test_without_organisations_there_is_no_map(client, ecosystem):
    page = client.get("/ecosystem/?q=nothing-like-this").content.decode()
    assert 'class="map"' not in page


def test_tiles_are_off_by_default_and_the_policy_names_no_foreign_host(client, ecosystem):
    assert territory.current().tiles_url == ""
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get("/ecosystem/", **headers)
        page = response.content.decode()
        assert 'class="map"' in page
        assert "<image" not in page and "map-tiles" not in page
        assert response["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY
        svg = page.split('<svg class="map"')[1].split('<g class="map-legend"')[0]
        assert "://" not in svg  # the circles link within the site, nothing else is loaded


def test_tiles_from_the_profile_are_drawn_and_the_policy_allows_exactly_their_host(
    client, ecosystem, tmp_path, settings
):
    tiled_profile(tmp_path, settings, "https://tiles.example.org/osm/{z}/{x}/{y}.png")
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get("/ecosystem/", HTTP_ACCEPT_LANGUAGE="en", **headers)
        page = response.content.decode()
        images = re.findall(r'<image href="([^"]+)"', page)
        assert images and all(
            re.fullmatch(r"https://tiles\.example\.org/osm/\d+/\d+/\d+\.png", i) for i in images
        )
        assert "© Tile makers" in page
        policy = dict(
            (d.split()[0], d.split()[1:]) for d in response["Content-Security-Policy"].split("; ")
        )
        expected = dict(
            (d.split()[0], d.split()[1:]) for d in settings.CONTENT_SECURITY_POLICY.split("; ")
        )
        expected["img-src"] = [*expected["img-src"], "https://tiles.example.org"]
        assert policy == expected
    # Other pages keep the site's one policy.
    assert client.get("/")["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("profile", PROFILES, indirect=True)
def test_the_map_works_under_each_profile(client, profile):
    places = list(profile.places())
    first, second = places[0], places[-1]
    organisation("Alpha", "org-type:startup", municipality=concept(f"territory:{first}"))
    organisation("Beta", "org-type:sme", municipality=concept(f"territory:{second}"))
    organisation("Gamma", "org-type:sme", municipality=concept(f"territory:{second}"))
    page = client.get("/ecosystem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    frame = maps.Frame(profile.bbox)
    circles = circles_of(page)
    assert len(circles) == 2
    for circle in circles:
        assert 0 <= float(circle["cx"]) <= frame.width
        assert 0 <= float(circle["cy"]) <= frame.height
    assert {parse_qs(urlsplit(c["href"]).query)["c"][0] for c in circles} == {
        f"territory:{first}",
        f"territory:{second}",
    }
    assert maps.outline_path(profile.outline(), frame) in page
