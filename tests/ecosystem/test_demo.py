"""The demo ecosystem: deterministic, fictitious, and rich enough for the two example magnets."""

import pytest

from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Organisation, Publication, Source
from territoria.taxonomy import containers
from territoria.taxonomy.engine import engine
from territoria.taxonomy.expressions import parse
from territoria.taxonomy.models import Magnet

SEED_PROJECTS = [
    "Tartes de Françoise",
    "Commune de Sambreville",
    "Euro Space Center",
    "RumeXperts",
    "Mertens Plastique",
    "Galettes de Luc",
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            report = load_demo_ecosystem()
            yield report
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_loads_about_three_thousand_fictitious_organisations(demo):
    assert demo.organisations >= 3000
    fictitious = Organisation.objects.filter(source=Source.DEMO)
    assert fictitious.count() == 3000
    assert all(org.description_fr.startswith("Organisation fictive") for org in fictitious[:200])
    numbers = list(fictitious.values_list("enterprise_number", flat=True))
    assert len(set(numbers)) == len(numbers)
    for number in numbers[:500]:
        digits = int(number.replace(".", ""))
        assert 97 - (digits // 100) % 97 == digits % 100


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["startups-ia-internationales", "industrie-du-futur-en-pole"])
def test_the_two_example_magnets_find_a_real_cluster(demo, slug):
    magnet = Magnet.objects.get(slug=slug)
    container = containers.get("organisation")
    expression = parse(magnet.expression)
    found = engine.count(container, expression)
    assert 5 <= found <= 100
    for part in magnet.expression["all"]:
        assert engine.count(container, parse(part)) > found


@pytest.mark.django_db
def test_the_seed_projects_appear_as_published_without_invented_facts(demo):
    published = Organisation.objects.filter(source=Source.PUBLISHED)
    assert sorted(published.values_list("name", flat=True)) == sorted(SEED_PROJECTS)
    for org in published:
        assert org.enterprise_number is None and org.founded_on is None and org.website == ""
        assert org.description_fr.startswith("Projet DigitalWallonia4.ai : ")
    tartes = published.get(name="Tartes de Françoise")
    assert "optimisation du stock de tartes" in tartes.description_fr
    release = Publication.objects.get(source=Source.PUBLISHED)
    assert release.organisations.count() == 6
