"""The demo generator is deterministic."""

from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Event, Organisation, Person, Publication
from territoria.taxonomy.models import Magnet


def rows():
    ordered = Organisation.objects.order_by("enterprise_number", "name")
    return list(ordered.values_list("name", "enterprise_number", "city"))


def test_the_same_seed_gives_the_same_ecosystem(db):
    first = load_demo_ecosystem(organisations=150, seed=7)
    before = rows()
    for model in (Event, Publication, Person, Magnet, Organisation):
        model.objects.all().delete()
    second = load_demo_ecosystem(organisations=150, seed=7)
    assert before == rows() and first.tags == second.tags
