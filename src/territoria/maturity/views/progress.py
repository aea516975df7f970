"""The laureates' progress (`services.progress`): a section of the calls' public impact page
(means only, for enough companies) and the staff's page, per instrument and per company."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.core.i18n import translated
from territoria.core.permissions import staff_required
from territoria.maturity import charts
from territoria.maturity.definition import OVERALL
from territoria.maturity.models import Level
from territoria.maturity.scoring import level_of
from territoria.maturity.services.barometer import BAROMETER
from territoria.maturity.services.progress import (
    WINDOW,
    Progress,
    by_instrument,
    pairs,
    progress,
    published,
)
from territoria.maturity.services.questionnaires import current


def impact_section() -> dict[str, Any]:
    """What the calls' impact page shows: the closed cohorts, how many companies each rests
    on, and the means over those of `MINIMUM_GROUP` companies or more."""
    cohorts = published()
    context: dict[str, Any] = {
        "cohorts": cohorts.cohorts,
        "progress": cohorts.progress,
        "window": WINDOW,
        "minimum": MINIMUM_GROUP,
    }
    if cohorts.progress.companies:
        context["rows"] = _rows(cohorts.progress, _labels())
        context["figure"] = _figure(context["rows"])
    return context


@staff_required
def staff_progress(request: HttpRequest) -> HttpResponse:
    """Per instrument: where its laureate companies started (their level at T0) and how far
    they moved, then each company's T0 and T1."""
    chosen = pairs()
    levels = _levels()
    labels = _labels()
    groups = []
    for instrument, its_pairs in by_instrument(chosen):
        started = Counter(level_of(levels, float(p.before.overall or 0)).pk for p in its_pairs)
        shown = progress(its_pairs)
        groups.append(
            {
                "instrument": instrument,
                "progress": shown,
                "rows": _rows(shown, labels),
                "started": [(level, started.get(level.pk, 0)) for level in levels],
                "pairs": its_pairs,
            }
        )
    return render(
        request,
        "maturity/progress.html",
        {"nav": "digiscore", "groups": groups},
    )


def _levels() -> list[Level]:
    questionnaire = current(BAROMETER)
    return list(questionnaire.levels.all()) if questionnaire is not None else []


def _labels() -> dict[str, str]:
    """Each dimension's name in the page's language, by its code, and `overall`'s."""
    questionnaire = current(BAROMETER)
    labels = {OVERALL: _("Overall")}
    if questionnaire is not None:
        labels |= {d.code: translated(d, "label").text for d in questionnaire.dimensions.all()}
    return labels


def _rows(shown: Progress, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "label": labels.get(m.dimension, m.dimension),
            "before": m.before,
            "after": m.after,
            "change": m.change,
        }
        for m in shown.means
    ]


def _figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return charts.before_after(
        [row["label"] for row in rows],
        [float(row["before"]) for row in rows],
        [float(row["after"]) for row in rows],
    )
