"""The registry of published datasets.

`opendata` imports no domain app: each domain declares its public datasets in its own
`datasets.py` and registers them here (the app config imports every installed app's
`datasets` module at start-up). A dataset is a queryset of public rows and the fields
that describe them; the ODSQL compiler, the API, the exports and the DCAT catalogue all
work from this declaration alone.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Max, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import get_language

from territoria.core.i18n import InLanguage, current_language
from territoria.core.models import AuditEntry
from territoria.taxonomy.models import ConceptScheme, Tag

TYPES = ("text", "int", "double", "date", "datetime", "boolean", "geo_point_2d")
LANGUAGES = ("fr", "nl", "de", "en")

# An EU "data theme" (http://publications.europa.eu/resource/authority/data-theme/…).
THEMES = {
    "ECON": {
        "fr": "Économie et finances",
        "en": "Economy and finance",
        "nl": "Economie en financiën",
        "de": "Wirtschaft und Finanzen",
    },
    "GOVE": {
        "fr": "Gouvernement et secteur public",
        "en": "Government and public sector",
        "nl": "Overheid en publieke sector",
        "de": "Regierung und öffentlicher Sektor",
    },
    "TECH": {
        "fr": "Science et technologie",
        "en": "Science and technology",
        "nl": "Wetenschap en technologie",
        "de": "Wissenschaft und Technologie",
    },
    "SOCI": {
        "fr": "Population et société",
        "en": "Population and society",
        "nl": "Bevolking en samenleving",
        "de": "Bevölkerung und Gesellschaft",
    },
    "EDUC": {
        "fr": "Éducation, culture et sport",
        "en": "Education, culture and sport",
        "nl": "Onderwijs, cultuur en sport",
        "de": "Bildung, Kultur und Sport",
    },
    "REGI": {
        "fr": "Régions et villes",
        "en": "Regions and cities",
        "nl": "Regio's en steden",
        "de": "Regionen und Städte",
    },
}

# The licences a dataset may declare, and where their text is.
LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}


class UnknownDataset(LookupError):
    pass


@dataclass(frozen=True)
class Translated:
    """A text in the platform's languages; French is required, the others fall back to it."""

    fr: str
    en: str
    nl: str = ""
    de: str = ""

    def get(self, lang: str | None = None) -> str:
        lang = (lang or get_language() or "fr")[:2]
        return str(getattr(self, lang, "") or self.fr) if lang in LANGUAGES else self.fr

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Keywords:
    """A dataset's keywords in each language, declared in its `datasets.py` (not admin data).

    French is required; a language without keywords of its own falls back to French.
    """

    fr: tuple[str, ...]
    en: tuple[str, ...] = ()
    nl: tuple[str, ...] = ()
    de: tuple[str, ...] = ()

    def shown(self, lang: str | None = None) -> list[InLanguage]:
        """The keywords for a page or a response in `lang`, each with its actual language."""
        lang = (lang or current_language())[:2]
        own = getattr(self, lang, ()) if lang in LANGUAGES else ()
        return [InLanguage(k, lang) for k in own] or [InLanguage(k, "fr") for k in self.fr]

    def get(self, lang: str | None = None) -> list[str]:
        return [keyword.text for keyword in self.shown(lang)]

    def tagged(self) -> Iterator[tuple[str, str]]:
        """(language, keyword) for every keyword declared, as DCAT publishes them."""
        for lang in LANGUAGES:
            for keyword in getattr(self, lang):
                yield lang, keyword

    def __contains__(self, keyword: object) -> bool:
        return any(keyword == text for _lang, text in self.tagged())


