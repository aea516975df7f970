"""ODSQL's `range()` in `group_by`: a number's or a date's group is the range it falls in.

Two forms, as Opendatasoft documents them:
- ranges of equal widths, `range(population, 5)` or `range(created_at, 1 month)`: a
  number's range starts at floor(value / width) × width; a date's at the start of its
  day, week (Monday), month, quarter or year, or hour, minute or second, in the
  request's timezone;
- static ranges, `range(population, *, 10, 50, 100, *)`: the ranges between the bounds,
  and, where a `*` stands, everything below the first or from the last; a value in no
  range is left out of the groups.
Each range includes its lower bound and excludes its upper one, and is shown as
Opendatasoft writes it, `[10, 15[`, `[*, 10[`, or with ISO dates,
`[2020-01-01T00:00:00.000Z, 2020-02-01T00:00:00.000Z[`. In SQL a group is the number of
its range (or the start of its date range), so that groups sort in their order; the
text is written when the value is read. Numbers in a range's bounds are exact decimals
written as the query wrote them (a width of 0.1 gives `[50.4, 50.5[`), and a value is
counted in the range whose bounds contain it (`compiler_widths.py`). Hours, minutes and
seconds are elapsed time: the hour that repeats when summer time ends is two ranges. No
value, no range: a null is its own group.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import ExtractMinute, ExtractSecond, Trunc
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan

from territoria.opendata import odsql
from territoria.opendata.compiler_conditions import ConditionCompiler
from territoria.opendata.compiler_types import NUMERIC, Output, Typed, text_of
from territoria.opendata.compiler_widths import number_text, number_widths
from territoria.opendata.odsql import ODSQLError

# Opendatasoft's interval units (case matters: `m` is a minute, `M` a month).
UNITS = {
    **dict.fromkeys(("s", "second", "seconds"), "second"),
    **dict.fromkeys(("m", "minute", "minutes"), "minute"),
    **dict.fromkeys(("h", "hour", "hours"), "hour"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("w", "week", "weeks"), "week"),
    **dict.fromkeys(("M", "month", "months"), "month"),
    **dict.fromkeys(("q", "quarter", "quarters"), "quarter"),
    **dict.fromkeys(("y", "year", "years"), "year"),
}
MILLISECONDS = ("ms", "millisecond", "milliseconds")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
FIXED = {
    "second": datetime.timedelta(seconds=1),
    "minute": datetime.timedelta(minutes=1),
    "hour": datetime.timedelta(hours=1),
}
WHAT = "range()"


def range_group(compiler: ConditionCompiler, call: odsql.Call, name: str) -> tuple[Output, Q]:
    """The group of a `range()` call, and the condition that leaves out the values in no
    range (an empty Q when every value has one)."""
    if len(call.args) < 2:
        raise ODSQLError(
            "range() takes a field and a width (range(population, 5), range(date, 1 day)) "
            "or bounds (range(population, *, 10, 50, *))"
        )
    typed = compiler.scalar(call.args[0], WHAT)
    if typed.literal or typed.aggregate:
        raise ODSQLError("range() groups the values of a field: give a field first")
    rest = call.args[1:]
    if len(rest) == 1 and not isinstance(rest[0], odsql.Star):
        return _widths(compiler, typed, rest[0], name), Q()
    return _static(compiler, typed, rest, name)


def _widths(compiler: ConditionCompiler, typed: Typed, width: Any, name: str) -> Output:
    _groupable(typed)
    if typed.type in NUMERIC:
        return number_widths(compiler, typed, width, name)
    unit = _unit(width, typed.type)
    tz = compiler.tz
    if typed.type == "datetime" and unit in FIXED:
        start = _elapsed_start(typed.expr, unit, tz)
    elif typed.type == "datetime":
        start = Trunc(typed.expr, unit, output_field=models.DateTimeField(), tzinfo=tz)
    elif unit == "day":
        start = typed.expr
    else:
        start = Trunc(typed.expr, unit, output_field=models.DateField())

    def date_label(value: Any) -> str:
        low = _moment(value, tz)
        high = _after(low, unit)
        return f"[{_iso(low)}, {'*' if high is None else _iso(high)}["

    return Output(name, "text", start, None, False, None, date_label)


def _groupable(typed: Typed) -> None:
    if typed.type not in (*NUMERIC, "date", "datetime"):
        raise ODSQLError(f"range() groups numbers or dates, not {typed.type}")


def _elapsed_start(expr: Any, unit: str, tz: datetime.tzinfo) -> Any:
    """The instant a datetime's hour, minute or second began, on the request's clock.
    Truncating the local wall clock would merge the hour that repeats when summer time
    ends (02:30+02:00 and 02:30+01:00 both read 02:00): this takes the instant itself,
    truncated to its second in UTC (every zone's offset is whole seconds), back by the
    minutes and seconds the local clock shows past the unit."""
    if unit == "second" or str(tz) == "UTC":
        return Trunc(expr, unit, output_field=models.DateTimeField(), tzinfo=datetime.UTC)
    second = Trunc(expr, "second", output_field=models.DateTimeField(), tzinfo=datetime.UTC)
    past: Any = ExtractSecond(second, tzinfo=tz)
    if unit == "hour":
        past = ExtractMinute(second, tzinfo=tz) * Value(60) + past
    duration = models.ExpressionWrapper(
        Value(datetime.timedelta(seconds=1)) * past, output_field=models.DurationField()
    )
    return models.ExpressionWrapper(second - duration, output_field=models.DateTimeField())


def _unit(width: Any, kind: str) -> str:
    if not isinstance(width, odsql.Quantity):
        raise ODSQLError(
            f"range() on a {kind} takes a width with a unit, such as 1 day or 1M, "
            f"not {text_of(width)}"
        )
    if width.unit in MILLISECONDS:
        raise ODSQLError("range(): widths in milliseconds are not supported by this server")
    unit = UNITS.get(width.unit)
    if unit is None:
        raise ODSQLError(
            f"range(): unknown unit {width.unit!r}; the units are s, m, h, d, w, M, q and y "
            "(or second, minute, hour, day, week, month, quarter, year)"
        )
    if width.number.value != 1:
        raise ODSQLError(
            f"range(): {text_of(width)}: this server groups dates by one unit at a time "
            "(1 day, 1 month…)"
        )
    if kind == "date" and unit in FIXED:
        raise ODSQLError(f"range(): a date has no {unit}s: group it by day, week, month…")
    return unit


def _static(
    compiler: ConditionCompiler, typed: Typed, steps: tuple[Any, ...], name: str
) -> tuple[Output, Q]:
    _groupable(typed)  # (else a text's bounds would pass)
    below = isinstance(steps[0], odsql.Star)
    above = isinstance(steps[-1], odsql.Star)
    bounds = list(steps[int(below) : len(steps) - int(above)])
    if not bounds or any(isinstance(b, odsql.Star) for b in bounds):
        raise ODSQLError("range(): write the bounds between an optional * at each end")
    values = [_bound(compiler, typed, b) for b in bounds]
    exact = [b.value if _is_number(b) else v.value for b, v in zip(bounds, values, strict=True)]
    if any(low >= high for low, high in zip(exact, exact[1:], strict=False)):
        raise ODSQLError("range(): the bounds must increase")
    labels = [_shown(v, compiler.tz) for v in exact]
    names = ["*", *labels] if below else labels
    names = [*names, "*"] if above else names
    # A value's range is numbered by the bounds it lies under: 0 below the first bound,
    # len(values) from the last.
    whens = [When(LessThan(typed.expr, v.expr), then=Value(i)) for i, v in enumerate(values)]
    nothing = When(IsNull(typed.expr, True), then=Value(None))
    number = Case(nothing, *whens, default=Value(len(values)), output_field=models.IntegerField())
    first = 0 if below else 1
    keys = {first + i: f"[{names[i]}, {names[i + 1]}[" for i in range(len(names) - 1)}

    def label(index: Any) -> str | None:
        return keys.get(int(index))  # (a value in no range is left out by `condition`)

    kept = Q(IsNull(typed.expr, True))
    inside = Q()
    if not below:
        inside &= Q(GreaterThanOrEqual(typed.expr, values[0].expr))
    if not above:
        inside &= Q(LessThan(typed.expr, values[-1].expr))
    condition = (kept | inside) if (not below or not above) else Q()
    return Output(name, "text", number, None, False, None, label), condition


def _bound(compiler: ConditionCompiler, typed: Typed, node: Any) -> Typed:
    bound = compiler.value(node)
    if not bound.literal:
        raise ODSQLError(f"range(): a bound is a number or a date, not {text_of(node)}")
    _field, converted = compiler.comparable(typed, bound, f"range() bound {text_of(node)}")
    if typed.type in NUMERIC and converted.type not in NUMERIC:
        raise ODSQLError(f"range() on a number takes numbers, not {text_of(node)}")
    return converted


def _is_number(node: Any) -> bool:
    return isinstance(node, odsql.Literal) and isinstance(node.value, Decimal)


def _shown(value: Any, tz: datetime.tzinfo) -> str:
    if isinstance(value, datetime.date):
        return _iso(_moment(value, tz))
    return number_text(value)


def _moment(value: Any, tz: datetime.tzinfo) -> datetime.datetime:
    """A group's start as a datetime in the request's timezone (a date: its midnight)."""
    if isinstance(value, str):  # (read straight from SQLite's driver)
        value = (datetime.date if len(value) <= 10 else datetime.datetime).fromisoformat(value)
    if not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time(), tz)
    moment: datetime.datetime = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return moment.astimezone(tz)


def _after(start: datetime.datetime, unit: str) -> datetime.datetime | None:
    """The end of the range that begins at `start`: a calendar unit on the local clock,
    a fixed one (hour, minute, second) in elapsed time; None past the calendar's end
    (the range that begins in 9999-12 ends in the year 10000, which a label shows as *)."""
    try:
        if unit in FIXED:
            return (start.astimezone(datetime.UTC) + FIXED[unit]).astimezone(start.tzinfo)
        if unit in ("day", "week"):  # (aware arithmetic in Python keeps the local clock)
            return start + datetime.timedelta(days=1 if unit == "day" else 7)
        carry, month = divmod(start.month - 1 + MONTHS_IN[unit], 12)
        return start.replace(year=start.year + carry, month=month + 1)
    except (OverflowError, ValueError):
        return None


def _iso(moment: datetime.datetime) -> str:
    text = moment.isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
