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
