"""The impact page's breakdowns and their charts: requests per year and per instrument,
laureates per province and per sector.

A laureate is a selected application (then in progress or completed), as in the page's
figures: an organisation selected twice counts twice. Its province is the concept just
under the region's root (`territory.current().region_concept`) among its municipality's
ancestors; its sector, the NACE section above its main activity, the first activity
recorded for it (the KBO lists the main activity first, and so do our imports).
Both follow the taxonomy's closure table, not names.

The charts are Plotly figures drawn by `strategy/charts.js`, with only "bar" traces; each
has a table beside it on the page with the same numbers.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.calls.models import Application, Instrument
from territoria.calls.services.impact import SUPPORTED, Year
from territoria.core import territory
from territoria.core.i18n import plotly_separators, translated
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept, Tag

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
    organisation with no municipality, or one outside the region."""
    region = territory.current().region_concept
    in_region = {"scheme__code": "territory", "notation": region}
    provinces = list(Concept.objects.filter(**{f"parent__{k}": v for k, v in in_region.items()}))
    ancestor = "organisation__municipality__ancestry__ancestor"
    counts = dict(
        laureates()
        .filter(**{f"{ancestor}__parent__{k}": v for k, v in in_region.items()})
        .values_list(ancestor)
        .annotate(n=Count("pk"))
        .order_by()
    )
    shares = [Share(p.notation, p.label, counts.get(p.pk, 0)) for p in provinces]
    rest = laureates().count() - sum(counts.values())
    if rest:
        shares.append(Share("", _("Outside the region or not located"), rest))
    return shares


def laureates_by_sector() -> list[Share]:
    """Laureates per NACE section of their main activity, the largest first, then those
    with no activity recorded; sections with no laureate are left out (there are 21)."""
    per_organisation = dict(
        laureates().values_list("organisation").annotate(n=Count("pk")).order_by()
    )
    sections = Tag.objects.filter(
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id__in=laureates().values("organisation"),
        concept__scheme__code="nace",
        concept__ancestry__ancestor__parent__isnull=True,
    ).order_by("object_id", "pk")
    main: dict[int, int] = {}
    for organisation, section in sections.values_list("object_id", "concept__ancestry__ancestor"):
        main.setdefault(organisation, section)  # the first activity recorded
    counts: Counter[int | None] = Counter()
    for organisation, n in per_organisation.items():
        counts[main.get(organisation)] += n
    known = Concept.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    shares = sorted(
        (Share(c.notation, c.label, counts[c.pk]) for c in known),
        key=lambda s: (-s.count, s.notation),
    )
    if counts[None]:
        shares.append(Share("", _("No activity recorded"), counts[None]))
    return shares


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
