"""ODSQL compiled to parameterised SQL, through Django's query expressions.

The parser (`odsql.py`) gives an AST; the compiler checks it against a dataset's fields
(names, types, what may be compared with what) and turns it into ORM expressions, which
Django renders as SQL with every literal passed as a parameter, on SQLite and PostgreSQL
alike. Nothing of the query text ever reaches SQL as text. Every mistake raises
ODSQLError with a message for the client; the API answers it with HTTP 400. This module
owns the entry points, `compile_query` and `Compiler`, and the request's clauses
(`select`, `where`, `group_by`, `order_by`); `Compiler` builds on the conditions
(`compiler_conditions.py`), which build on the values (`compiler_expressions.py`); the
types they share are in `compiler_types.py`.

Semantics worth knowing:
- a multivalued field (`field = "v"`, `IN`, `LIKE`, `startswith`, `search`, `suggest`)
  matches when any of its values does; `!=` and `NOT IN` when none does;
- empty texts are null (`IS NULL` finds them);
- comparisons follow SQL: a null value never satisfies a comparison, nor its negation;
- datetimes are compared and grouped in the request's `timezone` (default UTC);
- with `group_by`, each row carries its groups' values, the ones `select` does not name
  after the selected columns, and may be sorted by an aggregate it does not select.
The functions beyond SQL's have modules of their own: `now()` (`compiler_now.py`),
`range()` (`compiler_ranges.py`), `median()` and `percentile()`
(`compiler_percentile.py`), the geo functions (`compiler_geo.py`).
"""

import hashlib
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import ExpressionWrapper, F, Func, Min, Q, Value
from django.db.models.functions import (
    NullIf,
    Random,
    TruncDate,
    TruncHour,
    TruncMonth,
    TruncYear,
)

from territoria.opendata import odsql
from territoria.opendata.compiler_conditions import ConditionCompiler
from territoria.opendata.compiler_ranges import range_group
from territoria.opendata.compiler_types import Compiled, Output, text_of
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Dataset, Field

RANDOM_MODULUS = 2**31


