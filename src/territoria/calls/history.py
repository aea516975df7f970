"""The DigitalWallonia4.ai programme's history for the demo: fictitious organisations,
real totals.

Calls from 2020 to 2024 whose applications, reviews, laureates and survey answers add
up to the published figures (seeds 000-002, FACTS.md):

- 1,100 requests; 750 organisations supported, over 80 % SMEs; 69 recognised experts;
- 515 Start IA and 235 Tremplin IA laureates; in the first two years 81 Start IA
  laureates, 27 Tremplin IA projects funded out of 77 applications, 4 Cap IA out of 8,
  and a public-sector Start IA with 10 laureates out of 31;
- requests ×7 from 2022 to 2024 and ×2.5 from 2023 to 2024;
- 95 % would recommend, 88 % improved their competitiveness, AI investment ×2.4.

750 organisations for 764 laureate applications: 14 Start IA laureates went on to a
Tremplin IA pilot. The six projects of the press release (seed 000) are among the
laureates. Everything else (names, amounts, dates within a call, scores) is drawn
from a fixed seed and is fictitious.

Under another territory profile the same plan is drawn from that region's organisations,
so that every page of the demo (impact, jury, coaching) has something to show; its calls
then say that their totals are fictitious too.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from territoria.calls.models import (
    Application,
    Assignment,
    Call,
    Criterion,
    ExpertCompany,
    Instrument,
    Score,
    SurveyAnswer,
)
from territoria.calls.programme import CRITERIA, load_instruments
from territoria.core import territory
from territoria.core.models import Role, User
from territoria.ecosystem.models import Organisation, Source
from territoria.taxonomy.models import Concept, Tag

SEED = 20200701
Status = Application.Status
BRUSSELS = timezone.get_default_timezone()


@dataclass(frozen=True)
class CallPlan:
    instrument: str
    year: int
    round: str
    opens: tuple[int, int]  # month, day
    closes: tuple[int, int]
    requests: int
    laureates: int
    max_amount: int


# Requests per year: 72, 153, 81, 227, 567 (= 1,100; 567 / 81 = 7; 567 / 227 ≈ 2.5).
PLAN = [
    CallPlan("start-ia", 2020, "", (7, 1), (10, 15), 40, 30, 6_000),
    CallPlan("tremplin-ia", 2020, "", (9, 1), (11, 30), 32, 11, 75_000),
    CallPlan("start-ia", 2021, "", (2, 1), (5, 31), 69, 51, 6_000),
    CallPlan("tremplin-ia", 2021, "", (3, 1), (6, 30), 45, 16, 75_000),
    CallPlan("cap-ia", 2021, "", (3, 15), (6, 15), 8, 4, 150_000),
    CallPlan("start-ia-public", 2021, "", (4, 1), (6, 30), 31, 10, 6_000),
    CallPlan("start-ia", 2022, "", (3, 1), (10, 31), 55, 40, 6_000),
    CallPlan("tremplin-ia", 2022, "", (3, 1), (9, 30), 26, 19, 75_000),
    CallPlan("start-ia", 2023, "", (2, 1), (11, 30), 155, 112, 6_000),
    CallPlan("tremplin-ia", 2023, "", (2, 1), (10, 31), 72, 55, 75_000),
    CallPlan("start-ia", 2024, "", (1, 15), (11, 30), 390, 282, 6_000),
    CallPlan("tremplin-ia", 2024, "", (1, 15), (6, 30), 165, 134, 75_000),
    # Its jury is still at work: the demo evaluator has reviews to make.
    CallPlan("tremplin-ia", 2024, "2", (9, 1), (12, 13), 12, 0, 75_000),
]
SURVEY_ANSWERS, RECOMMEND, COMPETITIVE = 300, 285, 264  # 95 % and 88 %
INVESTMENT_MULTIPLIER = Decimal("2.4")
RECOGNISED_EXPERTS = 69
SECOND_LAUREATES = 14  # Start IA laureates funded again by Tremplin IA
SME_LAUREATE_SHARE = 0.84
EVALUATORS = 24
PUBLISHED_PROJECT_CALLS = {"Commune de Sambreville": ("start-ia-public", 2021)}
# The region (its concept in the territory scheme) whose programme published these totals.
PUBLISHED_REGION = "BE-WAL"


def _moment(year: int, month_day: tuple[int, int], hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, *month_day, hour, 0, tzinfo=BRUSSELS)


class _History:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.instruments = {i.code: i for i in Instrument.objects.all()}
        content_type = ContentType.objects.get_for_model(Organisation)
        kinds: dict[int, str] = dict(
            Tag.objects.filter(
                content_type=content_type, concept__scheme__code="org-type"
            ).values_list("object_id", "concept__notation")
        )
        organisations = list(
            Organisation.objects.filter(source__in=[Source.DEMO, Source.PUBLISHED]).values_list(
                "pk", "size_class__notation", "postcode", "name", "source"
            )
        )
        profile = territory.current()
        self.published_totals = profile.region_concept == PUBLISHED_REGION
        self.region = Concept.objects.filter(
            scheme__code="territory", notation=profile.region_concept
        ).first()
        # The calls require a seat in the region: their applicants have it.
        inside = set(
            Organisation.objects.filter(municipality__ancestry__ancestor=self.region).values_list(
                "pk", flat=True
            )
        )
        self.smes = [pk for pk, size, *_ in organisations if pk in inside and kinds.get(pk) in ("sme", "startup") and size in ("micro", "small", "medium")]  # fmt: skip
        self.others = [pk for pk, size, *_ in organisations if pk in inside and kinds.get(pk) in ("large-company", "non-profit", "research-centre") ]  # fmt: skip
        self.public = [
            pk
            for pk, *_ in organisations
            if pk in inside and kinds.get(pk) in ("local-authority", "public-body")
        ]
        self.published = {
            name: pk for pk, _s, _p, name, source in organisations if source == Source.PUBLISHED
        }
        for group in (self.smes, self.others, self.public):
            self.rng.shuffle(group)

    def applicant(self) -> User:
        user, _created = User.objects.get_or_create(
            username="demo-applicants", defaults={"role": Role.APPLICANT, "is_active": False}
        )
        return user

    def evaluators(self) -> list[User]:
        existing = list(User.objects.filter(role=Role.EVALUATOR, is_active=True).order_by("pk"))
        made = [
            User.objects.get_or_create(
                username=f"jury-{i:02d}", defaults={"role": Role.EVALUATOR, "is_active": False}
            )[0]
            for i in range(1, EVALUATORS + 1)
        ]
        return existing + made


@transaction.atomic
def load_programme_history(seed: int = SEED) -> dict[str, int]:
    """Create the past calls and everything in them; returns counts. Needs the instruments
    and about 1,000 demo organisations (a smaller demo gets proportionally fewer)."""
    load_instruments()
    history = _History(seed)
    rng = history.rng
    applicant = history.applicant()
    evaluators = history.evaluators()
    laureate_smes = iter(history.smes)
    laureate_others = iter(history.others)
    public = iter(history.public)
    candidates = history.smes + history.others  # for the applications not selected
    seconds: list[int] = []  # Start IA laureates waiting for a Tremplin IA pilot
    offered = 0
    pending_published = {
        name: pk for name, pk in history.published.items() if name not in PUBLISHED_PROJECT_CALLS
    }
    applications: list[Application] = []
    plans: list[tuple[Call, CallPlan]] = []
    for plan in PLAN:
        instrument = history.instruments[plan.instrument]
        suffix = f"-{plan.round}" if plan.round else ""
        call = Call.objects.create(
            instrument=instrument,
            code=f"{plan.instrument}-{plan.year}{suffix}",
            title=f"{instrument.name} {plan.year}"
            + (f" (vague {plan.round})" if plan.round else ""),
            summary=f"{instrument.summary} Appel passé reconstitué pour la démonstration : "
            + (
                "organisations et montants fictifs, totaux publiés."
                if history.published_totals
                else "organisations, montants et totaux fictifs."
            ),
            opens_at=_moment(plan.year, plan.opens, 9),
            closes_at=_moment(plan.year, plan.closes, 12),
            is_published=True,
            budget=Decimal(plan.max_amount) * max(plan.laureates, 1) * Decimal("1.1"),
            max_amount=Decimal(plan.max_amount),
            laureate_exclusion_years=2 if plan.instrument == "start-ia" else None,
            seat_in=history.region,
        )
        Criterion.objects.bulk_create(
            Criterion(call=call, order=i, title=t, description=d, weight=Decimal(w), threshold=Decimal(th))
            for i, (t, d, w, th) in enumerate(CRITERIA, start=1)
        )  # fmt: skip
        plans.append((call, plan))
        window = (call.closes_at - call.opens_at).total_seconds()
        in_call: set[int] = set()  # one application per organisation and call
        for index in range(plan.requests):
            laureate = index < plan.laureates
            if plan.instrument == "start-ia-public":
                organisation_id = next(public, None)
                if laureate and index == 0:  # the commune of the press release
                    organisation_id = history.published.get(
                        "Commune de Sambreville", organisation_id
                    )
            elif (
                laureate
                and plan.instrument == "tremplin-ia"
                and plan.year >= 2023
                and pending_published
            ):
                organisation_id = pending_published.pop(sorted(pending_published)[0])
            elif laureate and plan.instrument == "tremplin-ia" and seconds and rng.random() < 0.15:
                organisation_id = seconds.pop(0)  # a Start IA laureate's pilot
            elif laureate:
                pool = laureate_smes if rng.random() < SME_LAUREATE_SHARE else laureate_others
                organisation_id = next(pool, None) or next(laureate_smes, None)
            else:
                free = [pk for pk in candidates if pk not in in_call]
                organisation_id = rng.choice(free) if free else None
            if organisation_id is None or organisation_id in in_call:
                continue
            in_call.add(organisation_id)
            if laureate and plan.instrument == "start-ia" and offered < SECOND_LAUREATES:
                seconds.append(organisation_id)
                offered += 1
            submitted = call.opens_at + datetime.timedelta(seconds=rng.uniform(0.05, 0.99) * window)
            applications.append(
                Application(
                    call=call,
                    organisation_id=organisation_id,
                    created_by=applicant,
                    status=_status(plan, laureate, rng),
                    submitted_at=submitted,
                    title=f"Projet IA {plan.year}-{index + 1}",
                    summary="Projet fictif de démonstration.",
                    requested_amount=Decimal(plan.max_amount),
                    granted_amount=Decimal(plan.max_amount)
                    * Decimal(rng.choice(["0.8", "0.9", "1"]))
                    if laureate
                    else None,
                    steps_done=len(Application.STEPS),
                )  # fmt: skip
            )
    created = _save(applications)
    reviews = _reviews(created, evaluators, rng)
    answers = _surveys(created, rng)
    experts = _experts(history, rng)
    return {
        "calls": len(plans),
        "applications": len(created),
        "reviews": reviews,
        "survey_answers": answers,
        "experts": experts,
    }


def _status(plan: CallPlan, laureate: bool, rng: random.Random) -> str:
    if not plan.laureates:  # the round whose jury is at work
        return Status.UNDER_EVALUATION
    if laureate:
        return Status.IN_PROGRESS if plan.year == 2024 else Status.COMPLETED
    return rng.choices([Status.REJECTED, Status.INELIGIBLE, Status.WITHDRAWN], [80, 15, 5])[0]


def _save(applications: list[Application]) -> list[Application]:
    created = Application.objects.bulk_create(applications, batch_size=500)
    for application in created:
        instrument = application.call.instrument
        year = timezone.localtime(application.submitted_at).year if application.submitted_at else 0
        application.reference = f"{instrument.prefix}-{year}-{application.pk:05d}"
        if application.status == Status.REJECTED:
            application.status_reason = (
                "Le projet n'atteint pas le seuil sur la pertinence du besoin."
            )
        elif application.status == Status.INELIGIBLE:
            application.status_reason = "Siège d'exploitation hors de la région."
    Application.objects.bulk_update(created, ["reference", "status_reason"], batch_size=500)
    return created


def _reviews(applications: list[Application], evaluators: list[User], rng: random.Random) -> int:
    """Three reviews for every application that reached the jury, scores fitting the decision."""
    reviewed = [a for a in applications if a.status not in (Status.INELIGIBLE, Status.WITHDRAWN)]
    criteria: dict[int, list[Criterion]] = {}
    for criterion in Criterion.objects.filter(call__in={a.call_id for a in reviewed}):
        criteria.setdefault(criterion.call_id, []).append(criterion)
    demo_evaluator = next((e for e in evaluators if e.is_active), None)
    assignments = []
    for application in reviewed:
        pending = application.status == Status.UNDER_EVALUATION
        panel = rng.sample(evaluators, 3)
        if pending and demo_evaluator is not None and demo_evaluator not in panel:
            panel[0] = demo_evaluator
        for evaluator in panel:
            done = not (pending and evaluator == demo_evaluator)
            assignments.append(
                Assignment(
                    application=application,
                    evaluator=evaluator,
                    conflict=False if done else None,
                    declared_at=application.submitted_at if done else None,
                    submitted_at=application.call.closes_at + datetime.timedelta(days=20)
                    if done
                    else None,
                )  # fmt: skip
            )
    Assignment.objects.bulk_create(assignments, batch_size=1000)
    scores = []
    for assignment in assignments:
        if assignment.submitted_at is None:
            continue
        selected = assignment.application.status in (Status.IN_PROGRESS, Status.COMPLETED)
        low, high = (6, 10) if selected else (2, 6)
        for criterion in criteria[assignment.application.call_id]:
            scores.append(Score(assignment=assignment, criterion=criterion,
                                value=Decimal(rng.randint(low, high)) / 2))  # fmt: skip
    Score.objects.bulk_create(scores, batch_size=2000)
    return len(assignments)


def _surveys(applications: list[Application], rng: random.Random) -> int:
    completed = [a for a in applications if a.status == Status.COMPLETED]
    rng.shuffle(completed)
    answered = completed[:SURVEY_ANSWERS]
    befores = [Decimal(rng.randrange(2, 40) * 1000) for _ in answered]
    # After: around ×2.4 each, scaled so that the total is exactly ×2.4 whatever the draws
    # (correcting the last answer alone could make it negative).
    afters = [b * Decimal(rng.choice(["1.5", "2", "2.4", "3", "3.3"])) for b in befores]
    if afters:
        scale = INVESTMENT_MULTIPLIER * sum(befores) / sum(afters)
        afters = [(a * scale).quantize(Decimal("1")) for a in afters]
        afters[-1] += INVESTMENT_MULTIPLIER * sum(befores) - sum(afters)
    answers = [
        SurveyAnswer(
            application=application,
            would_recommend=i < RECOMMEND,
            improved_competitiveness=(i * 7) % len(answered) < COMPETITIVE,
            improved_quality=rng.random() < 0.85,
            reached_production=rng.random() < 0.6,
            investment_before=befores[i],
            investment_after=afters[i],
            jobs_created=rng.choice([0, 0, 1, 1, 2, 3]),
        )  # fmt: skip
        for i, application in enumerate(answered)
    ]
    SurveyAnswer.objects.bulk_create(answers)
    return len(answers)


def _experts(history: _History, rng: random.Random) -> int:
    """69 expert companies recognised today, a few applying, a few refused."""
    today = timezone.localdate()
    candidates = [pk for pk in history.smes[-400:]]
    experts = []
    for index, organisation_id in enumerate(candidates[: RECOGNISED_EXPERTS + 8]):
        recognised = index < RECOGNISED_EXPERTS
        start = today - datetime.timedelta(days=rng.randrange(30, 900))
        experts.append(
            ExpertCompany(
                organisation_id=organisation_id,
                offer="Accompagnement Start IA : diagnostic, cas d'usage, plan d'action (entreprise fictive).",
                languages=rng.choice(["fr", "fr, en", "fr, nl, en", "fr, de"]),
                status=ExpertCompany.Status.RECOGNISED
                if recognised
                else rng.choice([ExpertCompany.Status.APPLIED, ExpertCompany.Status.REFUSED]),
                recognised_from=start if recognised else None,
                recognised_until=start + datetime.timedelta(days=3 * 365) if recognised else None,
            )  # fmt: skip
        )
    ExpertCompany.objects.bulk_create(experts)
    _offer_technologies(rng)
    return sum(1 for e in experts if e.status == ExpertCompany.Status.RECOGNISED)


# What the demo's experts offer: mostly branches of AI, some a neighbouring field.
OFFERED = ["ai", "machine-learning", "computer-vision", "nlp", "generative-ai", "data", "robotics",
           "cloud", "cybersecurity", "iot"]  # fmt: skip


def _offer_technologies(rng: random.Random) -> None:
    """One to three technologies per expert company, as they declare them when applying."""
    concepts = {
        c.notation: c.pk
        for c in Concept.objects.filter(scheme__code="technology", notation__in=OFFERED)
    }
    if not concepts:
        return
    links = ExpertCompany.technologies.through
    chosen = [
        links(expertcompany_id=pk, concept_id=concepts[notation])
        for pk in ExpertCompany.objects.order_by("pk").values_list("pk", flat=True)
        for notation in rng.sample([n for n in OFFERED if n in concepts], rng.randint(1, 3))
    ]
    links.objects.bulk_create(chosen)


def counts_check() -> dict[str, Any]:
    """The figures the history is built to reproduce, as the impact service computes them."""
    from territoria.calls.services.impact import figures

    return {f.key: f.value for f in figures()}