@dataclass(frozen=True)
class Field:
    """One published field.

    `column` is the ORM path (or expression, or a function of the language giving one) of
    a single-valued field. A multivalued field may name a column too when each record has
    at most one value there (a concept field its tags mirror): rows read the value from
    it, conditions still go through `values`. A multivalued field
    has no column: `values(lang)` gives a queryset of rows `owner` (the record's pk) and
    `value`, one per value. `scheme` names the taxonomy scheme behind a multivalued facet,
    whose refinements then go through the magnet engine. A geo_point_2d field's column is
    a pair of paths (latitude, longitude).

    `value_labels` says what a coded value means ("demo", "planned"), for the pages only:
    the API and the exports keep the value. Either a mapping value → label (a `Translated`,
    or a lazy gettext label such as a model's `choices`), or a function of the language
    giving value → label (labels kept in the database).
    """

    name: str
    label: Translated
    type: str
    column: Any = None
    description: Translated | None = None
    multivalued: bool = False
    facet: bool = False
    values: Callable[[str], models.QuerySet[Any]] | None = None
    scheme: str | None = None
    # Computed per group by the dataset itself (an aggregate): it cannot be aggregated again.
    aggregated: bool = False
    value_labels: Mapping[str, Any] | Callable[[str], Mapping[str, str]] | None = field(
        default=None, compare=False
    )

    def labels_for(self, lang: str) -> dict[str, str]:
        """Each coded value's label in `lang` (a value without one is shown as it is)."""
        labels = self.value_labels
        if labels is None:
            return {}
        if callable(labels):
            return {str(value): str(label) for value, label in labels(lang).items()}
        with translation.override(lang):
            return {
                str(value): label.get(lang)
                if isinstance(label, Translated)
                else capfirst(str(label))
                for value, label in labels.items()
            }

    def column_for(self, lang: str) -> Any:
        """The ORM path or expression of this field's value in `lang`."""
        if callable(self.column) and not isinstance(self.column, (str, Combinable)):
            return self.column(lang)
        return self.column

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")
        if self.multivalued and self.values is None:
            raise ValueError(f"multivalued field {self.name} needs values()")
        if not self.multivalued and self.column is None:
            raise ValueError(f"field {self.name} needs a column")


@dataclass(frozen=True)
class Dataset:
    id: str
    title: Translated
    description: Translated
    theme: str
    keywords: Keywords
    # The public rows, and nothing else: personal data and unpublished records never appear.
    queryset: Callable[[], models.QuerySet[Any]]
    # Fields may depend on the data (one field per taxonomy scheme), hence a callable.
    fields: Callable[[], list[Field]]
    modified: Callable[[], datetime.datetime | datetime.date | None]
    # The taxonomy container of the rows, when they are tagged records.
    container: str | None = None
    # When the rows are exactly the container's public records: the same columns as
    # `queryset` for rows whose ids come from the index (which applied the public rule),
    # read by key. The selection then starts from the index's public records and pages
    # from bitmaps, never counting or scanning the table.
    rows_by_key: Callable[[], models.QuerySet[Any]] | None = None
    # Columns `search()` looks into (case- and accent-insensitive where the column is
    # already normalised for search, see `search_normalised`).
    search_columns: tuple[str, ...] = ()
    search_normalised: bool = False
    licence: str = "CC-BY-4.0"
    spatial: bool = True
    temporal: Callable[[], tuple[datetime.date | None, datetime.date | None]] | None = None
    ordering: tuple[str, ...] = ("pk",)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.licence not in LICENCE_URLS:
            raise ValueError(f"dataset {self.id}: unknown licence {self.licence!r}")
        if self.theme not in THEMES:
            raise ValueError(f"dataset {self.id}: unknown theme {self.theme!r}")

    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields()}


_registry: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if dataset.id in _registry and _registry[dataset.id] is not dataset:
        raise ValueError(f"dataset {dataset.id} is registered twice")
    _registry[dataset.id] = dataset
    return dataset


def get(dataset_id: str) -> Dataset:
    try:
        return _registry[dataset_id]
    except KeyError:
        raise UnknownDataset(dataset_id) from None


def all_datasets() -> list[Dataset]:
    return sorted(_registry.values(), key=lambda d: d.id)