class Compiler(ConditionCompiler):
    """One request's ODSQL parameters compiled against one dataset, in its language."""

    def __init__(self, dataset: Dataset, lang: str = "fr", timezone: str | None = None) -> None:
        super().__init__(dataset, lang, timezone)
        # The groups written as calls, by their text: select may name them so.
        self.group_calls: dict[str, Output] = {}
        # What the groups leave out (range() with bounds): added to where; and the texts
        # of the groups that do, which the selection's cached ids are keyed on.
        self.group_condition = Q()
        self.narrowing_groups: list[str] = []

    def where(self, text: str | None) -> Q | None:
        if not text or not text.strip():
            return None
        self.in_where = True
        try:
            return self.condition(odsql.parse_where(text))
        finally:
            self.in_where = False

    def select(self, text: str | None) -> list[Output]:
        """The selected columns. include(pattern) selects the fields it names in the
        dataset's order, where it stands, beside any other column (one named otherwise
        too counts once); exclude(pattern) leaves fields out of the rest, of all the
        fields when nothing else is selected (even when it matches none)."""
        if not text or not text.strip():
            return self.all_fields()
        outputs: list[Output] = []
        included: set[int] = set()  # positions of the columns include() added
        excluded: set[str] = set()
        items = odsql.parse_select(text)
        for item in items:
            value = item.value
            if isinstance(value, odsql.Call) and value.name in ("include", "exclude"):
                if item.alias:
                    raise ODSQLError(f"{value.name}() cannot have an alias")
                names = self.matching(value)
                if value.name == "exclude":
                    excluded.update(names)
                    continue
                for name in names:
                    included.add(len(outputs))
                    outputs.append(self.field_output(self.fields[name], name))
                continue
            if isinstance(value, odsql.Star):
                if item.alias:
                    raise ODSQLError("* cannot have an alias")
                outputs.extend(self.all_fields())
                continue
            outputs.append(self.output(item))
        if all(isinstance(i.value, odsql.Call) and i.value.name == "exclude" for i in items):
            # Only exclusions: of all the fields (an exclude() that matches nothing leaves
            # them all).
            outputs = self.all_fields()
        named = [o.name for i, o in enumerate(outputs) if i not in included]
        kept: list[Output] = []
        for i, output in enumerate(outputs):
            spec = output.field
            if spec is not None and spec.name == output.name and output.name in excluded:
                continue
            if i in included and (output.name in named or output.name in (k.name for k in kept)):
                continue  # a field include() names and the select names too counts once
            kept.append(output)
        outputs = kept
        names = [o.name for o in outputs]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ODSQLError(f"the result would have two columns named {duplicated[0]!r}: add AS")
        return outputs

    def matching(self, call: odsql.Call) -> list[str]:
        """The fields include() or exclude() names, in the dataset's order: by name, or
        by their beginning (`pop*`), or all (`*`)."""
        if not call.args:
            raise ODSQLError(f"{call.name}() takes field names, such as {call.name}(pop*)")
        found: set[str] = set()
        for arg in call.args:
            match arg:
                case odsql.Star():
                    found.update(self.fields)
                case odsql.FieldPattern(prefix=prefix):
                    found.update(n for n in self.fields if n.startswith(prefix))
                case odsql.Field(name=name):
                    self.field(name)  # an unknown field is a mistake worth saying
                    found.add(name)
                case _:
                    raise ODSQLError(
                        f"{call.name}() takes field names or patterns such as pop*, "
                        f"not {text_of(arg)}"
                    )
        return [name for name in self.fields if name in found]

    def all_fields(self) -> list[Output]:
        return [self.field_output(spec, spec.name) for spec in self.fields.values()]

    def field_output(self, spec: Field, name: str) -> Output:
        if (spec.multivalued and spec.column is None) or spec.type == "geo_point_2d":
            return Output(name, spec.type, None, spec)
        column = spec.column_for(self.lang)
        return Output(name, spec.type, F(column) if isinstance(column, str) else column, spec)

    def output(self, item: odsql.SelectItem) -> Output:
        name = item.alias or text_of(item.value)
        if isinstance(item.value, odsql.Field) and item.value.name in self.fields:
            return self.field_output(self.field(item.value.name), name)
        group = self.group_calls.get(text_of(item.value))
        if isinstance(item.value, odsql.Call) and group is not None:
            # A group selected by its expression (`range(…)` is only written in group_by).
            return Output(name, group.type, group.expr, None, False, group.pattern, group.convert)
        if isinstance(item.value, odsql.Call) and item.value.name == "date_format":
            return self.date_format(item.value, name)
        if isinstance(item.value, odsql.CONDITIONS):
            raise ODSQLError(f"{name}: a condition cannot be selected")
        typed = self.value(item.value, allow_aggregate=True)
        if typed.literal:
            raise ODSQLError(f"{name}: select fields or functions of fields, not constants")
        return Output(name, typed.type, typed.expr, typed.field, typed.aggregate)

    def date_format(self, call: odsql.Call, name: str) -> Output:
        if len(call.args) != 2:
            raise ODSQLError("date_format() takes a date field and a pattern")
        typed = self.scalar(call.args[0], "date_format()")
        if typed.type not in ("date", "datetime"):
            raise ODSQLError(f"date_format() needs a date or datetime, not {typed.type}")
        pattern = self.string_arg(call.args[1], "date_format()")
        units = [u for u in ("yyyy", "MM", "dd", "HH") if u in pattern]
        leftover = pattern
        for unit in units:
            leftover = leftover.replace(unit, "")
        if not units or any(ch.isalpha() for ch in leftover):
            raise ODSQLError(
                "date_format() supports the patterns yyyy, MM, dd and HH with separators "
                f"(such as 'yyyy-MM'), not {pattern!r}"
            )
        tz = self.tz if typed.type == "datetime" else None
        finest = units[-1]
        coarse = ["yyyy", "MM", "dd", "HH"][: ["yyyy", "MM", "dd", "HH"].index(finest) + 1]
        if units != coarse:
            raise ODSQLError(
                f"date_format(): {pattern!r} must include every coarser unit ({', '.join(coarse)})"
            )
        if finest == "HH" and typed.type == "date":
            raise ODSQLError("date_format(): HH needs a datetime")
        expr: Any
        if finest == "HH":
            expr = TruncHour(typed.expr, output_field=models.DateTimeField(), tzinfo=tz)
        elif finest == "dd":
            expr = TruncDate(typed.expr, tzinfo=tz) if typed.type == "datetime" else typed.expr
        else:
            trunc = TruncYear if finest == "yyyy" else TruncMonth
            expr = trunc(typed.expr, output_field=models.DateField(), tzinfo=tz)
        return Output(name, "text", expr, None, False, pattern)

    def group_by(self, text: str | None) -> list[Output]:
        if not text or not text.strip():
            return []
        groups: list[Output] = []
        for item in odsql.parse_select(text):
            if isinstance(item.value, odsql.Star):
                raise ODSQLError("group_by cannot use *")
            if isinstance(item.value, odsql.Call) and item.value.name == "range":
                name = item.alias or text_of(item.value)
                output, condition = range_group(self, item.value, name)
                if condition != Q():
                    self.group_condition &= condition
                    self.narrowing_groups.append(text_of(item.value))
            else:
                output = self.output(item)
            if output.aggregate:
                raise ODSQLError(f"group_by cannot use an aggregate ({output.name})")
            if output.expr is None:
                raise ODSQLError(
                    f'group_by cannot use the multivalued or geo field "{output.name}": '
                    "count its values with the facets endpoint"
                )
            if output.type == "text" and output.pattern is None and output.convert is None:
                output.expr = NullIf(output.expr, Value(""), output_field=models.TextField())
            groups.append(output)
            if isinstance(item.value, odsql.Call):
                self.group_calls[text_of(item.value)] = output
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ODSQLError("group_by names a column twice: add AS")
        return groups

    def order_by(
        self, text: str | None, outputs: list[Output], aggregated: bool
    ) -> list[tuple[int | None, Any, bool]]:
        """Each sort key: the index of the selected column it names, or its own expression."""
        if not text or not text.strip():
            return []
        names = [o.name for o in outputs]
        result: list[tuple[int | None, Any, bool]] = []
        for item in odsql.parse_order_by(text):
            node = item.value
            key = text_of(node)
            if isinstance(node, odsql.Call) and node.name == "random":
                result.append((None, random_order(node, aggregated), item.descending))
                continue
            if key in names:
                index = names.index(key)
                if outputs[index].expr is None:
                    raise ODSQLError(f'cannot sort by the multivalued or geo field "{key}"')
                result.append((index, None, item.descending))
                continue
            if aggregated:
                # An aggregate the select does not show, such as order_by=count(*) desc.
                typed = self.value(node, allow_aggregate=True)
                if not typed.aggregate or typed.literal:
                    raise ODSQLError(
                        f"order_by {key}: with group_by or aggregates, sort by a group, a "
                        "selected column or an aggregate"
                    )
                result.append((None, GroupOrder(typed.expr), item.descending))
                continue
            typed = self.scalar(node, "order_by")
            if typed.literal:
                raise ODSQLError(f"order_by {key}: sort by a field, not a constant")
            result.append((None, typed.expr, item.descending))
        return result


