"""Plotly figures of indicators, as JSON for `strategy/charts.js` (no inline script), and
the overview's sparklines, drawn on the server as SVG (small, many, no script needed).

Every figure has a table beside it on the page with the same numbers, so the chart
is never the only way to read them.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoria.core.i18n import plotly_separators, translated
from territoria.strategy.services.progress import Point, Progress

ACCENT = "#1f5fa8"
TARGET = "#9b3d00"
TREND = "#5a5a5a"


def indicator_figure(progress: Progress) -> dict[str, Any]:
    indicator = progress.indicator
    unit = indicator.unit_label or indicator.get_unit_display()
    days = [p.day.isoformat() for p in progress.series]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": translated(indicator, "name").text,
            "x": days,
            "y": [float(p.value) for p in progress.series],
            "line": {"color": ACCENT, "width": 3},
            "marker": {"size": 9},
            "hovertemplate": "%{x|%d/%m/%Y}: %{y:,} " + unit + "<extra></extra>",
        }
    ]
    target_date = indicator.target_date
    if indicator.target_value is not None and target_date is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("target"),
                "x": [target_date.isoformat()],
                "y": [float(indicator.target_value)],
                "marker": {"size": 14, "symbol": "star", "color": TARGET},
                "hovertemplate": _("target") + " %{x|%d/%m/%Y}: %{y:,}<extra></extra>",
            }
        )
        if progress.projected is not None and progress.series:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": _("trend"),
                    "x": [progress.series[0].day.isoformat(), target_date.isoformat()],
                    "y": [_trend_at(progress, progress.series[0].day), progress.projected],
                    "line": {"color": TREND, "dash": "dash", "width": 2},
                    "hoverinfo": "skip",
                }
            )
    return {
        "data": data,
        "layout": {
            "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
            "height": 280,
            "showlegend": len(data) > 1,
            "legend": {"orientation": "h", "y": -0.2},
            # The unit is in the heading and the table: an axis title would need inline styles.
            "yaxis": {"rangemode": "tozero", "separatethousands": True},
            # Numeric months: Plotly ships its month names in English only.
            "xaxis": {"type": "date", "tickformat": "%m/%Y"},
            "separators": plotly_separators(),
            "font": {"family": "system-ui, sans-serif", "size": 13},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def _trend_at(progress: Progress, day: datetime.date) -> float | None:
    """The trend line's value on `day`, from the projection and the yearly slope."""
    target_date = progress.indicator.target_date
    if progress.projected is None or progress.trend_per_year is None or target_date is None:
        return None
    years = (target_date - day).days / 365.25
    return progress.projected - progress.trend_per_year * years


# --- Sparklines: small, server-drawn SVG lines for the overview's tiles ----------------------

SPARK_WIDTH = 160
SPARK_HEIGHT = 40
SPARK_PAD = 4  # room for the end dot and the stroke


@dataclass(frozen=True)
class Sparkline:
    """A series as an SVG polyline: coordinates already computed, written with a dot.

    The template prints strings, never floats: a French page would write `12,5` and
    break the SVG.
    """

    coordinates: list[tuple[float, float]]
    trend: str  # "rising", "falling" or "steady": the last value against the first
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    @property
    def points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.coordinates)

    @property
    def end_x(self) -> str:
        return f"{self.coordinates[-1][0]:.1f}"

    @property
    def end_y(self) -> str:
        return f"{self.coordinates[-1][1]:.1f}"

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def trend_label(self) -> str:
        return str(TREND_LABELS[self.trend])


TREND_LABELS = {
    "rising": gettext_lazy("rising"),
    "falling": gettext_lazy("falling"),
    "steady": gettext_lazy("steady"),
}


def sparkline(series: list[Point]) -> Sparkline | None:
    """The line of a series over time (x by date, y from zero or the lowest value to the
    highest), or None for fewer than two points: one figure makes no line."""
    if len(series) < 2:
        return None
    first_day, last_day = series[0].day.toordinal(), series[-1].day.toordinal()
    values = [float(p.value) for p in series]
    # From zero, as the indicator charts draw their axis: a rise from 120 to 130 stays small.
    low, high = min(0.0, *values), max(0.0, *values)
    inner_w = SPARK_WIDTH - 2 * SPARK_PAD
    inner_h = SPARK_HEIGHT - 2 * SPARK_PAD
    coordinates = []
    for point, value in zip(series, values, strict=True):
        span = last_day - first_day
        x = SPARK_PAD + (inner_w * (point.day.toordinal() - first_day) / span if span else 0)
        share = (value - low) / (high - low) if high > low else 0.5
        coordinates.append((x, SPARK_PAD + inner_h * (1 - share)))
    trend = "steady"
    if values[-1] > values[0]:
        trend = "rising"
    elif values[-1] < values[0]:
        trend = "falling"
    return Sparkline(coordinates, trend)
