"""The selection: which rows a request reads, from its `where`, `refine` and `exclude`
and a page's own taxonomy selection. Refinements on taxonomy facets go through the magnet
engine's bitmaps: the selection's ids come from the in-memory index, intersected with the
ids the `where` clause selects in SQL (kept a while in `cached_ids`), so facet counts and
pages stay fast on millions of records. `IdsIn` hands such a set of ids back to SQL.
"""

import datetime
import json
import threading
import time
from collections import OrderedDict
from typing import Any

from django.db import models
from django.db.models import F, Lookup, Q, Value
from django.db.models.lookups import Exact, GreaterThanOrEqual, IsNull, LessThan
from pyroaring import BitMap

from territoria.opendata.compiler import Compiler
from territoria.opendata.params import QueryError, Refinement
from territoria.opendata.reading import raw_rows
from territoria.opendata.registry import Dataset, Field
from territoria.taxonomy import containers, index
from territoria.taxonomy.engine import BitmapMagnetEngine
from territoria.taxonomy.expressions import All, AnyOf, ConceptRef, Expression, Not

_ids_cache: OrderedDict[tuple[Any, ...], BitMap] = OrderedDict()
_ids_lock = threading.Lock()
IDS_CACHE_SIZE = 64
IDS_CACHE_SECONDS = 60


