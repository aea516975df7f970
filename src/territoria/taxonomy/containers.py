"""The kinds of record that concepts tag and magnets select ("containers").

Taxonomy knows tagged records, not what they are: each domain app registers its
containers here from its AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from territoria.taxonomy.index import watch


class UnknownContainer(LookupError):
    pass


@dataclass(frozen=True)
class Container:
    code: str
    model: type[models.Model]
    label: Any
    # The records anyone may see; magnets never select outside it.
    public_queryset: Callable[[], models.QuerySet[Any]]
    # One record as the magnet API and CSV export show it.
    describe: Callable[[Any], dict[str, Any]]
    csv_columns: tuple[str, ...] = ("id", "name")
    # Columns a result list never shows (long texts), left out of its queries.
    heavy_fields: tuple[str, ...] = field(default=())
    # Relations `describe` reads, fetched with the records.
    related: tuple[str, ...] = field(default=())
    # The public list of these records narrowed to one concept, if there is one.
    browse_url: Callable[[str], str] | None = None
    # The field whose order lists show (the index keeps it, to page without SQL).
    sort_field: str = ""

    def listing(self, ids: Any) -> models.QuerySet[Any]:
        """The public records with these ids, ready for `describe`."""
        records = self.public_queryset().filter(pk__in=list(ids))
        return records.select_related(*self.related).defer(*self.heavy_fields)

    def queryset(self) -> models.QuerySet[Any]:
        return self.public_queryset()


_registry: dict[str, Container] = {}


def register(container: Container) -> None:
    _registry[container.code] = container
    watch(container.model, container.code)


def get(code: str) -> Container:
    try:
        return _registry[code]
    except KeyError:
        known = ", ".join(sorted(_registry))
        raise UnknownContainer(
            _('unknown container "%(code)s"; expected one of: %(known)s')
            % {"code": code, "known": known}
        ) from None


def all_containers() -> list[Container]:
    return list(_registry.values())
