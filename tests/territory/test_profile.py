"""The territory profile file: read, checked with errors that name the file and the key,
loaded into the database, edited by staff, its logo served safely."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import Client
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from territoria.core import territory
from territoria.core.models import Role, TerritoryProfile, User
from territoria.taxonomy.models import Concept
from tests.conftest import make_user
from tests.profiles import copy_profile, edit
from tests.territory.conftest import PROFILES

DCAT_EXPORT = "/api/explore/v2.1/catalog/exports/dcat"


@pytest.mark.parametrize("code", PROFILES)
def test_each_packaged_profile_reads_with_its_scheme_and_places(code):
    profile = territory.read(territory.PACKAGED / code)
    assert profile.code == code and profile.nuts_uri.endswith(profile.nuts)
    notations = {
        line.split(",")[0] for line in profile.scheme_file.read_text(encoding="utf-8").splitlines()
    }
    assert profile.region_concept in notations
    places = profile.places()
    assert places and set(places) <= notations
    some = next(iter(places.values()))
    assert profile.place_of_postcode(some.postcodes[0]) == some
    west, south, east, north = profile.bbox
    for place in places.values():
        assert west <= place.longitude <= east and south <= place.latitude <= north
    assert profile.bbox_wkt.startswith(f"POLYGON(({west} {south}")
    assert profile.outline()["type"] in ("Polygon", "MultiPolygon")


def test_only_a_profile_that_names_a_strategy_file_has_one():
    wallonia = territory.read(territory.PACKAGED / "wallonia")
    assert wallonia.strategy_file() is not None and wallonia.strategy_file().is_file()
    assert territory.read(territory.PACKAGED / "brussels").strategy_file() is None


@pytest.fixture
def copy(tmp_path) -> Path:
    """An editable copy of the Brussels profile; returns its territory.toml."""
    return copy_profile(tmp_path / "profile")


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ('nuts = "BE1"\n', "", "`nuts`", "missing"),
        ("bbox = [4.24, 50.76, 4.49, 50.92]", "bbox = [4.49, 50.76, 4.24, 50.92]", "`bbox`",
         "west, south, east, north"),
        ("bbox = [4.24, 50.76, 4.49, 50.92]", "bbox = [4.24, 50.76]", "`bbox`", "4 numbers"),
        ('primary = "#1b4f8f"', 'primary = "#7fa7d9"', "colours.primary", "4.5:1"),
        ('languages = ["fr", "nl", "en", "de"]', 'languages = ["fr", "it"]', "`languages`",
         "must be among"),
        ('en = "Brussels-Capital Region"', 'es = "Región de Bruselas-Capital"', "`name`",
         "unknown languages ['es']"),
        ('logo = "logo.svg"', 'logo = "logo.svg"\nstrategy_file = "nowhere.toml"',
         "`strategy_file`", "not found"),
    ],
)  # fmt: skip
def test_a_faulty_profile_is_refused_naming_the_file_and_the_key(copy, old, new, key, says):
    edit(copy, old, new)
    with pytest.raises(territory.ProfileError) as refused:
        territory.read(copy)
    message = str(refused.value)
    assert message.startswith(str(copy)) and key in message and says in message


def test_a_missing_profile_is_named():
    with pytest.raises(territory.ProfileError, match="nowhere.toml: no such territory profile"):
        territory.read("/nowhere.toml")


@pytest.mark.django_db
def test_load_territory_makes_the_profile_current_with_its_scheme(copy):
    edit(copy, 'fr = "Région de Bruxelles-Capitale"', 'fr = "Région d\'essai"')
    call_command("load_territory", str(copy))
    profile = territory.current()
    assert (profile.code, profile.name("fr")) == ("brussels", "Région d'essai")
    assert TerritoryProfile.objects.get().source == str(copy)
    assert Concept.objects.filter(scheme__code="territory", notation="BE-BRU").exists()
    assert Concept.objects.get(scheme__code="territory", notation="ixelles").parent.notation == (
        "BE-BRU"
    )


@pytest.mark.django_db
def test_load_territory_refuses_a_faulty_profile_or_a_region_its_scheme_lacks(copy):
    edit(copy, 'nuts = "BE1"\n', "")
    with pytest.raises(CommandError, match="`nuts` is missing"):
        call_command("load_territory", str(copy))
    edit(copy, 'code = "brussels"', 'code = "brussels"\nnuts = "BE1"')
    edit(copy, 'region_concept = "BE-BRU"', 'region_concept = "BE-XXX"')
    with pytest.raises(CommandError, match="'BE-XXX' is not in the scheme"):
        call_command("load_territory", str(copy))
    assert not TerritoryProfile.objects.exists()  # all or nothing


def admin_client(role_user: User) -> Client:
    client = Client()
    client.force_login(role_user)
    return client


@pytest.fixture
def superuser(db) -> User:
    user = make_user("root", Role.STAFF)
    user.is_superuser = True
    user.save()
    return user


@pytest.mark.django_db
def test_an_edit_in_the_admin_shows_at_once_in_pages_and_dcat(superuser):
    call_command("load_territory")
    staff = admin_client(superuser)
    row = TerritoryProfile.objects.get()
    url = f"/admin/core/territoryprofile/{row.pk}/change/"
    assert staff.get(url).status_code == 200
    data = {
        key: "" if value is None else value
        for key, value in model_to_dict(row).items()
        if key not in ("id", "code", "source", "updated_at")
    }
    data.update(name="Région Test", name_en="Testland", nuts="BE9", west=4.0, south=50.0,
                east=5.0, north=51.0)  # fmt: skip
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # The same process, no waiting for the cache: the page and the catalogue have it.
    assert "Région Test" in staff.get("/").content.decode()
    graph = Graph().parse(data=staff.get(DCAT_EXPORT).content, format="turtle")
    region = URIRef("http://data.europa.eu/nuts/code/BE9")
    assert (region, SKOS.prefLabel, Literal("Testland", lang="en")) in graph
    bbox = str(graph.value(region, URIRef("http://www.w3.org/ns/dcat#bbox")))
    assert bbox == "POLYGON((4.0 50.0, 5.0 50.0, 5.0 51.0, 4.0 51.0, 4.0 50.0))"


@pytest.mark.django_db
def test_staff_may_edit_the_profile_in_the_admin(users):
    call_command("load_territory")
    row = TerritoryProfile.objects.get()
    url = f"/admin/core/territoryprofile/{row.pk}/change/"
    assert admin_client(users["staff"]).get(url).status_code == 200


@pytest.mark.django_db
def test_the_logo_is_served_as_svg_that_runs_nothing(client):
    response = client.get("/territory/logo.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert re.search(r"<svg\b", response.content.decode())
    assert client.get("/territory/logo.svg", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == (
        304
    )
