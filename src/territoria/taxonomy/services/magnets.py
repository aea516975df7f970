"""Saving magnets: validated, unique permalink, audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoria.core.i18n import TRANSLATED_LANGUAGES
from territoria.core.models import User
from territoria.core.services import record_audit
from territoria.taxonomy import containers
from territoria.taxonomy.expressions import ExpressionError, parse, resolve
from territoria.taxonomy.models import Magnet


def visible_magnets(user: Any) -> QuerySet[Magnet]:
    """Staff see every magnet; everybody else the public ones."""
    magnets = Magnet.objects.all()
    return magnets if user.is_staff else magnets.filter(is_public=True)


# The Dutch, German and English of the name and description (see core.i18n.translations).
TRANSLATION_FIELDS = [
    f"{f}_{code}" for f in ("name", "description") for code in TRANSLATED_LANGUAGES
]
AUDITED_FIELDS = [
    "name", "slug", "description", "container", "expression", "is_public", *TRANSLATION_FIELDS,
]  # fmt: skip


def selection_problems(container: str, expression: Any) -> dict[str, str]:
    """What is wrong with a magnet's container and expression, by field (empty: nothing)."""
    problems: dict[str, str] = {}
    try:
        containers.get(container)
    except containers.UnknownContainer as exc:
        problems["container"] = str(exc)
    if expression is None:
        problems["expression"] = _("Add at least one concept.")
    else:
        try:
            resolve(parse(expression))
        except ExpressionError as exc:
            problems["expression"] = str(exc)
    return problems


@transaction.atomic
def save_magnet(
    magnet: Magnet | None,
    *,
    actor: User | Any,
    name: str,
    slug: str,
    description: str,
    container: str,
    expression: Any,
    is_public: bool,
    translations: dict[str, str] | None = None,
) -> Magnet:
    """Create (magnet=None) or update a magnet; ValidationError names each wrong field, nothing
    saved. `translations` maps TRANSLATION_FIELDS to their text; left out, they are kept."""
    translations = translations or {}
    if unknown := set(translations) - set(TRANSLATION_FIELDS):
        raise ValueError(f"not a translation of a magnet: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    texts = [("name", name), ("slug", slug), ("description", description), *translations.items()]
    for field, value in texts:
        max_length = getattr(Magnet._meta.get_field(field), "max_length", None)
        if "\x00" in value:
            errors[field] = _("Null characters are not allowed.")
        elif field in translations and max_length is not None and len(value) > max_length:
            errors[field] = _("At most %d characters.") % max_length
    max_name = Magnet._meta.get_field("name").max_length
    if not name:
        errors["name"] = _("Give the magnet a name.")
    elif max_name is not None and len(name) > max_name:
        errors["name"] = _("At most %d characters.") % max_name
    slug = slugify(slug or name)[:80]
    if not slug and not errors:
        errors["slug"] = _("The permalink needs letters or digits.")
    clash = Magnet.objects.filter(slug=slug)
    if magnet is not None:
        clash = clash.exclude(pk=magnet.pk)
    if slug and clash.exists():
        errors["slug"] = _("Another magnet already uses the permalink “%s”.") % slug
    errors.update(selection_problems(container, expression))
    if errors:
        raise ValidationError(errors)
    before = None if magnet is None else {f: getattr(magnet, f) for f in AUDITED_FIELDS}
    magnet = magnet or Magnet(created_by=actor if getattr(actor, "pk", None) else None)
    magnet.name, magnet.slug, magnet.description = name, slug, description
    magnet.container, magnet.expression, magnet.is_public = container, expression, is_public
    for field, text in translations.items():
        setattr(magnet, field, text)
    magnet.save()
    after = {f: getattr(magnet, f) for f in AUDITED_FIELDS}
    record_audit(
        actor, "magnet.update" if before else "magnet.create", magnet, before=before, after=after
    )
    return magnet
