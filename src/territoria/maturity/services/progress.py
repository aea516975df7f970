"""How far the programme's laureates moved: each supported company's Digiscore before its
support (T0) beside its Digiscore after (T1), dimension by dimension.

One rule, for the public impact page and the staff's view alike:
- a laureate is a company selected by a published call (selected, in progress or
  completed), counted once, from its first such application: the year it was submitted
  is the year its support began, its cohort;
- its T0 is its latest assessment completed in that year or before, its T1 its latest
  completed in the `WINDOW` years after; both counted assessments (`respondent_of`: made
  from an account linked to the company), both of the barometer's questionnaire;
- a company without both is not in the figures, which say how many companies they rest on.

Staff see every company, live. The public sees cohorts whose window is over, each computed
once when it closes (`ProgressCohort`) and shown from `MINIMUM_GROUP` companies: figures
that changed with each new answer would give away, by subtraction, the company that moved
them (`core.disclosure`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from territoria.calls.models import Application, Instrument
from territoria.calls.services.impact import SUPPORTED
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.core.sqlite.base import writes
from territoria.maturity.definition import OVERALL
from territoria.maturity.models import Assessment, ProgressCohort, ProgressTotal
from territoria.maturity.scoring import tenth
from territoria.maturity.services.barometer import BAROMETER
from territoria.maturity.services.questionnaires import current

# The years after the support's first in which a T1 is looked for.
WINDOW = 3


@dataclass(frozen=True)
class Pair:
    """One laureate's T0 and T1."""

    organisation_id: int
    name: str
    instrument_id: int
    call: str
    support_year: int
    before: Assessment
    after: Assessment

    def change(self, dimension: str = OVERALL) -> float:
        return _score(self.after, dimension) - _score(self.before, dimension)


@dataclass(frozen=True)
class Mean:
    dimension: str  # a dimension's code, or OVERALL
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class Progress:
    companies: int
    means: list[Mean]  # OVERALL first, then each dimension

    @property
    def shown(self) -> bool:
        """Whether the means may be published: enough companies that none is singled out."""
        return self.companies >= MINIMUM_GROUP


def _laureate_applications() -> Any:
    return Application.objects.filter(
        status__in=SUPPORTED,
        call__is_published=True,
        submitted_at__isnull=False,
        organisation__enterprise_number__gt="",
    )


def pairs() -> list[Pair]:
    """Every laureate with a T0 and a T1, in the order of their support's start."""
    starts: dict[int, Application] = {}
    applications = (
        _laureate_applications()
        .select_related("call", "organisation")
        .order_by("submitted_at", "pk")
    )
    for application in applications:
        starts.setdefault(application.organisation_id, application)
    if not starts:
        return []
    numbers = {str(a.organisation.enterprise_number): a for a in starts.values()}
    history: dict[str, list[Assessment]] = defaultdict(list)
    for assessment in Assessment.objects.filter(
        questionnaire__code=BAROMETER,
        completed_at__isnull=False,
        respondent__in=[f"enterprise:{n}" for n in numbers],
    ).order_by("completed_at", "pk"):
        history[assessment.enterprise_number].append(assessment)
    found = []
    for number, application in numbers.items():
        began = timezone.localtime(application.submitted_at).year
        taken = history.get(number, [])
        before = [a for a in taken if _year(a) <= began]
        after = [a for a in taken if began < _year(a) <= began + WINDOW]
        if before and after:
            found.append(
                Pair(
                    organisation_id=application.organisation_id,
                    name=application.organisation.display_name,
                    instrument_id=application.call.instrument_id,
                    call=application.call.code,
                    support_year=began,
                    before=before[-1],
                    after=after[-1],
                )
            )
    found.sort(key=lambda pair: (pair.support_year, pair.name, pair.organisation_id))
    return found


def progress(chosen: list[Pair]) -> Progress:
    """The mean T0 and T1 of these pairs, overall and on each dimension all of them have."""
    if not chosen:
        return Progress(0, [])
    dimensions = _ordered(_common(chosen) | {OVERALL})
    means = [
        Mean(
            dimension,
            _mean([_score(p.before, dimension) for p in chosen]),
            _mean([_score(p.after, dimension) for p in chosen]),
        )
        for dimension in dimensions
    ]
    return Progress(len(chosen), means)