def cached_ids(key: tuple[Any, ...], queryset: models.QuerySet[Any]) -> BitMap:
    """The ids a query selects, kept while the bitmap index stays the same: a client
    paging through results, or a page asking records then facets, scans the table once.
    Every change to a tagged record changes the index's version (its token or its log)."""
    # The minute too: changes that bypass the token (bulk updates of related tables)
    # are seen within a minute.
    full_key = (*key, index.current_version(), int(time.monotonic() // IDS_CACHE_SECONDS))
    with _ids_lock:
        found = _ids_cache.get(full_key)
        if found is not None:
            _ids_cache.move_to_end(full_key)
            return found
    ids = BitMap()
    for rows in raw_rows(queryset.order_by().values_list("pk"), 50_000):
        ids.update(row[0] for row in rows)
    with _ids_lock:
        _ids_cache[full_key] = ids
        while len(_ids_cache) > IDS_CACHE_SIZE:
            _ids_cache.popitem(last=False)
    return ids


_paths_cache: dict[tuple[str, str, str], dict[int, str]] = {}


def concept_paths(scheme: str, lang: str) -> dict[int, str]:
    """Each concept of `scheme` and its path of labels from the top, joined by "/"."""
    catalog = index.catalog()
    key = (catalog.token, scheme, lang)
    found = _paths_cache.get(key)
    if found is not None:
        return found
    rows = catalog.rows

    def label(pk: int) -> str:
        return str(rows[pk].get(f"label_{lang}") or rows[pk]["label_fr"])

    paths: dict[int, str] = {}
    for pk, row in rows.items():
        if row["scheme__code"] != scheme:
            continue
        parts: list[str] = []
        seen: set[int] = set()
        current: int | None = pk
        while current is not None and current not in seen:
            seen.add(current)
            parts.append(label(current))
            current = rows[current].get("parent_id")
        paths[pk] = "/".join(reversed(parts))
    if len(_paths_cache) > 64:
        _paths_cache.clear()
    _paths_cache[key] = paths
    return paths


def named_concepts(scheme: str, value: str, lang: str) -> list[int]:
    """The concepts a refinement's value names: by code, by path of labels from the top
    ("Région/Province/Commune", as the facets give it), or by label (all that bear it)."""
    paths = concept_paths(scheme, lang)
    rows = index.catalog().rows
    exact = [pk for pk, path in paths.items() if value in (path, rows[pk]["notation"])]
    return exact or [pk for pk, path in paths.items() if path.rpartition("/")[2] == value]


class Selection:
    """The rows selected by `where`, `refine`, `exclude` and a page's own taxonomy
    selection (`selected`), as a queryset and, when taxonomy refinements or facets need
    it, as a bitmap of ids."""

    def __init__(
        self,
        dataset: Dataset,
        compiler: Compiler,
        where: Q | None,
        refinements: list[Refinement],
        where_text: str | None = None,
        selected: Expression | None = None,
    ) -> None:
        self.dataset = dataset
        plain = tuple(
            (r.field, r.value, r.excluded)
            for r in refinements
            if not (compiler.fields.get(r.field) and compiler.fields[r.field].scheme)
        )
        # What the SQL part of the selection depends on, to reuse its ids (`cached_ids`):
        # the `where`, with what range() with bounds adds to it. A `now()` (however it is
        # written, wherever it bounds the selection) moves with the clock: its ids are
        # kept for the second only.
        moment = int(time.time()) if compiler.reads_clock else None
        self.cache_key = (
            dataset.id,
            where_text,
            tuple(compiler.narrowing_groups),
            plain,
            compiler.lang,
            compiler.tz.key,
            moment,
        )
        self.compiler = compiler
        self.container = containers.get(dataset.container) if dataset.container else None
        queryset = dataset.queryset().order_by()
        if where is not None:
            queryset = queryset.filter(where)
        self.filtered = where is not None
        if selected is not None and self.container is None:
            raise ValueError(f"dataset {dataset.id} has no taxonomy container to select from")
        items: list[Expression] = [] if selected is None else [selected]
        self.empty = False
        for refinement in refinements:
            spec = self._facet_field(refinement.field)
            if spec.scheme and self.container is not None:
                concepts = self._concepts(spec, refinement.value)
                if not concepts:
                    if not refinement.excluded:
                        self.empty = True
                    continue
                expression: Expression = (
                    AnyOf(tuple(concepts)) if len(concepts) > 1 else concepts[0]
                )
                items.append(Not(expression) if refinement.excluded else expression)
            else:
                condition = self._refine_condition(spec, refinement.value)
                if refinement.excluded:
                    # The complement of the refinement: records without a value stay (SQL's
                    # NOT would drop them with the NULL its comparison gives).
                    condition = ~condition | self._without_value(spec)
                queryset = queryset.filter(condition)
                self.filtered = True
        self.expression: Expression | None = (
            None if not items else items[0] if len(items) == 1 else All(tuple(items))
        )
        self.queryset = queryset
        self._ids: BitMap | None = None

    def _facet_field(self, name: str) -> Field:
        spec = self.compiler.fields.get(name)
        if spec is None:
            raise QueryError(f'refine: unknown field "{name}"')
        if not spec.facet:
            raise QueryError(f'refine: "{name}" is not a facet')
        return spec

    def _concepts(self, spec: Field, value: str) -> list[ConceptRef]:
        assert spec.scheme is not None
        rows = index.catalog().rows
        return [
            ConceptRef(f"{spec.scheme}:{rows[pk]['notation']}", f"refine:{spec.name}")
            for pk in named_concepts(spec.scheme, value, self.compiler.lang)
        ]

    def _without_value(self, spec: Field) -> Q:
        if spec.multivalued:
            return Q(pk__in=[])
        column = spec.column_for(self.compiler.lang)
        expr = F(column) if isinstance(column, str) else column
        return Q(IsNull(expr, True))

    def _refine_condition(self, spec: Field, value: str) -> Q:
        if spec.multivalued:
            assert spec.values is not None
            rows = spec.values(self.compiler.lang).filter(value=value).values("owner")
            return Q(pk__in=rows)
        column = spec.column_for(self.compiler.lang)
        expr = F(column) if isinstance(column, str) else column
        if spec.type in ("date", "datetime"):
            return self._date_refinement(spec, expr, value)
        if spec.type == "boolean":
            if value.lower() not in ("true", "false", "1", "0"):
                raise QueryError(f'refine: "{spec.name}" takes true or false')
            return Q(_lookup(expr, value.lower() in ("true", "1")))
        if spec.type in ("int", "double"):
            try:
                number: float = int(value) if spec.type == "int" else float(value)
                if not -(2**63) <= number < 2**63:
                    raise ValueError(value)
            except ValueError:
                raise QueryError(f'refine: "{spec.name}" takes a number, not {value!r}') from None
            return Q(_lookup(expr, number))
        return Q(_lookup(expr, value))

    def _date_refinement(self, spec: Field, expr: Any, value: str) -> Q:
        # Opendatasoft refines dates by year, year/month or year/month/day.
        parts = value.replace("-", "/").split("/")
        try:
            numbers = [int(p) for p in parts]
            if not 1 <= len(numbers) <= 3:
                raise ValueError(value)
            month = numbers[1] if len(numbers) > 1 else 1
            day = numbers[2] if len(numbers) > 2 else 1
            start = datetime.date(numbers[0], month, day)
        except (ValueError, OverflowError):
            raise QueryError(
                f'refine: "{spec.name}" takes a year, year/month or year/month/day'
            ) from None
        end: datetime.date | None
        try:
            if len(numbers) == 1:
                end = start.replace(year=start.year + 1)
            elif len(numbers) == 2:
                end = (start + datetime.timedelta(days=32)).replace(day=1)
            else:
                end = start + datetime.timedelta(days=1)
        except (ValueError, OverflowError):  # the last period of the calendar (9999)
            end = None
        low: Any = start
        high: Any = end
        if spec.type == "datetime":
            tz = self.compiler.tz
            try:  # compared in UTC, which near year 1 or 9999 may not reach
                low = datetime.datetime.combine(start, datetime.time(), tz).astimezone(datetime.UTC)
                if end is not None:
                    high = datetime.datetime.combine(end, datetime.time(), tz).astimezone(
                        datetime.UTC
                    )
            except (OverflowError, ValueError):
                raise QueryError(f'refine: "{spec.name}": date out of range') from None
        condition = Q(GreaterThanOrEqual(expr, low))
        return condition if high is None else condition & Q(LessThan(expr, high))

    # The selection's ids: from the bitmap index when a taxonomy refinement is involved.

    def ids(self) -> BitMap:
        if self._ids is None:
            if self.empty:
                self._ids = BitMap()
            elif self.container is not None:
                matching = BitmapMagnetEngine().matching(self.container, self.expression)
                if self.dataset.rows_by_key is None:
                    # The dataset may publish fewer records than the container holds.
                    matching = matching & cached_ids(
                        (self.dataset.id,), self.dataset.queryset().order_by()
                    )
                if self.filtered:
                    matching = matching & cached_ids(self.cache_key, self.queryset)
                self._ids = matching
            else:
                self._ids = index.ids_of(self.queryset)
        return self._ids

    def uses_bitmap(self) -> bool:
        return self.expression is not None or self.empty

    def pages_from_bitmap(self) -> bool:
        """Whether a page of these rows is best read from `ids()`: a taxonomy selection,
        or any selection of a dataset whose rows are its container's public records."""
        return self.uses_bitmap() or (
            self.container is not None and self.dataset.rows_by_key is not None
        )

    def rows_of(self, ids: list[int]) -> models.QuerySet[Any]:
        """The rows of `ids`, taken from `ids()`: the selection's conditions are not run
        again where the dataset can read its rows by key."""
        by_key = self.dataset.rows_by_key
        rows = by_key() if by_key is not None else self.dataset.queryset()
        return rows.filter(IdsIn(F("pk"), ids))

    def rows(self) -> models.QuerySet[Any]:
        """The selected rows as a queryset, taxonomy refinements included."""
        if self.empty:
            return self.queryset.none()
        if self.expression is None or self.container is None:
            return self.queryset
        return self.queryset.filter(IdsIn(F("pk"), self.ids()))


class IdsIn(Lookup):
    """`pk` among a set of ids, passed as ONE parameter whatever their number: an array on
    PostgreSQL, a JSON list on SQLite (`IN (… , …)` would take a parameter per id)."""

    lookup_name = "odsql_ids_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(i) for i in self.rhs]
        if not ids:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, ids]
        # The column is Django's own SQL; the ids are one parameter.
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(ids)]  # noqa: S608


def _lookup(expr: Any, value: Any) -> Any:
    return Exact(expr, Value(value))
