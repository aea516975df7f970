"""ODSQL's `median()` and `percentile()` aggregates, exact and the same on both databases.

PostgreSQL computes them with `percentile_cont(p) WITHIN GROUP (ORDER BY x)`; SQLite has
no such aggregate, so `sqlite_percentile.py` registers one on each connection that
computes the same thing the same way: the values sorted, the rank p × (n − 1), and
between the two values around it the linear interpolation a + (b − a) × fraction, in
doubles, as PostgreSQL's `float8` code does, so that both give the same bits. (Opendatasoft
computes percentiles on Elasticsearch, by an estimate; an exact value is what a client
can check.) Nulls are left out; no value gives null.
"""

from typing import Any

from django.db import models
from django.db.models import Aggregate, Value
from django.db.models.functions import Cast

SQLITE_FUNCTION = "odsql_percentile"


class Percentile(Aggregate):
    """The `fraction` (0 to 1) percentile of an expression, interpolated."""

    function = SQLITE_FUNCTION
    name = "Percentile"
    output_field = models.FloatField()
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float) -> None:
        super().__init__(Cast(expression, models.FloatField()), Value(float(fraction)), filter=None)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        value, fraction = self.get_source_expressions()[:2]  # (then the unused filter)
        value_sql, value_params = compiler.compile(value)
        fraction_sql, fraction_params = compiler.compile(fraction)
        sql = f"percentile_cont({fraction_sql}) WITHIN GROUP (ORDER BY {value_sql})"
        return sql, (*fraction_params, *value_params)
