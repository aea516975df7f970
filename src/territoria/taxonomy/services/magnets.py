"""Saving magnets: validated, unique permalink, audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoria.core.models import User
from territoria.core.services import record_audit
from territoria.taxonomy import containers
from territoria.taxonomy.expressions import ExpressionError, parse, resolve
from territoria.taxonomy.models import Magnet


def visible_magnets(user: Any) -> QuerySet[Magnet]:
    """Staff see every magnet; everybody else the public ones."""
    magnets = Magnet.objects.all()
    return magnets if user.is_staff else magnets.filter(is_public=True)


AUDITED_FIELDS = ["name", "slug", "description", "container", "expression", "is_public"]


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
) -> Magnet:
    """Create (magnet=None) or update a magnet; ValidationError names each wrong field, nothing saved."""
    errors: dict[str, str] = {}
    for field, value in (("name", name), ("slug", slug), ("description", description)):
        if "\x00" in value:
            errors[field] = _("Null characters are not allowed.")
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
    try:
        containers.get(container)
    except containers.UnknownContainer as exc:
        errors["container"] = str(exc)
    if expression is None:
        errors["expression"] = _("Add at least one concept.")
    else:
        try:
            resolve(parse(expression))
        except ExpressionError as exc:
            errors["expression"] = str(exc)
    if errors:
        raise ValidationError(errors)
    before = None if magnet is None else {f: getattr(magnet, f) for f in AUDITED_FIELDS}
    magnet = magnet or Magnet(created_by=actor if getattr(actor, "pk", None) else None)
    magnet.name, magnet.slug, magnet.description = name, slug, description
    magnet.container, magnet.expression, magnet.is_public = container, expression, is_public
    magnet.save()
    after = {f: getattr(magnet, f) for f in AUDITED_FIELDS}
    record_audit(
        actor, "magnet.update" if before else "magnet.create", magnet, before=before, after=after
    )
    return magnet
