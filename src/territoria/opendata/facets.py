"""Facets: which a request asks for (`facet=`, parsed into `FacetSpec`s; by default every
facet of the dataset) and how the values of one are counted in a selection, taxonomy
facets from the magnet engine's bitmaps, the others in SQL.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from territoria.opendata import odsql
from territoria.opendata.params import QueryError
from territoria.opendata.registry import Dataset, Field
from territoria.opendata.selection import Selection, concept_paths
from territoria.taxonomy.engine import BitmapMagnetEngine

FACET_LIMIT = 100


@dataclass(frozen=True)
class FacetSpec:
    name: str
    disjunctive: bool = False
    sort: str = "-count"
    limit: int = FACET_LIMIT


def parse_facets(texts: list[str]) -> list[FacetSpec]:
    """`facet=name` or `facet=facet(name="f", disjunctive=true, sort="-count", limit=10)`."""
    specs = []
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if not text.lower().startswith("facet("):
            specs.append(FacetSpec(text))
            continue
        arguments = odsql.parse_facet(text)
        name = arguments.pop("name", None)
        if not isinstance(name, str):
            raise QueryError('facet: write facet(name="field", …)')
        disjunctive = arguments.pop("disjunctive", False)
        sort = arguments.pop("sort", "-count")
        limit = arguments.pop("limit", FACET_LIMIT)
        arguments.pop("hierarchical", None)
        arguments.pop("separator", None)
        if arguments:
            raise QueryError(f"facet: unknown argument {sorted(arguments)[0]!r}")
        if not isinstance(disjunctive, bool):
            raise QueryError("facet: disjunctive takes true or false")
        if sort not in ("count", "-count", "alphanum", "-alphanum", "value", "-value"):
            raise QueryError("facet: sort takes count, -count, alphanum or -alphanum")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise QueryError("facet: limit takes a number between 1 and 1000")
        sort = {"alphanum": "value", "-alphanum": "-value"}.get(sort, sort)
        specs.append(FacetSpec(name, disjunctive, sort, limit))
    return specs


def default_facets(dataset: Dataset) -> list[FacetSpec]:
    return [FacetSpec(f.name) for f in dataset.fields() if f.facet]


def facet_counts(selection: Selection, spec: Field) -> list[tuple[str, str, int]]:
    """(name, value, count) of each value: a taxonomy value's `value` is its path."""
    lang = selection.compiler.lang
    if spec.scheme and selection.container is not None:
        counts = BitmapMagnetEngine().facet_counts_of(
            selection.container, selection.ids(), [spec.scheme]
        )
        paths = concept_paths(spec.scheme, lang)
        # Hierarchical: a concept counts the records tagged with it or any narrower one.
        return [
            (paths[concept_id].rpartition("/")[2], paths[concept_id], count)
            for concept_id, count in counts.items()
        ]
    queryset = selection.rows()
    if spec.multivalued:
        assert spec.values is not None
        values = spec.values(lang).filter(owner__in=queryset.values("pk"))
        grouped = values.values("value").annotate(n=Count("owner", distinct=True))
        return [(str(r["value"]), str(r["value"]), r["n"]) for r in grouped if r["value"]]
    column = spec.column_for(lang)
    expr = F(column) if isinstance(column, str) else column
    if spec.type in ("date", "datetime"):
        tz = selection.compiler.tz if spec.type == "datetime" else None
        expr = ExtractYear(expr, tzinfo=tz)
    grouped = queryset.values(facet_value=expr).annotate(n=Count("*")).order_by()
    result = []
    for row in grouped:
        value = row["facet_value"]
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        result.append((str(value), str(value), row["n"]))
    return result


def date_drill_down(selection: Selection, spec: Field, path: str) -> list[tuple[str, str, int]]:
    """Under a refined year ("2010"), the count of each of its months; under a refined
    month ("2010/07"), of each of its days: (name, path, count), as Opendatasoft nests a date
    facet's values below the one refined. Empty for a path that is not a year or a month."""
    parts = path.replace("-", "/").split("/")
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        return []
    column = spec.column_for(selection.compiler.lang)
    expr: Any = F(column) if isinstance(column, str) else column
    tz = selection.compiler.tz if spec.type == "datetime" else None
    unit = ExtractMonth if len(parts) == 1 else ExtractDay
    grouped = (
        selection.rows()
        .values(facet_year=ExtractYear(expr, tzinfo=tz), facet_month=ExtractMonth(expr, tzinfo=tz))
        .annotate(facet_unit=unit(expr, tzinfo=tz), n=Count("*"))
        .order_by()
    )
    wanted = [int(p) for p in parts]
    counts: dict[int, int] = {}
    for row in grouped:
        found = [row["facet_year"], row["facet_month"]][: len(wanted)]
        if found == wanted and row["facet_unit"] is not None:
            counts[row["facet_unit"]] = counts.get(row["facet_unit"], 0) + row["n"]
    prefix = "/".join(f"{n:02d}" if i else str(n) for i, n in enumerate(wanted))
    return [(f"{unit_:02d}", f"{prefix}/{unit_:02d}", n) for unit_, n in sorted(counts.items())]
