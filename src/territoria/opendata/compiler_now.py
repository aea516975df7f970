"""ODSQL's `now()`: the current date and time, moved by its named arguments.

Opendatasoft's parameters are those of python-dateutil's `relativedelta`, and so are their
rules, followed here: the singular names set a part (`year=2000`, `day=31`, the day
clamped to the month's last), the plural ones add to it (`days=-7`, `months=1`, carrying
over to the next part), absolute parts first, then the relative ones, then the weekday
(`weekday=0` the next Monday or today, `mondays=-1` the previous Monday or today). A
parameter given twice counts once, the last. The clock is read once per request, in the
request's timezone (Opendatasoft's default, UTC, gives its documented examples), so
`now(hour=0)` is the local midnight.
"""

import calendar
import datetime
from decimal import Decimal
from typing import Any

from territoria.opendata import odsql
from territoria.opendata.compiler_types import text_of
from territoria.opendata.odsql import ODSQLError

# Each part set by a singular name, with the values it takes.
ABSOLUTE = {
    "year": (1, 9999),
    "month": (1, 12),
    "day": (1, None),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
    "microsecond": (0, 999_999),
    "weekday": (0, 6),
}
RELATIVE = ("years", "months", "days", "hours", "minutes", "seconds", "microseconds")
WEEKDAYS = ("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays")


def arguments(args: tuple[Any, ...]) -> dict[str, int]:
    """now()'s named arguments as whole numbers, checked; the last of a name counts."""
    given: dict[str, int] = {}
    for arg in args:
        if not isinstance(arg, odsql.Named):
            raise ODSQLError(
                f"now() takes named arguments such as now(days=-7), not {text_of(arg)}"
            )
        name = arg.name
        if name not in ABSOLUTE and name not in RELATIVE and name not in WEEKDAYS:
            known = ", ".join([*ABSOLUTE, *RELATIVE, *WEEKDAYS])
            raise ODSQLError(f"now(): unknown argument {name!r}; the arguments are: {known}")
        number = odsql.number_value(arg.value) if _is_number(arg.value) else None
        if not isinstance(number, int):
            raise ODSQLError(f"now(): {name}= takes a whole number, not {text_of(arg.value)}")
        if name in ABSOLUTE:
            low, high = ABSOLUTE[name]
            if number < low or (high is not None and number > high):
                bounds = f"{low} to {high}" if high is not None else f"at least {low}"
                raise ODSQLError(f"now(): {name}= takes {bounds}, not {number}")
        if name in WEEKDAYS and number == 0:
            raise ODSQLError(f"now(): {name}= counts weeks forward or back, so not 0")
        if name == "weekday" or name in WEEKDAYS:
            # One weekday move, as relativedelta keeps: the last one given.
            for other in ("weekday", *WEEKDAYS):
                given.pop(other, None)
        given.pop(name, None)
        given[name] = number
    return given


def moved(start: datetime.datetime, parts: dict[str, int]) -> datetime.datetime:
    """`start` with `parts` (from `arguments`) applied as relativedelta applies them."""
    try:
        carry, month = divmod(parts.get("month", start.month) - 1 + parts.get("months", 0), 12)
        year, month = parts.get("year", start.year) + parts.get("years", 0) + carry, month + 1
        if not 1 <= year <= 9999:
            raise OverflowError
        day = min(calendar.monthrange(year, month)[1], parts.get("day", start.day))
        result = start.replace(year=year, month=month, day=day)
        result = result.replace(
            hour=parts.get("hour", result.hour),
            minute=parts.get("minute", result.minute),
            second=parts.get("second", result.second),
            microsecond=parts.get("microsecond", result.microsecond),
        )
        result += datetime.timedelta(
            days=parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
            microseconds=parts.get("microseconds", 0),
        )
        weekday, nth = _weekday(parts)
        if weekday is not None:
            jump = (abs(nth) - 1) * 7
            if nth > 0:
                jump += (7 - result.weekday() + weekday) % 7
            else:
                jump = -(jump + (result.weekday() - weekday) % 7)
            result += datetime.timedelta(days=jump)
    except (OverflowError, ValueError):
        raise ODSQLError("now(): the date moves out of range (years 1 to 9999)") from None
    return result


def in_utc(moment: datetime.datetime) -> datetime.datetime:
    """`moment` in UTC, as the databases compare it: a local time near the calendar's
    ends (9999-12-31T23:00 in New York, 0001-01-01T00:00 in Tokyo) has no UTC time."""
    try:
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ODSQLError(
            f"now(): {moment.isoformat(timespec='seconds')} is out of range: "
            "the databases compare instants in UTC, between the years 1 and 9999"
        ) from None


def _weekday(parts: dict[str, int]) -> tuple[int | None, int]:
    if "weekday" in parts:
        return parts["weekday"], 1
    for index, name in enumerate(WEEKDAYS):
        if name in parts:
            return index, parts[name]
    return None, 1


def _is_number(node: Any) -> bool:
    return isinstance(node, odsql.Literal) and isinstance(node.value, Decimal)
