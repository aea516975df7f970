"""The impact page's breakdowns and their charts: requests per year and per instrument,
laureates per province and per sector.

A laureate is a selected application (then in progress or completed), as in the page's
figures: an organisation selected twice counts twice. Its province and its sector are its
organisation's profile (`ecosystem.profile`, the one rule the Digiscore follows too): the
province just under the region's root among its municipality's ancestors, the NACE
section above its main activity, else above the first activity recorded for it.

The charts are Plotly figures drawn by `strategy/charts.js`, with only "bar" traces; each
has a table beside it on the page with the same numbers.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.calls.models import Application, Instrument
from territoria.calls.services.impact import SUPPORTED, Year
from territoria.core.i18n import plotly_separators, translated
from territoria.ecosystem.profile import Profile, profiles_of, province_labels, section_labels

# One colour per instrument, each at least 3:1 against white (WCAG 1.4.11).
PALETTE = ["#00509e", "#a34d00", "#1e6b2f", "#7b3294", "#4a5260", "#8a1c3b"]
BAR = PALETTE[0]


@dataclass(frozen=True)
class YearRow:
    year: int
    counts: list[int]  # per instrument, in the table's order
    total: int
    growth: Decimal | None  # % change from the year before


@dataclass(frozen=True)
class RequestsTable:
    instruments: list[Instrument]  # those with at least one request
    rows: list[YearRow]


@dataclass(frozen=True)
class Share:
    """A row of a breakdown: a concept (none for the rest) and how many laureates."""

    notation: str
    label: str
    count: int


def laureates() -> QuerySet[Application]:
    return Application.objects.filter(status__in=SUPPORTED)


def requests_table(years: list[Year]) -> RequestsTable:
    """The requests of `requests_per_year()` split per instrument (one query)."""
    rows = (
        Application.objects.filter(submitted_at__isnull=False)
        .annotate(year=ExtractYear("submitted_at", tzinfo=timezone.get_default_timezone()))
        .values_list("year", "call__instrument")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(year, instrument): n for year, instrument, n in rows}
    used = {instrument for _year, instrument in counts}
    instruments = [i for i in Instrument.objects.all() if i.pk in used]
    return RequestsTable(
        instruments,
        [
            YearRow(
                y.year, [counts.get((y.year, i.pk), 0) for i in instruments], y.requests, y.growth
            )
            for y in years
        ],
    )


def laureates_by_province() -> list[Share]:
    """Laureates per province, every province listed (none: zero), then the rest: an
    organisation with no municipality, or one outside the region (`ecosystem.profile`'s
    rule, as the Digiscore's)."""
    counts = _by_profile(lambda profile: profile.province)
    labels = province_labels()
    shares = [Share(code, label, counts.pop(code, 0)) for code, label in labels.items()]
    rest = sum(counts.values())
    if rest:
        shares.append(Share("", _("Outside the region or not located"), rest))
    return shares


def laureates_by_sector() -> list[Share]:
    """Laureates per NACE section of their main activity (else the first recorded), the
    largest first, then those with no activity recorded; sections with no laureate are
    left out (there are 21)."""
    counts = _by_profile(lambda profile: profile.nace_section)
    labels = section_labels()
    unknown = counts.pop("", 0)
    shares = sorted(
        (Share(code, labels.get(code, code), n) for code, n in counts.items()),
        key=lambda s: (-s.count, s.notation),
    )
    if unknown:
        shares.append(Share("", _("No activity recorded"), unknown))
    return shares


def _by_profile(value: Callable[[Profile], str]) -> Counter[str]:
    """Laureates (applications) counted by a value of their organisation's profile."""
    per_organisation = dict(
        laureates().values_list("organisation").annotate(n=Count("pk")).order_by()
    )
    profiles = profiles_of(per_organisation)
    counts: Counter[str] = Counter()
    for organisation, n in per_organisation.items():
        counts[value(profiles[organisation])] += n
    return counts


# --- Plotly figures -------------------------------------------------------------------------


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
        "separators": plotly_separators(),
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def count_axis(highest: int) -> dict[str, Any]:
    """An axis of counts: whole numbers only (Plotly would tick 0.5 for small counts)."""
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if highest / s <= 6), None)
    axis: dict[str, Any] = {"rangemode": "tozero", "separatethousands": True, "automargin": True}
    if step is not None:
        axis.update(tick0=0, dtick=step)
    return axis


def requests_figure(table: RequestsTable) -> dict[str, Any]:
    """Grouped bars: one group per year, one bar per instrument."""
    years = [str(row.year) for row in table.rows]
    data = [
        {
            "type": "bar",
            "name": translated(instrument, "name").text,
            "x": years,
            "y": [row.counts[index] for row in table.rows],
            "marker": {"color": PALETTE[index % len(PALETTE)]},
            "hovertemplate": "%{fullData.name}, %{x}: %{y:,}<extra></extra>",
        }
        for index, instrument in enumerate(table.instruments)
    ]
    return {
        "data": data,
        "layout": _layout(
            300,
            barmode="group",
            showlegend=len(data) > 1,
            legend={"orientation": "h", "y": -0.2},
            xaxis={"type": "category", "automargin": True},
            yaxis=count_axis(max((max(r.counts, default=0) for r in table.rows), default=0)),
        ),
    }


def shares_figure(shares: list[Share], short_labels: bool = False) -> dict[str, Any]:
    """Horizontal bars, the table's first row on top; `short_labels` writes each bar's
    notation on the axis (a NACE section's name is too long for a phone) and its name on
    hover."""
    names = [s.label for s in shares]
    ticks = [s.notation or "—" for s in shares] if short_labels else names
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": ticks,
                "x": [s.count for s in shares],
                "customdata": names,
                "marker": {"color": BAR},
                "hovertemplate": "%{customdata}: %{x:,}<extra></extra>",
            }
        ],
        "layout": _layout(
            60 + 32 * len(shares),
            showlegend=False,
            xaxis=count_axis(max((s.count for s in shares), default=0)),
            yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        ),
    }


def breakdowns(years: list[Year]) -> dict[str, Any]:
    """The impact page's tables, and a chart of each that has something to draw."""
    requests = requests_table(years)
    provinces = laureates_by_province()
    sectors = laureates_by_sector()
    return {
        "requests": requests,
        "provinces": provinces,
        "sectors": sectors,
        "requests_chart": requests_figure(requests) if requests.rows else None,
        "provinces_chart": shares_figure(provinces) if any(s.count for s in provinces) else None,
        "sectors_chart": shares_figure(sectors, short_labels=True) if sectors else None,
    }