# --- Helpers for the declarations ---------------------------------------------------------


def localized(prefix: str, lang: str) -> Any:
    """The column `prefix_<lang>`, falling back to French when empty."""
    if lang == "fr":
        return F(f"{prefix}_fr")
    text = models.TextField()
    return Coalesce(
        NullIf(F(f"{prefix}_{lang}"), Value(""), output_field=text),
        F(f"{prefix}_fr"),
        output_field=text,
    )


# Stands for a row's key while a page's address is reversed, then cut out around it.
_MARKER = "987654321"


def page_path(url_name: str, column: str) -> Any:
    """The address (path) of each row's public page, as an expression over `column`."""
    prefix, suffix = reverse(url_name, args=[_MARKER]).split(_MARKER)
    return Concat(
        Value(prefix),
        Cast(column, models.CharField()),
        Value(suffix),
        output_field=models.CharField(),
    )


def as_double(expression: Any) -> Any:
    """A decimal published as a double (euros, targets, values)."""
    return Cast(expression, models.FloatField())


def latest_audited_change(*querysets: models.QuerySet[Any]) -> datetime.datetime | None:
    """When the back office last changed a record of these querysets (public records only)."""
    condition = Q()
    for queryset in querysets:
        keys = queryset.annotate(audit_key=Cast("pk", models.CharField())).values("audit_key")
        condition |= Q(object_type=queryset.model._meta.label_lower, object_id__in=keys)
    latest_change: datetime.datetime | None = AuditEntry.objects.filter(condition).aggregate(
        latest=Max("created_at")
    )["latest"]
    return latest_change


def latest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    """The latest of the moments that are known."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def concept_values(model: type[models.Model], scheme_code: str) -> Callable[[str], Any]:
    """The values of a multivalued facet on a taxonomy scheme: the labels of the concepts
    tagging each record of `model`, in the requested language."""

    def values(lang: str) -> models.QuerySet[Any]:
        content_type = ContentType.objects.get_for_model(model)
        label = localized("concept__label", lang)
        return Tag.objects.filter(
            content_type=content_type, concept__scheme__code=scheme_code
        ).values(owner=F("object_id"), value=label)

    return values


def scheme_fields(
    model: type[models.Model], codes: Iterable[str], mirrored: dict[str, str] | None = None
) -> list[Field]:
    """One multivalued facet field per taxonomy scheme in `codes` (in that order), whose
    values are the labels of the concepts tagging each record of `model`. `mirrored` maps
    a scheme to the record's concept field that its tags mirror (read from the row)."""
    mirrored = mirrored or {}
    codes = list(codes)
    by_code = {
        scheme.code: scheme
        for scheme in ConceptScheme.objects.filter(code__in=codes).only(
            "code", "title_fr", "title_nl", "title_de", "title_en"
        )
    }
    fields = []
    for code in codes:
        scheme = by_code.get(code)
        if scheme is None:  # a scheme not loaded yet publishes no field
            continue
        fields.append(
            Field(
                name=field_name(scheme.code),
                label=Translated(
                    fr=scheme.title_fr,
                    en=scheme.title_en or scheme.title_fr,
                    nl=scheme.title_nl,
                    de=scheme.title_de,
                ),
                type="text",
                multivalued=True,
                facet=True,
                values=concept_values(model, scheme.code),
                scheme=scheme.code,
                column=_concept_label(mirrored[code]) if code in mirrored else None,
            )
        )
    return fields


def _concept_label(concept_field: str) -> Callable[[str], Any]:
    return lambda lang: localized(f"{concept_field}__label", lang)


def field_name(code: str) -> str:
    """A scheme code (`org-type`) as an ODSQL identifier (`org_type`)."""
    return code.replace("-", "_")


def publisher_name() -> str:
    """Who publishes the datasets: the territory profile's publisher, in the active language."""
    from territoria.core import territory

    return territory.current().publisher()
