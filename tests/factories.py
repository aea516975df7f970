"""Small builders for test records (tests own their data; the demo generator is tested apart)."""

from itertools import count

from django.contrib.contenttypes.models import ContentType

from territoria.ecosystem.models import Organisation
from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.taxonomy.models import Concept, Tag

_numbers = count(4_000_000)  # 0400.000.0xx: valid numbers


def concept(code: str) -> Concept:
    scheme, notation = code.split(":")
    return Concept.objects.select_related("scheme").get(scheme__code=scheme, notation=notation)


def organisation(name: str = "Test SRL", *codes: str, **fields: object) -> Organisation:
    fields.setdefault("enterprise_number", enterprise_number_from_digits(next(_numbers)))
    org = Organisation.objects.create(name=name, **fields)
    content_type = ContentType.objects.get_for_model(Organisation)
    for code in codes:
        Tag.objects.get_or_create(
            content_type=content_type, object_id=org.pk, concept=concept(code)
        )
    return org


def strategy_tree(code: str = "dw", status: str = "active", **fields: object) -> dict[str, object]:
    """A strategy version with one ambition, programme, action and indicator."""
    import datetime

    from territoria.strategy.models import Action, Ambition, Indicator, Programme, Strategy

    version = Strategy.objects.create(
        code=code,
        name=f"Strategy {code}",
        start_year=2019,
        end_year=2024,
        status=status,
        **fields,
    )
    ambition = Ambition.objects.create(strategy=version, code="amb", order=1, title="Ambition")
    programme = Programme.objects.create(
        strategy=version, ambition=ambition, code="prog", name=f"Programme {code}"
    )
    action = Action.objects.create(
        programme=programme,
        code="act",
        title=f"Action {code}",
        status=Action.Status.ONGOING,
        start_on=datetime.date(2022, 1, 1),
        end_on=datetime.date(2025, 12, 31),
    )
    indicator = Indicator.objects.create(
        code=f"ind-{code}", programme=programme, action=action, name="Indicator", unit="count"
    )
    return {
        "strategy": version,
        "ambition": ambition,
        "programme": programme,
        "action": action,
        "indicator": indicator,
    }
