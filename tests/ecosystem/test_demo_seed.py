"""The demo generator is deterministic."""

from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Organisation


def test_the_same_seed_gives_the_same_ecosystem(db):
    first = load_demo_ecosystem(organisations=150, seed=7)
    rows = list(
        Organisation.objects.order_by("enterprise_number", "name").values_list(
            "name", "enterprise_number", "city"
        )
    )
    # A second database with the same seed: roll the first load back, load again.
    from django.db import transaction

    try:
        with transaction.atomic():
            Organisation.objects.all().delete()
            from territoria.ecosystem.models import Event, Person, Publication
            from territoria.taxonomy.models import Magnet

            for model in (Event, Publication, Person, Magnet):
                model.objects.all().delete()
            second = load_demo_ecosystem(organisations=150, seed=7)
            again = list(
                Organisation.objects.order_by("enterprise_number", "name").values_list(
                    "name", "enterprise_number", "city"
                )
            )
            raise _Done
    except _Done:
        pass
    assert rows == again and first.tags == second.tags


class _Done(Exception):
    pass
