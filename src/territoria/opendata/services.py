"""Running Explore API queries: records, aggregates, facets and export rows.

A request's parameters are checked (`params.py`), compiled (`compiler.py`) and run here by
a `Query`, on the rows its selection reads (`selection.py`), its values turned into the
API's (`reading.py`), its facets counted in `facets.py`; `run` makes the database's
refusals of a client's query client errors, and `record_count` is the count of a dataset
the pages publish.
"""

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connections, models, transaction
from django.db.models import Count, F

from territoria.core.routers import read_alias
from territoria.opendata import registry
from territoria.opendata.compiler import Compiler, compile_query
from territoria.opendata.compiler_types import Compiled, Output
from territoria.opendata.facets import FacetSpec, date_drill_down, facet_counts
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.params import MAX_GROUP_LIMIT, QueryError, Request, parse_refinement
from territoria.opendata.reading import Reader, raw_rows
from territoria.opendata.registry import Dataset, Field
from territoria.opendata.selection import IdsIn, Selection, concept_paths, named_concepts
from territoria.taxonomy import index
from territoria.taxonomy.models import Tag

EXPORT_CHUNK = 5_000


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
    """The requested sort keys. Null values come after all others, whichever the direction,
    as Opendatasoft documents for `order_by`."""
    ordering = []
    for index_, expr, descending in compiled.order_by:
        target = F(names[index_]) if index_ is not None else expr
        ordering.append(target.desc(nulls_last=True) if descending else target.asc(nulls_last=True))
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
        total, identified = self.identified_records()
        return total, [values for _record_id, values in identified]

    def identified_records(self) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """The total count and the requested page, each record with its identifier
        (`record_id`), for a query that does not aggregate."""
        if self.compiled.aggregated:
            raise QueryError("records with identifiers cannot be grouped or aggregated")
        start, stop = self.request.offset, self.request.offset + self.request.limit
        if self.selection.pages_from_bitmap() and not self.compiled.order_by and self._pk_order():
            ids = self.selection.ids()
            total = len(ids)
            page = list(ids[start:stop]) if start < total and stop > start else []
            # The page's ids come from the selection: its conditions need not run again.
            return total, self._fetch(self.selection.rows_of(page).order_by("pk"))
        queryset = self.selection.rows()
        total = queryset.count()
        if self.request.limit == 0 or start >= total:
            return total, []
        return total, self._fetch(self._ordered(queryset)[start:stop], annotated=True)

    def record(self, record_id: str) -> dict[str, Any] | None:
        """One selected record by its identifier, or None when the selection lacks it."""
        pk = pk_of(record_id)
        if pk is None:
            return None
        if self.selection.pages_from_bitmap():
            if pk >= 2**32 or pk not in self.selection.ids():  # ids fit 32 bits in a bitmap
                return None
            selected = self.selection.rows_of([pk])
        else:
            selected = self.selection.rows().filter(pk=pk)
        rows = self._fetch(self._ordered(selected), annotated=True)
        return rows[0][1] if rows else None

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
    ) -> list[tuple[str, dict[str, Any]]]:
        names = self.names()
        return [
            (record_id(row[0]), dict(zip(names, row[1:], strict=True)))
            for row in self._tuples(queryset, annotated=annotated, with_ids=True)
        ]

    def names(self) -> list[str]:
        return [o.name for o in self.outputs]

    def _tuples(
        self,
        queryset: models.QuerySet[Any],
        chunk: int | None = None,
        annotated: bool = False,
        with_ids: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        """Rows as tuples of API values, multivalued fields included, converted a column
        at a time per batch (a Python call per cell would halve the export's speed); each
        begins with the row's primary key when `with_ids`."""
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
            if with_ids:
                out_columns.insert(0, ids)
            if not out_columns:  # a select that leaves no column: a row each, all empty
                yield from [()] * len(ids)
                return
            yield from zip(*out_columns, strict=True)

        if chunk is not None:
            for rows in raw_rows(source, chunk):
                yield from emit(rows)
        else:
            rows = list(source)
            if rows:
                yield from emit(rows)

    def _named(self, schemes: dict[str, int], lang: str) -> dict[int, tuple[int, str]]:
        """Concept id → (output index, label) for the schemes' concepts; made once per
        query, not per batch of rows."""
        key = (index.catalog().token, tuple(sorted(schemes.items())), lang)
        cached: tuple[Any, dict[int, tuple[int, str]]] | None = getattr(self, "_named_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        named = {
            concept_id: (schemes[row["scheme__code"]], row.get(f"label_{lang}") or row["label_fr"])
            for concept_id, row in index.catalog().rows.items()
            if row["scheme__code"] in schemes
        }
        self._named_cache = (key, named)
        return named

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
            named = self._named(schemes, lang)
            # No list of concepts in the query (NACE alone has thousands): the tags of
            # other schemes are few, and skipped below.
            tags = Tag.objects.filter(
                content_type=ContentType.objects.get_for_model(container.model)
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
            for rows in raw_rows(tag_pairs, 20_000):
                for owner, concept_id in rows:
                    found = target.get(concept_id)
                    if found is None:
                        continue
                    owned, label = found
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

    def _states(self, spec: Field) -> dict[str, str]:
        """Each refined or excluded value of a facet, as the facet lists it: a concept named
        by its code or label is listed by its path."""
        states = {}
        for refinement in self.request.refinements:
            if refinement.field != spec.name:
                continue
            state = "excluded" if refinement.excluded else "refined"
            states[refinement.value] = state
            if spec.scheme and self.selection.container is not None:
                paths = concept_paths(spec.scheme, self.compiler.lang)
                for pk in named_concepts(spec.scheme, refinement.value, self.compiler.lang):
                    states[paths[pk]] = state
        return states

    def _without(self, name: str) -> Selection:
        """The selection without the refinements of the facet `name`."""
        others = [r for r in self.request.refinements if r.field != name]
        return Selection(
            self.dataset,
            self.compiler,
            self.compiled.where,
            others,
            self.request.where,
            self.request.expression,
        )

    def _drill_down(self, selection: Selection, spec: Field, values: list[dict[str, Any]]) -> None:
        """Below a refined year its months, below a refined month its days (a date facet is
        a hierarchy, as Opendatasoft gives it)."""
        path = _refined_path(self.request.refinements, spec.name)
        if path is None:
            return
        year, _slash, month = path.partition("/")
        for entry in values:
            if entry["value"] != year:
                continue
            months = [
                {"name": n, "count": c, "value": v, "state": "displayed"}
                for n, v, c in date_drill_down(selection, spec, year)
            ]
            for child in months:
                if month and child["value"] == f"{year}/{month.split('/')[0].zfill(2)}":
                    child["state"] = "refined"
                    child["facets"] = [
                        {"name": n, "count": c, "value": v, "state": "displayed"}
                        for n, v, c in date_drill_down(selection, spec, child["value"])
                    ]
            entry["facets"] = months

    # --- exports -----------------------------------------------------------------------

    def export_rows(self, with_ids: bool = False) -> Iterator[Sequence[Any]]:
        """Every selected row (or the requested slice), streamed in chunks; each begins
        with the record's primary key when `with_ids` (for a query that does not aggregate)."""
        if self.compiled.aggregated:
            if with_ids:
                raise QueryError("records with identifiers cannot be grouped or aggregated")
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
        yield from self._tuples(queryset, chunk=EXPORT_CHUNK, annotated=True, with_ids=with_ids)

    # --- facets ------------------------------------------------------------------------

    def facets(self, specs: list[FacetSpec]) -> list[dict[str, Any]]:
        result = []
        for spec in specs:
            field_ = self.compiler.fields.get(spec.name)
            if field_ is None or not field_.facet:
                raise QueryError(f'facet: "{spec.name}" is not a facet of this dataset')
            selection = self.selection
            if spec.disjunctive:
                selection = self._without(spec.name)
            counts = facet_counts(selection, field_)
            states = self._states(field_)
            if "excluded" in states.values() and not spec.disjunctive:
                # An excluded value stays in the list, counted as if it were not excluded.
                listed = {value for _name, value, _count in counts}
                counts += [
                    entry
                    for entry in facet_counts(self._without(spec.name), field_)
                    if entry[1] not in listed
                    and (states.get(entry[1]) or states.get(entry[0])) == "excluded"
                ]
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
            if field_.type in ("date", "datetime"):
                self._drill_down(selection, field_, values)
            result.append({"name": spec.name, "facets": values[: spec.limit]})
        return result


def _refined_path(refinements: list[Any], name: str) -> str | None:
    for refinement in refinements:
        if refinement.field == name and not refinement.excluded:
            return str(refinement.value).replace("-", "/")
    return None


def record_id(pk: Any) -> str:
    """A record's identifier in the API (Explore's `record_id`, v1's `recordid`): its primary
    key, as text. Opaque to clients, stable across imports that keep the row."""
    return str(pk)


def pk_of(text: str) -> int | None:
    """The primary key a record identifier names, or None when it names none."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)


def record_count(dataset_id: str, *refinements: str) -> int:
    """How many records the API counts in a dataset, refined as `refine=` would refine it:
    the definition of a published number wherever a page shows it."""
    request = Request(limit=0, refinements=[parse_refinement(text, False) for text in refinements])
    query: Query = run(Query, registry.get(dataset_id), request)
    total: int = run(query.records)[0]
    return total


def _guarded() -> AbstractContextManager[Any]:
    """A savepoint where a refused statement would spoil a transaction (PostgreSQL, or inside
    an atomic block); none at the top level on SQLite, where an atomic block begins with
    BEGIN IMMEDIATE, the database's one write lock, which a read must never take."""
    alias = read_alias()  # the read replica inside the API's replica_reads()
    connection = connections[alias]
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic(using=alias)


def refusal(error: DatabaseError, what: str = "query") -> str:
    """The client's message for a database's refusal of its query: the kind of error only
    (the database's own text may name tables), but for a query too large for SQLite's
    parser (a chain of a thousand ORs), what to change."""
    text = str(error)
    if "parser stack overflow" in text or "Expression tree is too large" in text:
        return (
            f"the {what} is too large for the database: fewer conditions (IN rather than "
            "a chain of OR) or less nesting"
        )
    return f"the {what} could not be run: {type(error).__name__}"


def run(callable_: Any, *args: Any) -> Any:
    """Run a query step; database refusals of a client's query become client errors."""
    try:
        with _guarded():
            return callable_(*args)
    except ODSQLError as error:
        raise QueryError(str(error), "ODSQLError") from None
    except DatabaseError as error:
        raise QueryError(refusal(error), "ODSQLError") from None
