"""The programme's impact figures, computed live from the applications and the surveys.

Each figure says what it counts and how many records or answers it rests on, so a
reader can tell a share of 95 % of 500 answers from one of 2.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.calls.models import Application, Call, ExpertCompany, Instrument, SurveyAnswer
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.core.i18n import translated
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Tag

Status = Application.Status
SUPPORTED = [Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED]
# Organisations the EU SME definition counts as SMEs (micro, small, medium).
SME_SIZES = ["micro", "small", "medium"]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Decimal | int | None
    unit: str  # "", "%", "×"
    basis: int  # how many records or answers it rests on
    basis_label: str


@dataclass(frozen=True)
class Year:
    year: int
    requests: int
    growth: Decimal | None  # % change from the year before


# Survey figures rest only on published calls with at least `MINIMUM_GROUP` answers (the
# platform's one rule, `core.disclosure`), as the programme-impact Open Data does: no
# figure, nor the difference of two, reveals an answer.


def reported_answers() -> QuerySet[SurveyAnswer]:
    """The survey answers the programme's figures may rest on."""
    calls = (
        Call.objects.filter(is_published=True)
        .annotate(answers=Count("applications__survey"))
        .filter(answers__gte=MINIMUM_GROUP)
    )
    return SurveyAnswer.objects.filter(application__call__in=calls.values("pk"))


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def figures(today: datetime.date | None = None) -> list[Figure]:
    today = today or timezone.localdate()
    requests = Application.objects.filter(submitted_at__isnull=False)
    supported = Application.objects.filter(status__in=SUPPORTED)
    # The supported organisations' ids, then their sizes and types read by those ids: as
    # nested subqueries, a table whose statistics lag a bulk load (the demo's history) can
    # get a nested loop over every pair of rows from PostgreSQL's planner, for minutes.
    supported_ids = set(supported.values_list("organisation", flat=True))
    organisation_count = len(supported_ids)
    sizes = dict(
        Organisation.objects.filter(pk__in=supported_ids).values_list("pk", "size_class__notation")
    )
    sme_ids = {pk for pk, size in sizes.items() if size in SME_SIZES}
    # Organisations without a size class but typed SME or start-up count as SMEs too.
    unsized = [pk for pk, size in sizes.items() if size is None]
    sme_ids |= set(
        Tag.objects.filter(
            content_type=ContentType.objects.get_for_model(Organisation),
            concept__scheme__code="org-type",
            concept__notation__in=["sme", "startup"],
            object_id__in=unsized,
        ).values_list("object_id", flat=True)
    )
    experts = [
        e
        for e in ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED)
        if e.recognised_on(today)
    ]
    result = [
        Figure("requests", _("requests for support"), requests.count(), "", requests.count(),
               _("submitted applications")),
        Figure("organisations", _("organisations supported"), organisation_count, "",
               organisation_count, _("organisations with a selected application")),
        Figure("smes", _("of them SMEs"), _percent(len(sme_ids), organisation_count), "%",
               organisation_count, _("organisations supported")),
        Figure("experts", _("recognised expert companies"), len(experts), "", len(experts),
               _("recognitions valid today")),
    ]  # fmt: skip
    instruments = Instrument.objects.annotate(
        laureates=Count("calls__applications", filter=Q(calls__applications__status__in=SUPPORTED))
    )
    for instrument in instruments:
        count = instrument.laureates
        result.append(
            Figure(
                f"laureates-{instrument.code}",
                _("%s laureates") % translated(instrument, "name").text,
                count,
                "",
                count,
                _("selected applications"),
            )  # fmt: skip
        )
    answers = reported_answers()
    total = answers.count()
    counts = answers.aggregate(
        recommend=Count("pk", filter=Q(would_recommend=True)),
        competitiveness=Count("pk", filter=Q(improved_competitiveness=True)),
        quality=Count("pk", filter=Q(improved_quality=True)),
        production=Count("pk", filter=Q(reached_production=True)),
        jobs=Sum("jobs_created"),
    )
    invested = answers.filter(investment_before__gt=0).aggregate(
        before=Sum("investment_before"), after=Sum("investment_after"), n=Count("pk")
    )
    multiplier = None
    if invested["before"]:
        multiplier = (invested["after"] / invested["before"]).quantize(Decimal("0.1"))
    result += [
        Figure("recommend", _("would recommend the programme"), _percent(counts["recommend"], total),
               "%", total, _("survey answers")),
        Figure("competitiveness", _("improved their competitiveness"),
               _percent(counts["competitiveness"], total), "%", total, _("survey answers")),
        Figure("quality", _("improved the quality of products or services"),
               _percent(counts["quality"], total), "%", total, _("survey answers")),
        Figure("production", _("reached production"), _percent(counts["production"], total), "%",
               total, _("survey answers")),
        Figure("investment", _("AI investment, after the project compared with before"), multiplier,
               "×", invested["n"], _("answers giving an investment before")),
        Figure("jobs", _("jobs created"), counts["jobs"] or 0, "", total, _("survey answers")),
    ]  # fmt: skip
    return result


def requests_per_year() -> list[Year]:
    rows = (
        Application.objects.filter(submitted_at__isnull=False)
        .annotate(year=ExtractYear("submitted_at", tzinfo=timezone.get_default_timezone()))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    years = []
    previous = None
    for year, count in rows:
        growth = None
        if previous:
            growth = (Decimal(100) * (count - previous) / previous).quantize(Decimal(1))
        years.append(Year(year, count, growth))
        previous = count
    return years


# --- Sections other apps add to the impact page ------------------------------------------
#
# The calls read none of the apps that build on them: the Digiscore (maturity) adds the
# laureates' progress here from its AppConfig.ready().


@dataclass(frozen=True)
class Section:
    template: str  # rendered with its context under the name `section`
    context: Callable[[], dict[str, Any]]


_sections: dict[str, Section] = {}


def add_section(name: str, section: Section) -> None:
    _sections[name] = section


def sections() -> list[tuple[str, dict[str, Any]]]:
    return [(section.template, section.context()) for section in _sections.values()]
