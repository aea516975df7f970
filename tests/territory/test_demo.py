"""The demo under another region's profile: its municipalities and postcodes, none of the
published examples of the region they come from, calls that require a seat in it, and a
dashboard that says no strategy is loaded."""

import pytest
from django.test import Client

from territoria.calls.demo import load_demo_calls
from territoria.calls.models import Application, Call
from territoria.core import territory
from territoria.core.models import Role, User
from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Organisation, Source
from territoria.strategy.services.reference import load_strategy_reference
from territoria.taxonomy.models import Magnet
from tests.territory.conftest import load_scheme


@pytest.fixture
def brussels(settings, db) -> territory.Territory:
    settings.TERRITORY_FILE = territory.PACKAGED / "brussels" / "territory.toml"
    territory.forget()
    profile = territory.current()
    load_scheme(profile)
    return profile


def test_the_brussels_demo_stays_in_brussels(brussels):
    assert load_strategy_reference() is None  # the profile names no strategy file
    load_demo_ecosystem(organisations=200)
    applicant = User.objects.create(username="applicant", role=Role.APPLICANT)
    call = load_demo_calls(applicant=applicant)

    places = brussels.places()
    organisations = Organisation.objects.filter(source=Source.DEMO)
    assert organisations.count() == 200
    for notation, postcode in organisations.values_list("municipality__notation", "postcode"):
        assert notation in places and postcode == places[notation].postcodes[0]
    assert not Organisation.objects.filter(source=Source.PUBLISHED).exists()
    for magnet in Magnet.objects.all():
        assert brussels.strategy("fr") not in magnet.description
        assert "Digital Wallonia" not in magnet.description  # the other region's strategy

    region = call.seat_in
    assert region is not None and region.notation == brussels.region_concept
    assert set(Call.objects.values_list("seat_in__notation", flat=True)) == {"BE-BRU"}
    # The past calls' applicants have their seat in the region, as the calls require.
    applicants = Organisation.objects.filter(applications__isnull=False).distinct()
    assert applicants.exists()
    assert not applicants.exclude(municipality__notation__in=places).exists()
    assert "totaux fictifs" in Call.objects.get(code="start-ia-2020").summary
    assert Application.objects.filter(status="ineligible").exists()
    assert applicant.affiliations.get().organisation.municipality.notation in places


def test_without_a_strategy_the_dashboard_says_so(brussels):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/dashboard/")
    assert response.status_code == 200
    assert "No strategy version is published yet." in response.content.decode()
