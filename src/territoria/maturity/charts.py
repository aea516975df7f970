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