def compile_query(
    dataset: Dataset,
    *,
    select: str | None = None,
    where: str | None = None,
    group_by: str | None = None,
    order_by: str | None = None,
    lang: str = "fr",
    timezone: str | None = None,
) -> tuple[Compiler, Compiled]:
    """Check and compile one request's ODSQL parameters against `dataset`."""
    compiler = Compiler(dataset, lang, timezone)
    compiled = Compiled(where=compiler.where(where))
    groups = compiler.group_by(group_by)
    if groups:
        compiler.aliases = {g.name: g for g in groups}
        outputs = compiler.select(select) if select and select.strip() else list(groups)
        by_name = {g.name: g for g in groups}
        shown: set[int] = set()
        for position, output in enumerate(outputs):
            if output.aggregate:
                continue
            group = by_name.get(output.name) or next((g for g in groups if _same(g, output)), None)
            if group is None:
                raise ODSQLError(f'"{output.name}" must be in group_by or inside an aggregate')
            shown.add(id(group))
            # The selected column is the group's value, under the selected name.
            outputs[position] = Output(
                output.name,
                group.type,
                group.expr,
                group.field,
                False,
                group.pattern,
                group.convert,
            )
        # Each group's value is in its row, as Opendatasoft answers, after the selected
        # columns (its documented `select=count(*) as count&group_by=cou_name_en` gives
        # {"count": …, "cou_name_en": …}).
        outputs.extend(g for g in groups if id(g) not in shown)
        names = [o.name for o in outputs]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise ODSQLError(f'the result would have two columns named "{twice}": add AS')
        compiled.group_by = groups
        if compiler.group_condition != Q():
            # range() with bounds leaves out the values in none of its ranges.
            condition = compiler.group_condition
            compiled.where = condition if compiled.where is None else compiled.where & condition
    else:
        outputs = compiler.select(select)
        if any(o.aggregate for o in outputs) and not all(o.aggregate for o in outputs):
            plain = next(o.name for o in outputs if not o.aggregate)
            raise ODSQLError(f'"{plain}" must be in group_by or inside an aggregate')
    compiled.outputs = outputs
    compiled.order_by = compiler.order_by(order_by, outputs, compiled.aggregated)
    return compiler, compiled


def random_order(call: odsql.Call, aggregated: bool) -> Any:
    """random() in order_by: a new order each time; random(seed) the same order for the
    same seed, as Opendatasoft documents it, on both databases. A seed picks an affine
    permutation of the primary keys modulo 2³¹ (of each group's smallest key when
    grouping): no two rows share a place, and the arithmetic stays within 64 bits."""
    if not call.args:
        return Random()
    seed = call.args[0]
    if len(call.args) > 1 or not (
        isinstance(seed, odsql.Literal) and isinstance(seed.value, Decimal)
    ):
        raise ODSQLError("random() takes nothing, or a whole number as its seed: random(1)")
    number = odsql.number_value(seed)
    if not isinstance(number, int):
        raise ODSQLError(f"random(): the seed is a whole number, not {text_of(seed)}")
    digest = hashlib.blake2b(str(number).encode(), digest_size=8).digest()
    mixed = int.from_bytes(digest, "big")
    factor, shift = (mixed % RANDOM_MODULUS) | 1, (mixed >> 32) % RANDOM_MODULUS
    key: Any = Min("pk") if aggregated else F("pk")
    modulus = Value(RANDOM_MODULUS)
    order = ExpressionWrapper(
        ((key % modulus) * Value(factor) + Value(shift)) % modulus,
        output_field=models.BigIntegerField(),
    )
    return GroupOrder(order) if aggregated else order


class GroupOrder(Func):
    """An aggregate that sorts the groups without being a column of the result. Django
    refuses an aggregate in order_by() unless it is annotated, and the columns are the
    select's: this wrapper says it holds none (so order_by() takes it) and adds nothing
    to GROUP BY; the SQL is the aggregate's own, which ORDER BY may hold."""

    template = "%(expressions)s"
    contains_aggregate = False

    def get_group_by_cols(self) -> list[Any]:
        return []


def _same(group: Output, output: Output) -> bool:
    """Whether a selected column is the value of a group (selected under another name)."""
    if group.pattern != output.pattern:
        return False
    if group.field is not None and group.field is output.field and isinstance(output.expr, F):
        return True
    return str(group.expr) == str(output.expr)


__all__ = ["Compiler", "compile_query"]
