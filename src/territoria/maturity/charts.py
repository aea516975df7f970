"""The report's radar chart: a Plotly figure (`scatterpolar`) drawn by `strategy/charts.js`,
with the same figures in the table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from territoria.core.i18n import plotly_separators

MINE = "#00509e"
PEERS = "#a34d00"


@dataclass(frozen=True)
class Row:
    """A dimension of the report: its score and its peers' mean (None: no peer group)."""

    label: str
    score: float
    peers: Decimal | None = None


def radar(rows: list[Row], with_peers: bool) -> dict[str, Any]:
    labels = [row.label for row in rows]
    closed = [*labels, labels[0]]  # the outline goes back to its start
    data: list[dict[str, Any]] = [
        {
            "type": "scatterpolar",
            "r": [row.score for row in rows] + [rows[0].score],
            "theta": closed,
            "name": _("Your scores"),
            "fill": "toself",
            "line": {"color": MINE, "width": 3},
            "hovertemplate": "%{theta}: %{r}<extra></extra>",
        }
    ]
    if with_peers:
        data.append(
            {
                "type": "scatterpolar",
                "r": [float(row.peers or 0) for row in rows] + [float(rows[0].peers or 0)],
                "theta": closed,
                "name": _("Your peers' mean"),
                "line": {"color": PEERS, "width": 2, "dash": "dash"},
                "hovertemplate": "%{theta}: %{r}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 360,
            "margin": {"l": 70, "r": 70, "t": 30, "b": 30},
            "polar": {"radialaxis": {"range": [0, 100], "tickvals": [25, 50, 75, 100]}},
            "showlegend": with_peers,
            "legend": {"orientation": "h", "y": -0.1},
            "separators": plotly_separators(),
            "font": {"family": "system-ui, sans-serif", "size": 13},
            "paper_bgcolor": "rgba(0,0,0,0)",
        },
    }


def trend(lines: list[Any], dimensions: list[str]) -> dict[str, Any]:
    """The barometer over the years: the overall mean and each dimension's, a line each."""
    years = [line.label for line in lines]
    series: list[tuple[str, list[float | None]]] = [
        (_("Overall"), [float(line.overall) for line in lines])
    ]
    series += [
        (label, [_number(line.dimensions[i]) for line in lines])
        for i, label in enumerate(dimensions)
    ]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": years,
            "y": values,
            "name": name,
            "line": {"width": 3 if n == 0 else 2, "color": SERIES[n % len(SERIES)]},
            "hovertemplate": f"{name} %{{x}}: %{{y}}<extra></extra>",
        }
        for n, (name, values) in enumerate(series)
    ]
    axis = {"range": [0, 100], "title": {"text": _("Mean score (0 to 100)")}}
    return {
        "data": data,
        "layout": _layout(height=340, xaxis={"type": "category"}, yaxis=axis),
    }


def bars(lines: list[Any]) -> dict[str, Any]:
    """A breakdown's overall means, a horizontal bar per group."""
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                # Long names (NACE sections) would squeeze the bars to nothing: the axis
                # shows their start, the hover and the table beside the chart the whole.
                "y": _shortened([line.label for line in lines]),
                "customdata": [line.label for line in lines],
                "x": [float(line.overall) for line in lines],
                "marker": {"color": MINE},
                "hovertemplate": "%{customdata}: %{x}<extra></extra>",
            }
        ],
        "layout": _layout(
            height=max(160, 28 * len(lines) + 60),
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
        ),
    }


# Colours told apart with colour-blindness, on white at least 3:1.
SERIES = ["#00509e", "#a34d00", "#2b7a3d", "#8a2f8a", "#5c5c5c", "#b0003a", "#006b6b"]


def _shortened(labels: list[str], width: int = 28) -> list[str]:
    """Each label cut to `width` characters, unless two would then read the same."""
    short = [s if len(s) <= width else s[: width - 1].rstrip(" ,;") + "…" for s in labels]
    return short if len(set(short)) == len(short) else labels


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 20, "b": 40},
        "xaxis": {"range": [0, 100], "title": {"text": _("Mean score (0 to 100)")}},
        "legend": {"orientation": "h", "y": -0.2},
        "separators": plotly_separators(),
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def before_after(labels: list[str], before: list[float], after: list[float]) -> dict[str, Any]:
    """The laureates' mean scores before their support and after, two bars per dimension."""
    shown = _shortened(labels)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": shown,
            "customdata": labels,
            "x": values,
            "name": name,
            "marker": {"color": colour},
            "hovertemplate": f"%{{customdata}}, {name}: %{{x}}<extra></extra>",
        }
        for values, name, colour in (
            (before, _("Before the support (T0)"), PEERS),
            (after, _("After (T1)"), MINE),
        )
    ]
    return {
        "data": data,
        "layout": _layout(
            height=max(200, 48 * len(labels) + 80),
            barmode="group",
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }
