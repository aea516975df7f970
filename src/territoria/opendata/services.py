"""Running Explore API queries: records, aggregates, facets and export rows.

A request's parameters are checked (`parse_request`), compiled (`compiler.py`) and run
here. Refinements on taxonomy facets go through the magnet engine's bitmaps: the
selection's ids come from the in-memory index, intersected with the ids the `where`
clause selects in SQL, so facet counts and pages stay fast on millions of records.
"""

import datetime
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import Count, F, Lookup, Q, Value
from django.db.models.functions import ExtractYear
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan
from pyroaring import BitMap

from territoria.opendata import odsql, registry
from territoria.opendata.compiler import Compiled, Compiler, Output, compile_query
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Dataset, Field
from territoria.taxonomy import containers, index
from territoria.taxonomy.engine import BitmapMagnetEngine
from territoria.taxonomy.expressions import All, AnyOf, ConceptRef, Expression, Not
from territoria.taxonomy.models import Tag

MAX_LIMIT = 100
MAX_GROUP_LIMIT = 20_000
MAX_WINDOW = 10_000
DEFAULT_LIMIT = 10
EXPORT_CHUNK = 5_000
FACET_LIMIT = 100


class QueryError(ValueError):
    """A client mistake, answered with HTTP 400 and Opendatasoft's error shape."""

    def __init__(self, message: str, error_code: str = "InvalidRESTParameterError") -> None:
        self.error_code = error_code
        super().__init__(message)


@dataclass(frozen=True)
class Refinement:
    field: str
    value: str
    excluded: bool


@dataclass
class Request:
    select: str | None = None
    where: str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    refinements: list[Refinement] = field(default_factory=list)
    lang: str = "fr"
    timezone: str = "UTC"
    # Not a query parameter: a taxonomy selection a page adds to the refinements (the
    # directory's concepts, alternatives within a scheme where `refine` combines them all).
    expression: Expression | None = None


def integer_param(params: Mapping[str, Any], name: str, default: int) -> int:
    """A whole-number parameter (at most 12 digits), or `default` when it is absent."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
        raise QueryError(f"{name}: {raw!r} is not a whole number")
    return int(text)


def parse_request(params: Any, *, export: bool = False, getlist: Any = None) -> Request:
    """The ODSQL and paging parameters of a request, checked against the API's limits."""
    get_all = getlist or (lambda name: params.getlist(name))
    for name in ("select", "where", "group_by", "order_by", "lang", "timezone"):
        value = params.get(name)
        if value is not None and "\x00" in value:
            raise QueryError(f"{name}: NUL characters are not allowed", "ODSQLError")
    request = Request(
        select=params.get("select") or None,
        where=params.get("where") or None,
        group_by=params.get("group_by") or None,
        order_by=params.get("order_by") or None,
        lang=(params.get("lang") or "fr").lower(),
        timezone=params.get("timezone") or "UTC",
    )
    request.refinements = [
        *(_refinement(text, False) for text in get_all("refine")),
        *(_refinement(text, True) for text in get_all("exclude")),
    ]
    if export:
        request.limit = integer_param(params, "limit", -1)
        request.offset = integer_param(params, "offset", 0)
        if request.limit < -1:
            raise QueryError("limit: must be -1 (all) or a positive number")
    else:
        request.limit = integer_param(params, "limit", DEFAULT_LIMIT)
        request.offset = integer_param(params, "offset", 0)
        grouped = bool(request.group_by)
        most = MAX_GROUP_LIMIT if grouped else MAX_LIMIT
        if request.limit == -1 and grouped:
            request.limit = MAX_GROUP_LIMIT
        if not 0 <= request.limit <= most:
            raise QueryError(f"limit: must be between 0 and {most}, not {request.limit}")
        if not grouped and request.offset + request.limit > MAX_WINDOW:
            raise QueryError(
                f"offset + limit must not exceed {MAX_WINDOW}: use the exports endpoint "
                "to read all records"
            )
    if request.offset < 0:
        raise QueryError("offset: must be 0 or more")
    return request


