"""The `odsql_percentile(x, fraction)` aggregate for SQLite, registered on each new
connection (`register`, connected to `connection_created` by the app config): what
PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY x)` computes, by the same
arithmetic in doubles (see `compiler_percentile.py`)."""

import math
from typing import Any

from territoria.opendata.compiler_percentile import SQLITE_FUNCTION


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over `values` (nulls left out): the sorted values'
    rank fraction × (n − 1), interpolated between the two around it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    first, second = ordered[low], ordered[high]
    if low == high:
        return first
    return first + (second - first) * (rank - low)


class PercentileAggregate:
    """The aggregate's state: the values seen, and the fraction asked for."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: Any, fraction: Any) -> None:
        self.fraction = float(fraction)
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Adds the aggregate to a new SQLite connection (a `connection_created` receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_FUNCTION, 2, PercentileAggregate)