def by_instrument(chosen: list[Pair]) -> list[tuple[Instrument, list[Pair]]]:
    """The pairs grouped by the instrument of the laureate's first supported call."""
    groups: dict[int, list[Pair]] = defaultdict(list)
    for pair in chosen:
        groups[pair.instrument_id].append(pair)
    instruments = Instrument.objects.filter(pk__in=groups).order_by("position", "name")
    return [(instrument, groups[instrument.pk]) for instrument in instruments]


def _common(chosen: list[Pair]) -> set[str]:
    """The dimensions every one of these T0s and T1s has."""
    return set.intersection(*(set(p.before.scores) & set(p.after.scores) for p in chosen))


def _score(assessment: Assessment, dimension: str) -> float:
    if dimension == OVERALL:
        return float(assessment.overall or 0)
    return float(assessment.scores[dimension])


def _mean(values: list[float]) -> Decimal:
    return tenth(Decimal(repr(sum(values) / len(values))))


def _year(assessment: Assessment) -> int:
    completed: Any = assessment.completed_at
    return assessment.year or timezone.localtime(completed).year


# --- What the public sees: closed cohorts, computed once --------------------------------


@dataclass(frozen=True)
class Published:
    """The cohorts whose window is over: each one's size, and the means of those shown."""

    cohorts: list[ProgressCohort]
    progress: Progress  # pooled over the cohorts shown (each of `MINIMUM_GROUP` or more)


def published() -> Published:
    """Every closed cohort, oldest first; one closed and not yet computed is computed now."""
    cohorts = {c.year: c for c in ProgressCohort.objects.prefetch_related("totals")}
    last = timezone.localdate().year - WINDOW - 1  # the latest cohort whose window is over
    if cohorts:
        since = max(cohorts) + 1
    else:
        first = _laureate_applications().aggregate(first=Min("submitted_at"))["first"]
        since = timezone.localtime(first).year if first is not None else last + 1
    closed = range(since, last + 1)
    if closed:
        everyone = pairs()  # read once for every cohort closed since the last reading
        for year in closed:
            cohorts[year] = _publish(year, [p for p in everyone if p.support_year == year])
    ordered = [cohorts[year] for year in sorted(cohorts)]
    return Published(ordered, _pooled([c for c in ordered if c.companies >= MINIMUM_GROUP]))


def _publish(year: int, chosen: list[Pair]) -> ProgressCohort:
    try:
        with writes(), transaction.atomic():  # a GET may publish: take the write lock first
            cohort = ProgressCohort.objects.create(year=year, companies=len(chosen))
            if len(chosen) >= MINIMUM_GROUP:
                ProgressTotal.objects.bulk_create(
                    ProgressTotal(
                        cohort=cohort,
                        dimension=mean.dimension,
                        before=mean.before,
                        after=mean.after,
                    )
                    for mean in _totals(chosen)
                )
            return ProgressCohort.objects.prefetch_related("totals").get(pk=cohort.pk)
    except IntegrityError:  # computed meanwhile by another request: read on the primary
        found = ProgressCohort.objects.using(DEFAULT_DB_ALIAS).prefetch_related("totals")
        return found.get(year=year)


def _pooled(cohorts: list[ProgressCohort]) -> Progress:
    """The means over these cohorts together, on the dimensions each of them has."""
    if not cohorts:
        return Progress(0, [])
    companies = sum(c.companies for c in cohorts)
    totals = [{t.dimension: t for t in c.totals.all()} for c in cohorts]
    common = set.intersection(*(set(t) for t in totals))
    means = [
        Mean(
            dimension,
            tenth(sum((t[dimension].before for t in totals), Decimal(0)) / companies),
            tenth(sum((t[dimension].after for t in totals), Decimal(0)) / companies),
        )
        for dimension in _ordered(common)
    ]
    return Progress(companies, means)


def _ordered(dimensions: set[str]) -> list[str]:
    """`overall` first, then the dimensions in the questionnaire's order."""
    questionnaire = current(BAROMETER)
    order = [d.code for d in questionnaire.dimensions.all()] if questionnaire is not None else []
    rest = sorted(dimensions - set(order) - {OVERALL})
    return [d for d in [OVERALL, *order, *rest] if d in dimensions]


def _totals(chosen: list[Pair]) -> list[Mean]:
    """The sums of T0 and of T1 on each dimension all of them have (as `Mean`s of one)."""
    dimensions = [OVERALL, *sorted(_common(chosen))]
    return [
        Mean(
            dimension,
            Decimal(repr(round(sum(_score(p.before, dimension) for p in chosen), 1))),
            Decimal(repr(round(sum(_score(p.after, dimension) for p in chosen), 1))),
        )
        for dimension in dimensions
    ]