def _refinement(text: str, excluded: bool) -> Refinement:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        param = "exclude" if excluded else "refine"
        raise QueryError(f'{param}: write "field:value", not {text!r}')
    if "\x00" in text:
        raise QueryError("refine: NUL characters are not allowed")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return Refinement(name.strip(), value, excluded)


# --- The selection: which rows a request reads -------------------------------------------


_ids_cache: OrderedDict[tuple[Any, ...], BitMap] = OrderedDict()
_ids_lock = threading.Lock()
IDS_CACHE_SIZE = 64
IDS_CACHE_SECONDS = 60


def cached_ids(key: tuple[Any, ...], queryset: models.QuerySet[Any]) -> BitMap:
    """The ids a query selects, kept while the tag index token stays the same: a client
    paging through results, or a page asking records then facets, scans the table once.
    Every change to a tagged record renews the token, as it renews the bitmap index."""
    # The minute too: changes that bypass the token (bulk updates of related tables)
    # are seen within a minute.
    full_key = (*key, index.current_token(), int(time.monotonic() // IDS_CACHE_SECONDS))
    with _ids_lock:
        found = _ids_cache.get(full_key)
        if found is not None:
            _ids_cache.move_to_end(full_key)
            return found
    ids = BitMap()
    for rows in _raw_rows(queryset.order_by().values_list("pk"), 50_000):
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
        # What the SQL part of the selection depends on, to reuse its ids (`cached_ids`).
        self.cache_key = (dataset.id, where_text, plain, compiler.lang, compiler.tz.key)
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
                queryset = (
                    queryset.exclude(condition)
                    if refinement.excluded
                    else queryset.filter(condition)
                )
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
        """The concepts a refinement names: by code, by path of labels from the top
        ("Wallonie/Namur/Namur", as the facets give it), or by label (all that bear it)."""
        assert spec.scheme is not None
        paths = concept_paths(spec.scheme, self.compiler.lang)
        rows = index.catalog().rows
        exact = [pk for pk, path in paths.items() if value in (path, rows[pk]["notation"])]
        chosen = exact or [pk for pk, path in paths.items() if path.rpartition("/")[2] == value]
        return [
            ConceptRef(f"{spec.scheme}:{rows[pk]['notation']}", f"refine:{spec.name}")
            for pk in chosen
        ]

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
            if len(numbers) == 1:
                end = start.replace(year=start.year + 1)
            elif len(numbers) == 2:
                end = (start + datetime.timedelta(days=32)).replace(day=1)
            else:
                end = start + datetime.timedelta(days=1)
        except (ValueError, OverflowError):
            raise QueryError(
                f'refine: "{spec.name}" takes a year, year/month or year/month/day'
            ) from None
        low: Any = start
        high: Any = end
        if spec.type == "datetime":
            tz = self.compiler.tz
            try:  # compared in UTC, which near year 1 or 9999 may not reach
                low = datetime.datetime.combine(start, datetime.time(), tz).astimezone(datetime.UTC)
                high = datetime.datetime.combine(end, datetime.time(), tz).astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise QueryError(f'refine: "{spec.name}": date out of range') from None
        return Q(GreaterThanOrEqual(expr, low)) & Q(LessThan(expr, high))

    # The selection's ids: from the bitmap index when a taxonomy refinement is involved.

    def ids(self) -> BitMap:
        if self._ids is None:
            if self.empty:
                self._ids = BitMap()
            elif self.container is not None:
                matching = BitmapMagnetEngine().matching(self.container, self.expression)
                # The dataset may publish fewer records than the container holds.
                matching &= cached_ids((self.dataset.id,), self.dataset.queryset().order_by())
                if self.filtered:
                    matching &= cached_ids(self.cache_key, self.queryset)
                self._ids = matching
            else:
                self._ids = index.ids_of(self.queryset)
        return self._ids

    def uses_bitmap(self) -> bool:
        return self.expression is not None or self.empty

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


# --- Reading values -----------------------------------------------------------------------


JAVA_TO_STRFTIME = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"))


class Reader:
    """Turns database values into the API's values, per output column."""

    def __init__(self, compiler: Compiler, outputs: list[Output]) -> None:
        self.compiler = compiler
        self.outputs = outputs
        self.converters = [self._converter(o) for o in outputs]

    raw = False  # values straight from the database driver, without Django's converters

    def column(self, i: int, values: Any) -> Any:
        """One column of a batch, converted; columns the database already gives in their
        API form are passed through as they are."""
        output = self.outputs[i]
        if self.raw:
            values = _from_driver(output, values)
        if output.field is not None and output.field.multivalued:
            return [[v] if v else None for v in values]  # one value, read from the row
        if output.pattern is None:
            if output.type == "text":
                return [v or None for v in values]  # the empty text is null
            if output.type in ("boolean", "date", "geo_point_2d"):
                return values
            if output.type == "datetime" and self.compiler.tz.key == "UTC":
                return values
        convert = self.converters[i]
        if convert is None:
            return values
        return [None if v is None else convert(v) for v in values]

    def _converter(self, output: Output) -> Any:
        tz = self.compiler.tz
        if output.pattern is not None:
            pattern = output.pattern
            for java, c in JAVA_TO_STRFTIME:
                pattern = pattern.replace(java, c)

            def formatted(value: Any) -> Any:
                if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                    value = value.astimezone(tz)
                return value.strftime(pattern)

            return formatted
        kind = output.type
        if kind == "text":
            return lambda v: v if v != "" else None
        if kind == "datetime":
            return lambda v: v.astimezone(tz)
        if kind == "double":
            return float
        if kind == "int":
            return int
        if kind == "boolean":
            return bool
        if kind == "date":
            return lambda v: v.date() if isinstance(v, datetime.datetime) else v
        return None


def _raw_rows(source: models.QuerySet[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a values_list() query in batches, straight from the driver: Django's
    per-row converters cost more than the rest of an export. The SQL is Django's own,
    with its parameters."""
    try:
        sql, params = source.query.sql_with_params()
    except EmptyResultSet:  # a condition Django knows selects nothing (IN of no value)
        return
    with connections[source.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows


def _from_driver(output: Output, values: Any) -> Any:
    """What Django's converters would have made of a column's raw values."""
    kind = output.type
    sqlite = connection.vendor == "sqlite"
    if kind == "boolean":
        return [None if v is None else bool(v) for v in values]
    if kind == "date" or (output.pattern is not None and sqlite):
        parse = datetime.datetime.fromisoformat if output.pattern else datetime.date.fromisoformat
        return [v if v is None or not isinstance(v, str) else parse(v) for v in values]
    if kind == "datetime" and sqlite:
        # SQLite keeps naive UTC; its driver may or may not have parsed the text already.
        parsed = [datetime.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]
        return [
            v.replace(tzinfo=datetime.UTC) if v is not None and v.tzinfo is None else v
            for v in parsed
        ]
    if kind == "double":
        return [None if v is None else float(v) for v in values]
    return values


def _annotations(outputs: list[Output]) -> dict[str, Any]:
    return {f"odsql_{i}": o.expr for i, o in enumerate(outputs) if o.expr is not None}


def _geo_columns(compiler: Compiler, outputs: list[Output]) -> dict[int, tuple[str, str]]:
    columns = {}
    for i, output in enumerate(outputs):
        if output.type == "geo_point_2d" and output.field is not None:
            latitude, longitude = output.field.column_for(compiler.lang)
            columns[i] = (latitude, longitude)
    return columns


def _ordering(compiled: Compiled, names: list[str]) -> list[Any]:
    ordering = []
    for index_, expr, descending in compiled.order_by:
        target = F(names[index_]) if index_ is not None else expr
        ordering.append(
            target.desc(nulls_last=True) if descending else target.asc(nulls_first=True)
        )
    return ordering


class Query:
    """One compiled request against one dataset."""

    def __init__(self, dataset: Dataset, request: Request) -> None:
        self.dataset = dataset
        self.request = request
        self.compiler, self.compiled = compile_query(
            dataset,
            select=request.select,
            where=request.where,
            group_by=request.group_by,
            order_by=request.order_by,
            lang=request.lang,
            timezone=request.timezone,
        )
        self.selection = Selection(
            dataset,
            self.compiler,
            self.compiled.where,
            request.refinements,
            request.where,
            request.expression,
        )
        self.outputs = self.compiled.outputs

    # --- records -----------------------------------------------------------------------

    def records(self) -> tuple[int, list[dict[str, Any]]]:
        """The total count and the requested page, as a list of {name: value}."""
        if self.compiled.aggregated:
            return self._aggregate_records()
        start, stop = self.request.offset, self.request.offset + self.request.limit
        if self.selection.uses_bitmap() and not self.compiled.order_by and self._pk_order():
            ids = self.selection.ids()
            total = len(ids)
            page = list(ids[start:stop]) if start < total and stop > start else []
            # The page's ids come from the selection: its conditions need not run again.
            page_rows = self.dataset.queryset().filter(IdsIn(F("pk"), page)).order_by("pk")
            rows = self._fetch(page_rows)
            return total, rows
        queryset = self.selection.rows()
        total = queryset.count()
        if self.request.limit == 0 or start >= total:
            return total, []
        return total, self._fetch(self._ordered(queryset)[start:stop], annotated=True)

    def ordered_selection(self) -> models.QuerySet[Any]:
        """The selected rows with the output columns annotated, in the requested order."""
        return self._ordered(self.selection.rows())

    def _pk_order(self) -> bool:
        return tuple(self.dataset.ordering) in (("pk",), ("id",))

    def _ordered(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        queryset = queryset.annotate(**_annotations(self.outputs))
        return queryset.order_by(*self.ordering())

    def ordering(self) -> list[Any]:
        """The requested order, then the dataset's own (which ends with a unique key)."""
        names = [f"odsql_{i}" for i in range(len(self.outputs))]
        return [*_ordering(self.compiled, names), *self.dataset.ordering]

    def _fetch(
        self, queryset: models.QuerySet[Any], annotated: bool = False
    ) -> list[dict[str, Any]]:
        names = self.names()
        return [
            dict(zip(names, row, strict=True))
            for row in self._tuples(queryset, annotated=annotated)
        ]

    def names(self) -> list[str]:
        return [o.name for o in self.outputs]

    def _tuples(
        self, queryset: models.QuerySet[Any], chunk: int | None = None, annotated: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Rows as tuples of API values, multivalued fields included, converted a column
        at a time per batch (a Python call per cell would halve the export's speed)."""
        outputs = self.outputs
        reader = Reader(self.compiler, outputs)
        geo = _geo_columns(self.compiler, outputs)
        multi: list[tuple[int, Field]] = [
            (i, o.field)
            for i, o in enumerate(outputs)
            if o.field and o.field.multivalued and o.expr is None
        ]
        if not annotated:
            queryset = queryset.annotate(**_annotations(outputs))
        columns = ["pk"]
        sources: dict[int, int] = {}  # output index -> column index
        for i, output in enumerate(outputs):
            if output.expr is not None:
                sources[i] = len(columns)
                columns.append(f"odsql_{i}")
        for i, (latitude, longitude) in geo.items():
            sources[i] = len(columns)
            columns.extend([latitude, longitude])
        source = queryset.values_list(*columns)
        reader.raw = chunk is not None
        empty = [None]

        def emit(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            by_column = list(zip(*rows, strict=True))
            ids = by_column[0]
            values = self._multivalues(multi, list(ids)) if multi else {}
            out_columns: list[Any] = []
            for i in range(len(outputs)):
                if i in geo:
                    at = sources[i]
                    out_columns.append(
                        [
                            {"lon": lon, "lat": lat}
                            if lat is not None and lon is not None
                            else None
                            for lat, lon in zip(by_column[at], by_column[at + 1], strict=True)
                        ]
                    )
                elif i in sources:
                    out_columns.append(reader.column(i, by_column[sources[i]]))
                else:
                    owned = values.get(i, {})
                    out_columns.append([owned.get(pk) for pk in ids] if owned else empty * len(ids))
            yield from zip(*out_columns, strict=True)

        if chunk is not None:
            for rows in _raw_rows(source, chunk):
                yield from emit(rows)
        else:
            rows = list(source)
            if rows:
                yield from emit(rows)

    def _multivalues(
        self, multi: list[tuple[int, Field]], ids: list[Any]
    ) -> dict[int, dict[Any, list[str]]]:
        """Each multivalued output's values by record id. Taxonomy facets are read in one
        query of concept ids for all schemes, named from the in-memory catalogue."""
        result: dict[int, dict[Any, list[str]]] = {}
        if not ids:
            return result
        low, high = min(ids), max(ids)
        lang = self.compiler.lang
        container = self.selection.container
        schemes = {spec.scheme: i for i, spec in multi if spec.scheme and container is not None}
        if schemes and container is not None:
            named = {
                concept_id: (
                    schemes[row["scheme__code"]],
                    row.get(f"label_{lang}") or row["label_fr"],
                )
                for concept_id, row in index.catalog().rows.items()
                if row["scheme__code"] in schemes
            }
            tags = Tag.objects.filter(
                content_type=ContentType.objects.get_for_model(container.model),
                concept_id__in=list(named),
            )
            # A page of scattered records: by id; a run of an export: by range.
            tag_pairs = (
                tags.filter(IdsIn(F("object_id"), ids))
                if len(ids) <= 1000
                else tags.filter(object_id__gte=low, object_id__lte=high)
            ).values_list("object_id", "concept_id")
            owned_by = {i: result.setdefault(i, {}) for i in schemes.values()}
            # One lookup per tag: the dict its scheme's values go to, and its label.
            target = {cid: (owned_by[i], label) for cid, (i, label) in named.items()}
            for rows in _raw_rows(tag_pairs, 20_000):
                for owner, concept_id in rows:
                    owned, label = target[concept_id]
                    values = owned.get(owner)
                    if values is None:
                        owned[owner] = [label]
                    else:
                        values.append(label)
        for i, spec in multi:
            if spec.scheme in schemes:
                continue
            assert spec.values is not None
            by_owner = result.setdefault(i, {})
            pairs = spec.values(lang)
            pairs = (
                pairs.filter(owner__gte=low, owner__lte=high)
                if len(ids) > 500
                else pairs.filter(owner__in=ids)
            )
            for owner, value in pairs.values_list("owner", "value"):
                if value:
                    by_owner.setdefault(owner, []).append(value)
        for owned in result.values():
            for values in owned.values():
                values.sort()
        return result

    def _aggregate_records(self) -> tuple[int, list[dict[str, Any]]]:
        queryset = self.selection.rows()
        outputs = self.outputs
        reader = Reader(self.compiler, outputs)
        groups = self.compiled.group_by
        if not groups:
            aggregates = {f"odsql_{i}": o.expr for i, o in enumerate(outputs)}
            row = queryset.aggregate(**aggregates)
            values = [row[f"odsql_{i}"] for i in range(len(outputs))]
            return 1, [self._convert(reader, values)]
        group_names = {f"odsql_g{k}": g.expr for k, g in enumerate(groups)}
        names = []
        aggregates = {}
        for i, output in enumerate(outputs):
            if output.aggregate:
                names.append(f"odsql_{i}")
                aggregates[f"odsql_{i}"] = output.expr
            else:
                names.append(f"odsql_g{self._group_of(output)}")
        # The hidden count makes a GROUP BY even when only group columns are selected.
        grouped = queryset.values(**group_names).annotate(odsql_rows=Count("*"), **aggregates)
        total = grouped.count()
        # The group keys end the ordering: pages of groups never repeat or skip one.
        ordering = [
            *_ordering(self.compiled, names),
            *(F(n).asc(nulls_first=True) for n in group_names),
        ]

        start, stop = self.request.offset, self.request.offset + self.request.limit
        rows = grouped.order_by(*ordering).values_list(*names)[start:stop]
        return total, [self._convert(reader, list(row)) for row in rows]

    def _group_of(self, output: Output) -> int:
        for k, group in enumerate(self.compiled.group_by):
            if group.name == output.name:
                return k
        for k, group in enumerate(self.compiled.group_by):
            if group.pattern == output.pattern and str(group.expr) == str(output.expr):
                return k
        raise ODSQLError(f'"{output.name}" must be in group_by or inside an aggregate')

    def _convert(self, reader: Reader, values: list[Any]) -> dict[str, Any]:
        out = {}
        for output, convert, value in zip(self.outputs, reader.converters, values, strict=True):
            out[output.name] = (
                convert(value) if convert is not None and value is not None else value
            )
        return out

    # --- exports -----------------------------------------------------------------------

    def export_rows(self) -> Iterator[Sequence[Any]]:
        """Every selected row (or the requested slice), streamed in chunks."""
        if self.compiled.aggregated:
            request = self.request
            limit = MAX_GROUP_LIMIT if request.limit == -1 else request.limit
            self.request = Request(**{**request.__dict__, "limit": limit})
            _total, rows = self._aggregate_records()
            for row in rows:
                yield [row[o.name] for o in self.outputs]
            return
        queryset = self.ordered_selection()
        if self.request.limit >= 0:
            queryset = queryset[self.request.offset : self.request.offset + self.request.limit]
        elif self.request.offset:
            queryset = queryset[self.request.offset :]
        yield from self._tuples(queryset, chunk=EXPORT_CHUNK, annotated=True)

    # --- facets ------------------------------------------------------------------------

    def facets(self, specs: list["FacetSpec"]) -> list[dict[str, Any]]:
        result = []
        for spec in specs:
            field_ = self.compiler.fields.get(spec.name)
            if field_ is None or not field_.facet:
                raise QueryError(f'facet: "{spec.name}" is not a facet of this dataset')
            selection = self.selection
            if spec.disjunctive:
                others = [r for r in self.request.refinements if r.field != spec.name]
                selection = Selection(
                    self.dataset,
                    self.compiler,
                    self.compiled.where,
                    others,
                    self.request.where,
                    self.request.expression,
                )
            counts = self._facet_counts(selection, field_)
            states = {
                r.value: ("excluded" if r.excluded else "refined")
                for r in self.request.refinements
                if r.field == spec.name
            }
            if spec.sort in ("-count", "count"):
                sign = -1 if spec.sort == "-count" else 1
                counts.sort(key=lambda entry: (sign * entry[2], entry[1]))
            else:
                counts.sort(key=lambda entry: entry[1], reverse=spec.sort == "-value")
            values = [
                {
                    "name": name,
                    "count": count,
                    "value": value,
                    "state": states.get(value) or states.get(name) or "displayed",
                }
                for name, value, count in counts
            ]
            result.append({"name": spec.name, "facets": values[: spec.limit]})
        return result

    def _facet_counts(self, selection: Selection, spec: Field) -> list[tuple[str, str, int]]:
        """(name, value, count) of each value: a taxonomy value's `value` is its path."""
        lang = self.compiler.lang
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
            tz = self.compiler.tz if spec.type == "datetime" else None
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


def record_count(dataset_id: str, *refinements: str) -> int:
    """How many records the API counts in a dataset, refined as `refine=` would refine it:
    the definition of a published number wherever a page shows it."""
    request = Request(limit=0, refinements=[_refinement(text, False) for text in refinements])
    query: Query = run(Query, registry.get(dataset_id), request)
    total: int = run(query.records)[0]
    return total


def run(callable_: Any, *args: Any) -> Any:
    """Run a query step; database refusals of a client's query become client errors."""
    try:
        # A savepoint: on PostgreSQL a refused statement must not spoil the transaction.
        with transaction.atomic():
            return callable_(*args)
    except ODSQLError as error:
        raise QueryError(str(error), "ODSQLError") from None
    except DatabaseError as error:
        raise QueryError(
            f"the query could not be run: {type(error).__name__}", "ODSQLError"
        ) from None
