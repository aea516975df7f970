"""Plotly figures of indicators, as JSON for `strategy/charts.js` (no inline script).

Every figure has a table beside it on the page with the same numbers, so the chart
is never the only way to read them.
"""

import datetime
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from territoria.core.i18n import translated
from territoria.strategy.services.progress import Progress

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


def plotly_separators() -> str:
    """The page language's decimal then thousands separator, as Plotly's layout takes them."""
    return f"{get_format('DECIMAL_SEPARATOR')}{get_format('THOUSAND_SEPARATOR')}"


def _trend_at(progress: Progress, day: datetime.date) -> float | None:
    """The trend line's value on `day`, from the projection and the yearly slope."""
    target_date = progress.indicator.target_date
    if progress.projected is None or progress.trend_per_year is None or target_date is None:
        return None
    years = (target_date - day).days / 365.25
    return progress.projected - progress.trend_per_year * years
