"""`range(field, width)` on numbers: each value in the range of equal widths whose exact
bounds, as the label writes them, contain it.

A range's label is exact decimals, k × width (`[50.41, 50.411[` for a width of 0.001),
but the database reads doubles: floor(value / width) computed in doubles may fall one
short or one past (50.41 / 0.001 is 50409.99999999999), and 50.41 would be counted in
`[50.409, 50.41[`. So the number from the division is only a first guess, corrected by
comparing the value with the two bounds of its guessed range, each the double nearest to
the exact bound: a width written m × 10^x (m whole, at most 15 digits, |x| ≤ 22) gives
the bound k × m (a whole number, exact in a double below 2^53) divided or multiplied
by 10^|x| (exact as a double up to 10^22), which IEEE arithmetic rounds once, to the
nearest, as the decimal's own reading would be.

That is exact while k × m keeps to 15 digits: two decimals of at most 15 significant
digits are never the same double, so a value is at or past a bound as a double exactly
when the shortest decimal that writes it (how the API shows it) is at or past it as a
decimal. A width finer than that for the field's values (its largest magnitude, read
from the dataset) is refused rather than answered with ranges that would not contain
their values (1e-18 on latitudes: the quotient has lost the value's digits; 5e-324: it is
infinite).
"""

import math
from decimal import Decimal, localcontext
from typing import Any

from django.db import models
from django.db.models import Case, Max, Min, Value, When
from django.db.models.functions import Cast, Floor
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from territoria.opendata import odsql
from territoria.opendata.compiler_expressions import ExpressionCompiler
from territoria.opendata.compiler_types import Output, Typed, text_of
from territoria.opendata.odsql import ODSQLError

DIGITS = 15  # what a double tells apart in any decimal (DBL_DIG)
EXACT_POWER = 22  # 10^22 is the largest power of ten a double holds exactly


def number_widths(compiler: ExpressionCompiler, typed: Typed, width: Any, name: str) -> Output:
    """The group of `range(number, width)`: its range's number k, shown as [k × width,
    (k + 1) × width[."""
    if not (isinstance(width, odsql.Literal) and isinstance(width.value, Decimal)):
        raise ODSQLError(f"range() on a number takes a width in numbers, not {text_of(width)}")
    odsql.number_value(width)  # one the databases hold
    step: Decimal = width.value
    if step <= 0:
        raise ODSQLError(f"range(): the width must be above 0, not {text_of(width)}")
    _sign, digits, exponent = step.normalize().as_tuple()
    assert isinstance(exponent, int)  # (a finite number)
    mantissa = int("".join(map(str, digits)))
    if len(digits) > DIGITS or abs(exponent) > EXACT_POWER:
        raise ODSQLError(
            f"range(): the width {text_of(width)} cannot be computed exactly: write it with "
            f"at most {DIGITS} significant digits, between 1e-{EXACT_POWER} and 1e{EXACT_POWER}"
        )
    _check_fineness(compiler, typed, width, mantissa, exponent)
    value = Cast(typed.expr, models.FloatField())
    guess = Floor(value / Value(float(step)))
    power = Value(float(10 ** abs(exponent)))

    def bound(k: Any) -> Any:
        whole = k * Value(float(mantissa))
        return whole / power if exponent < 0 else whole * power

    one, zero = Value(1.0), Value(0.0)
    below = Case(When(LessThan(value, bound(guess)), then=one), default=zero)
    past = Case(When(GreaterThanOrEqual(value, bound(guess + one)), then=one), default=zero)
    number = models.ExpressionWrapper(guess - below + past, output_field=models.FloatField())

    def label(index: Any) -> str | None:
        if not math.isfinite(index):  # (refused above; a database's stray infinity)
            return None
        k = Decimal(int(index))
        # Exact: as many digits as the product has (the default context keeps 28).
        with localcontext(prec=len(str(k)) + len(step.as_tuple().digits) + 2):
            low = k * step
            return f"[{number_text(low)}, {number_text(low + step)}["

    return Output(name, "text", number, None, False, None, label)


def _check_fineness(
    compiler: ExpressionCompiler, typed: Typed, width: Any, mantissa: int, exponent: int
) -> None:
    """Refuse a width for which the field's values have ranges past 15 digits (k × m)."""
    found = (
        compiler.dataset.queryset()
        .order_by()
        .aggregate(
            low=Min(typed.expr, output_field=models.FloatField()),
            high=Max(typed.expr, output_field=models.FloatField()),
        )
    )
    extremes = [abs(float(v)) for v in found.values() if v is not None]
    if not extremes:
        return
    largest = max(extremes)
    # |k × m| ≤ |value| / 10^x + m, for k and k + 1.
    limit = Decimal(10**DIGITS - 2 * mantissa).scaleb(exponent)
    if not math.isfinite(largest) or Decimal(largest) >= limit:
        raise ODSQLError(
            f"range(): the width {text_of(width)} is too fine for values up to {largest:g}: "
            f"the ranges' bounds would need more than {DIGITS} significant digits"
        )


def number_text(value: Decimal) -> str:
    """A decimal as Opendatasoft writes a number: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
