"""Where an indicator stands: its series over time, progress toward its target, a projection.

The series follows the indicator's aggregation: "sum" adds each period's amount to a
running total, "last" takes each value as it is, "max" keeps the highest so far.
The projection is the least-squares line through the series, read at the target date.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoria.strategy.models import Indicator, Measurement


class Status:
    NO_TARGET = "no-target"
    NO_DATA = "no-data"
    INSUFFICIENT = "insufficient"
    ACHIEVED = "achieved"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    MISSED = "missed"

    LABELS = {
        NO_TARGET: _("no target"),
        NO_DATA: _("no measurement yet"),
        INSUFFICIENT: _("too few measurements to project"),
        ACHIEVED: _("target reached"),
        ON_TRACK: _("on track"),
        AT_RISK: _("at risk"),
        MISSED: _("target date passed, not reached"),
    }
    # The steering committee's page lists these.
    NEEDS_ATTENTION = (AT_RISK, MISSED)


class Figure(Protocol):
    """What a standing needs of a measurement: a Measurement, or just its date and value."""

    measured_on: datetime.date
    value: Decimal


@dataclass(frozen=True)
class Value:
    measured_on: datetime.date
    value: Decimal


@dataclass(frozen=True)
class Point:
    day: datetime.date
    value: Decimal  # the running value: the aggregation applied up to `day`
    measurement: Any  # the Measurement (with its source) or a bare Value


@dataclass
class Progress:
    indicator: Indicator
    series: list[Point]
    status: str
    current: Decimal | None = None
    current_on: datetime.date | None = None
    # Target from below: the current value over the target; from above: the way
    # covered from the first value down to the target.
    share: float | None = None
    projected: float | None = None  # the trend's value at the target date
    trend_per_year: float | None = None
    measurements: list[Any] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def needs_attention(self) -> bool:
        return self.status in Status.NEEDS_ATTENTION


def series(indicator: Indicator, measurements: Iterable[Figure]) -> list[Point]:
    points: list[Point] = []
    running: Decimal | None = None
    for m in sorted(measurements, key=lambda m: m.measured_on):
        value = Decimal(m.value)
        if indicator.aggregation == Indicator.Aggregation.SUM:
            running = value if running is None else running + value
        elif indicator.aggregation == Indicator.Aggregation.MAX:
            running = value if running is None else max(running, value)
        else:
            running = value
        points.append(Point(m.measured_on, running, m))
    return points


def linear_trend(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Slope and intercept of the least-squares line, or None for fewer than two x values."""
    if len({x for x, _y in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(y for _x, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _y in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def progress(
    indicator: Indicator,
    measurements: Iterable[Figure] | None = None,
    today: datetime.date | None = None,
) -> Progress:
    """The indicator's standing; `measurements` saves a query when already fetched."""
    rows = list(indicator.measurements.all() if measurements is None else measurements)
    points = series(indicator, rows)
    today = today or timezone.localdate()
    target = indicator.target_value
    result = Progress(indicator, points, Status.NO_DATA, measurements=rows)
    if points:
        result.current, result.current_on = points[-1].value, points[-1].day
    xy = [(float(p.day.toordinal()), float(p.value)) for p in points]
    trend = linear_trend(xy)
    if trend:
        result.trend_per_year = trend[0] * 365.25
    if target is None or indicator.target_date is None:
        result.status = Status.NO_TARGET if points else Status.NO_DATA
        return result
    if not points:
        return result
    assert result.current is not None
    rising = indicator.target_direction == Indicator.Direction.INCREASE
    baseline = points[0].value
    if rising and target > 0:
        result.share = max(0.0, float(result.current / target))
    elif not rising and len(points) > 1 and baseline > target:
        result.share = max(0.0, float((baseline - result.current) / (baseline - target)))
    # Reached means reached by the target date: later figures do not count.
    by_then = [p for p in points if p.day <= indicator.target_date]
    reached = bool(by_then) and (
        by_then[-1].value >= target if rising else by_then[-1].value <= target
    )
    if trend:
        slope, intercept = trend
        result.projected = slope * indicator.target_date.toordinal() + intercept
        if indicator.unit != Indicator.Unit.PERCENT:
            result.projected = max(0.0, result.projected)  # counts and amounts stay positive
    if reached:
        result.status = Status.ACHIEVED
    elif indicator.target_date < today:
        result.status = Status.MISSED
    elif result.projected is None:
        result.status = Status.INSUFFICIENT
    else:
        on_track = (
            result.projected >= float(target) if rising else result.projected <= float(target)
        )
        result.status = Status.ON_TRACK if on_track else Status.AT_RISK
    return result


def progress_of_all(
    indicators: Iterable[Indicator], today: datetime.date | None = None, sources: bool = True
) -> list[Progress]:
    """Progress of many indicators with one query for their measurements.

    Without `sources`, the measurements carry their values only (no source, no note),
    for pages that show standings but no figures' sources.
    """
    indicators = list(indicators)
    by_indicator: dict[int, list[Any]] = {i.pk: [] for i in indicators}
    measurements = Measurement.objects.filter(indicator__in=indicators)
    if sources:
        for m in measurements.select_related("source_publication"):
            by_indicator[m.indicator_id].append(m)
    else:
        for indicator_id, day, value in measurements.values_list(
            "indicator_id", "measured_on", "value"
        ):
            by_indicator[indicator_id].append(Value(day, value))
    return [progress(i, by_indicator[i.pk], today) for i in indicators]
