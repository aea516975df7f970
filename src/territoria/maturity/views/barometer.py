"""The public Digiscore barometer: the mean scores of each closed year, over the years and
by sector, size and province, each chart with its table. Everything shown is what the
`digiscore-benchmarks` dataset publishes (`services.barometer`), nothing finer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import province_labels, section_labels, size_labels
from territoria.maturity import charts
from territoria.maturity.definition import OVERALL
from territoria.maturity.forms import text
from territoria.maturity.models import BarometerYear, Benchmark
from territoria.maturity.services.barometer import BAROMETER, publications
from territoria.maturity.services.questionnaires import current, definition_of

Key = tuple[str | None, str | None, str | None]


@dataclass(frozen=True)
class Line:
    """A row of a table: a group, how many it holds, its overall mean and each dimension's
    (None where the dimension is not published for the group)."""

    label: str
    respondents: int
    overall: Decimal
    dimensions: list[Decimal | None]


@dataclass(frozen=True)
class Breakdown:
    slug: str
    title: str
    group: str  # the first column's heading
    lines: list[Line]
    figure: dict[str, Any]

    @property
    def figure_id(self) -> str:
        return f"{self.slug}-figure"

    @property
    def caption_id(self) -> str:
        return f"{self.slug}-caption"


def barometer(request: HttpRequest) -> HttpResponse:
    published = publications(BAROMETER)
    questionnaire = current(BAROMETER)
    dimensions: list[tuple[str, str]] = []
    if questionnaire is not None:
        dimensions = [(d.code, text(d.label)) for d in definition_of(questionnaire).dimensions]
    context: dict[str, Any] = {"nav": "digiscore", "minimum": MINIMUM_GROUP, "years": published}
    if not published:
        return render(request, "maturity/barometer.html", context)
    chosen = _chosen(request, published)
    figures = _figures(published, chosen)
    known = {d for cells in figures.values() for row in cells.values() for d in row}
    dimensions += [
        (code, code) for code in sorted(known - {OVERALL}) if code not in dict(dimensions)
    ]
    sections, sizes, provinces = section_labels(), size_labels(), province_labels()
    everyone: Key = (None, None, None)
    trend = [
        _line(str(year.year), figures[year.year][everyone], dimensions)
        for year in published
        if everyone in figures[year.year]
    ]
    cells = figures[chosen.year]
    breakdowns = [
        _breakdown("sections", _("By sector (NACE section)"), _("Sector"), cells, 0, sections, dimensions),
        _breakdown("sizes", _("By size class"), _("Size class"), cells, 1, sizes, dimensions),
        _breakdown("provinces", _("By province"), _("Province"), cells, 2, provinces, dimensions),
    ]  # fmt: skip
    context.update(
        {
            "chosen": chosen,
            "dimensions": [label for _code, label in dimensions],
            "trend": trend,
            "trend_figure": charts.trend(trend, [label for _code, label in dimensions]),
            "breakdowns": breakdowns,
            "crossed": _crossed(cells, sections, sizes),
        }
    )
    return render(request, "maturity/barometer.html", context)


def _chosen(request: HttpRequest, published: list[BarometerYear]) -> BarometerYear:
    asked = request.GET.get("year", "")
    if not asked:
        return published[-1]
    for year in published:
        if str(year.year) == asked:
            return year
    raise Http404  # a year with no published figures


def _figures(
    published: list[BarometerYear], chosen: BarometerYear
) -> dict[int, dict[Key, dict[str, Benchmark]]]:
    """What the page shows, year → group → dimension → figure: every group of the chosen
    year, and everyone of every year."""
    figures: dict[int, dict[Key, dict[str, Benchmark]]] = {y.year: {} for y in published}
    years = {y.pk: y.year for y in published}
    everyone = Q(nace_section__isnull=True, size_class__isnull=True, province__isnull=True)
    rows = Benchmark.objects.filter(publication__in=published).filter(
        everyone | Q(publication=chosen)
    )
    for row in rows:
        key = (row.nace_section, row.size_class, row.province)
        figures[years[row.publication_id]].setdefault(key, {})[row.dimension] = row
    return figures


def _line(label: str, row: dict[str, Benchmark], dimensions: list[tuple[str, str]]) -> Line:
    return Line(
        label=label,
        respondents=row[OVERALL].respondents,
        overall=row[OVERALL].mean_score,
        dimensions=[row[code].mean_score if code in row else None for code, _ in dimensions],
    )


def _breakdown(
    slug: str,
    title: str,
    group: str,
    cells: dict[Key, dict[str, Benchmark]],
    position: int,
    labels: dict[str, str],
    dimensions: list[tuple[str, str]],
) -> Breakdown:
    grouped = {
        key[position] or "": row
        for key, row in cells.items()
        if [position] == [i for i, value in enumerate(key) if value is not None] and OVERALL in row
    }
    lines = [
        _line(labels.get(value, value), grouped[value], dimensions)
        for value in _in_order(grouped, labels)
    ]
    return Breakdown(slug, title, group, lines, charts.bars(lines))


def _in_order(values: Any, labels: dict[str, str]) -> list[str]:
    """The values in the order of their scheme (labels' order), unknown ones last."""
    return [v for v in labels if v in values] + sorted(v for v in values if v not in labels)


def _crossed(
    cells: dict[Key, dict[str, Benchmark]], sections: dict[str, str], sizes: dict[str, str]
) -> dict[str, Any]:
    """The overall mean by section (rows) and size (columns), where published."""
    table: dict[str, dict[str, Benchmark]] = defaultdict(dict)
    for (section, size, province), row in cells.items():
        if section and size and province is None and OVERALL in row:
            table[section][size] = row[OVERALL]
    columns = _in_order({size for row in table.values() for size in row}, sizes)
    return {
        "columns": [sizes.get(size, size) for size in columns],
        "rows": [
            (sections.get(section, section), [table[section].get(size) for size in columns])
            for section in _in_order(table, sections)
        ],
    }
