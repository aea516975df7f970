"""Demo Digiscore history: about 3,000 assessments of the demo organisations from 2020 to
2025, whose barometer reproduces the published figures.

The Digiscore barometer published an overall mean of 30 in 2020 and of 31 in 2022, with
Infrastructure 40.4, Processus 27.4 and Stratégies 18.3 in 2022 (`YEARS`; the other
years, and Organisation, continue the trend and are ours). Each assessment is answered
question by question around a company's level, then scored by `scoring.score` like any
other; a last pass moves single answers of single companies, up or down, until each
year's published means are the figures to one decimal. Some companies (the laureates
given, else the first ones drawn) take it twice: before support (T0) and two years
after (T1), the second following the first.

The demo's companies answered from accounts linked to them: their assessments count
(`Assessment.respondent`) as such companies' do.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from territoria.ecosystem.profile import profiles_of
from territoria.ecosystem.services import public_organisations
from territoria.maturity.definition import GRID_ANSWERS, SCALE_TOP, Definition, Question
from territoria.maturity.models import Assessment, BarometerYear, DimensionScore, hash_key
from territoria.maturity.scoring import dimension_score, score, tenth
from territoria.maturity.services.barometer import BAROMETER, publications
from territoria.maturity.services.questionnaires import current, definition_of

# Each year: how many assessments, and the barometer's means to reproduce (a dimension
# left out, Organisation, takes up what the overall mean needs).
YEARS: dict[int, tuple[int, dict[str, float]]] = {
    2020: (420, {"overall": 30.0, "infrastructure": 39.5, "processes": 26.0, "strategy": 17.0}),
    2021: (450, {"overall": 30.5, "infrastructure": 40.0, "processes": 26.6, "strategy": 17.6}),
    2022: (520, {"overall": 31.0, "infrastructure": 40.4, "processes": 27.4, "strategy": 18.3}),
    2023: (500, {"overall": 32.2, "infrastructure": 41.5, "processes": 28.6, "strategy": 19.8}),
    2024: (540, {"overall": 33.6, "infrastructure": 42.8, "processes": 30.1, "strategy": 21.5}),
    2025: (570, {"overall": 35.0, "infrastructure": 44.0, "processes": 31.5, "strategy": 23.4}),
}
FREE = "organisation"  # the dimension that brings the overall mean to its figure
T0_YEARS = range(2020, 2024)  # a followed company's first year (its T1: two years later)
FOLLOWED = 40  # companies with a T0 and a T1


@dataclass
class Draft:
    """An assessment being made: a company's level per dimension, and its answers."""

    organisation: int
    number: str
    year: int
    levels: dict[str, float]
    answers: dict[str, Any] = field(default_factory=dict)
    exact: dict[str, Decimal] = field(default_factory=dict)
    follows: Draft | None = None


@dataclass(frozen=True)
class DemoReport:
    assessments: int
    followed: int
    means: dict[int, dict[str, Decimal]]


def load_demo_assessments(
    laureates: Mapping[int, int] | None = None,
    seed: int = 20201,
    progress: Callable[[int], None] | None = None,
) -> DemoReport:
    """Replace the demo Digiscore history; `laureates` maps an organisation's pk to the year
    its support began (its T0 is that year, its T1 two years later)."""
    questionnaire = current(BAROMETER)
    if questionnaire is None:
        raise ValueError(f"load the questionnaires first: {BAROMETER!r} is not published")
    spec = definition_of(questionnaire)
    rng = random.Random(seed)
    companies = [
        (pk, number or "")
        for pk, number in public_organisations()
        .filter(enterprise_number__gt="")
        .order_by("pk")
        .values_list("pk", "enterprise_number")
    ]
    needed = max(count for count, _targets in YEARS.values())
    if len(companies) < needed:
        raise ValueError(
            f"load the demo ecosystem first: {len(companies)} public organisations with an "
            f"enterprise number, the demo assesses {needed} in a year"
        )
    numbers = dict(companies)
    for pk, year in (laureates or {}).items():
        if pk not in numbers:
            raise ValueError(f"laureate {pk}: no public organisation with an enterprise number")
        if year not in T0_YEARS:
            raise ValueError(f"laureate {pk}: the demo's T0 years are 2020 to 2023, not {year}")
    real = Assessment.objects.filter(
        questionnaire__code=BAROMETER, year__in=list(YEARS), completed_at__isnull=False
    ).exclude(key_hash__startswith="demo")
    if real.exists():
        raise ValueError(
            "this database holds Digiscore assessments of 2020-2025 that are not the demo's: "
            "the demo history is for a demo database"
        )
    drafts = _drafts(spec, companies, dict(laureates or {}), rng)
    for year, (_count, targets) in YEARS.items():
        _reach(spec, [d for d in drafts if d.year == year], targets, rng)
        if progress is not None:
            progress(sum(1 for d in drafts if d.year <= year))
    with transaction.atomic():
        _store(questionnaire, spec, drafts, rng)
    publications(BAROMETER)  # now, rather than by the demo's first reader of the barometer
    means = {year: _means([d for d in drafts if d.year == year]) for year in YEARS}
    return DemoReport(len(drafts), sum(1 for d in drafts if d.follows), means)


def _drafts(
    spec: Definition,
    companies: list[tuple[int, str]],
    laureates: dict[int, int],
    rng: random.Random,
) -> list[Draft]:
    numbers = dict(companies)
    followed: dict[int, int] = {}  # company → its T0's year (T1 two years later)
    for pk, year in sorted(laureates.items()):
        if len(followed) < FOLLOWED:
            followed[pk] = year
    for pk, _number in rng.sample(companies, FOLLOWED):
        if len(followed) < FOLLOWED:
            followed.setdefault(pk, rng.choice(T0_YEARS))
    drafts: list[Draft] = []
    taken: dict[int, set[int]] = defaultdict(set)  # year → companies assessed that year
    for pk, year in followed.items():
        first = Draft(pk, numbers[pk], year, _levels(spec, rng, 0.8))
        lift = rng.uniform(8, 20)
        second = Draft(
            pk,
            numbers[pk],
            year + 2,
            {code: min(100.0, level + lift) for code, level in first.levels.items()},
            follows=first,
        )
        drafts += [first, second]
        taken[year].add(pk)
        taken[year + 2].add(pk)
    for year, (count, _targets) in YEARS.items():
        others = [c for c in companies if c[0] not in taken[year]]
        needed = count - len(taken[year])
        for pk, number in rng.sample(others, needed):
            drafts.append(Draft(pk, number, year, _levels(spec, rng, 1.0)))
    for draft in drafts:
        for dimension in spec.dimensions:
            _answer_dimension(draft, dimension.code, spec, rng)
    return drafts


def _levels(spec: Definition, rng: random.Random, scale: float) -> dict[str, float]:
    """A company's level per dimension: one maturity of its own, each dimension around it."""
    maturity = rng.betavariate(2.2, 4.5) * 100 * scale
    return {d.code: max(0.0, min(100.0, rng.gauss(maturity, 12))) for d in spec.dimensions}


def _answer_dimension(draft: Draft, code: str, spec: Definition, rng: random.Random) -> None:
    dimension = next(d for d in spec.dimensions if d.code == code)
    for question in dimension.questions:
        aim = _clamp(rng.gauss(draft.levels[code], 15))
        draft.answers[question.code] = answer_near(question, aim, rng)
    draft.exact[code] = dimension_score(dimension, draft.answers)


def answer_near(question: Question, aim: float, rng: random.Random) -> Any:
    """The answer whose score is about `aim` (0–100)."""
    if question.kind == "scale":
        return max(0, min(SCALE_TOP, round(aim * SCALE_TOP / 100)))
    if question.kind == "single":
        best = max(o.score for o in question.options)
        return min(question.options, key=lambda o: abs(100 * o.score / best - aim)).code
    if question.kind == "grid":
        words = sorted(GRID_ANSWERS, key=GRID_ANSWERS.__getitem__)  # no, partly, yes
        return {
            o.code: words[max(0, min(2, round((aim + rng.gauss(0, 25)) / 50)))]
            for o in question.options
        }
    items = [o for o in question.options if not o.exclusive]
    total = sum(o.points for o in question.options) or 1.0
    ticked: list[str] = []
    reached = 0.0
    for item in rng.sample(items, len(items)):
        if 100 * (reached + item.points / 2) / total <= aim:
            ticked.append(item.code)
            reached += item.points
    if not ticked:
        none = [o.code for o in question.options if o.exclusive]
        return none[:1]
    return [o.code for o in question.options if o.code in ticked]


def _reach(
    spec: Definition, drafts: list[Draft], targets: dict[str, float], rng: random.Random
) -> None:
    """Move companies' levels until the year's means are the targets to one decimal (the
    overall mean through the free dimension): first everyone's by the gap, then single
    companies', a step kept only when it brings the mean closer."""
    for _round in range(3):
        means = _means(drafts)
        gaps = {code: target - float(means[code]) for code, target in targets.items()}
        gaps[FREE] = gaps.pop("overall") * len(spec.dimensions) - sum(
            gap for code, gap in gaps.items() if code != "overall"
        )
        for draft in drafts:
            for code, gap in gaps.items():
                draft.levels[code] = _clamp(draft.levels[code] + gap)
                _answer_dimension(draft, code, spec, rng)
    count = Decimal(len(drafts))
    totals = {code: mean * count for code, mean in _means(drafts).items()}
    order = [code for code in targets if code != "overall"] + ["overall"]
    for _step in range(200_000):
        off = [c for c in order if tenth(totals[c] / count) != tenth(Decimal(str(targets[c])))]
        if not off:
            return
        code = off[0]
        moved = FREE if code == "overall" else code
        missing = Decimal(str(targets[code])) - totals[code] / count
        draft = rng.choice(drafts)
        before, overall_before = draft.exact[moved], _overall(draft)
        saved = dict(draft.answers), draft.levels[moved]
        step = rng.uniform(2, 15) if missing > 0 else -rng.uniform(2, 15)
        draft.levels[moved] = _clamp(draft.levels[moved] + step)
        _answer_dimension(draft, moved, spec, rng)
        changed = dict(totals)
        changed[moved] += tenth(draft.exact[moved]) - tenth(before)
        changed["overall"] += _overall(draft) - overall_before
        if abs(Decimal(str(targets[code])) - changed[code] / count) < abs(missing):
            totals = changed
        else:
            draft.answers, draft.levels[moved] = saved
            draft.exact[moved] = before
    raise RuntimeError(f"the demo could not reach the barometer's figures: {targets}")


def _clamp(level: float) -> float:
    return max(0.0, min(100.0, level))


def _means(drafts: list[Draft]) -> dict[str, Decimal]:
    """The means as the barometer publishes them: of the stored (rounded) scores."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for draft in drafts:
        for code, value in draft.exact.items():
            totals[code] += tenth(value)  # as stored
        totals["overall"] += _overall(draft)
    return {code: total / len(drafts) for code, total in totals.items()}


def _overall(draft: Draft) -> Decimal:
    """As `scoring.score` stores it: the exact scores' mean, to one decimal."""
    return tenth(sum(draft.exact.values(), Decimal(0)) / len(draft.exact))


def _store(questionnaire: Any, spec: Definition, drafts: list[Draft], rng: random.Random) -> None:
    Assessment.objects.filter(questionnaire__code=BAROMETER, key_hash__startswith="demo").delete()
    BarometerYear.objects.filter(questionnaire_code=BAROMETER, year__in=list(YEARS)).delete()
    profiles = profiles_of({d.organisation for d in drafts})
    zone = timezone.get_default_timezone()
    made: dict[int, Assessment] = {}
    for draft in drafts:
        scores = score(spec, draft.answers)
        day = datetime.date(draft.year, 1, 1) + datetime.timedelta(days=rng.randrange(360))
        profile = profiles[draft.organisation]
        made[id(draft)] = Assessment(
            questionnaire=questionnaire,
            organisation_id=draft.organisation,
            enterprise_number=draft.number,
            # No private link opens a demo assessment: its key is known to no one.
            key_hash="demo" + hash_key(f"{draft.organisation}-{draft.year}-{rng.random()}")[4:],
            language="fr",
            nace_section=profile.nace_section,
            size_class=profile.size_class,
            province=profile.province,
            answers=draft.answers,
            scores=scores.dimensions,
            overall=Decimal(str(scores.overall)),
            completed_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=zone),
            year=draft.year,
            respondent=f"enterprise:{draft.number}",
            is_latest_of_year=True,
        )
    Assessment.objects.bulk_create(made.values(), batch_size=500)
    latest: dict[str, Assessment] = {}
    for draft in sorted(drafts, key=lambda d: d.year):
        latest[f"enterprise:{draft.number}"] = made[id(draft)]
        if draft.follows is not None:
            made[id(draft)].follows = made[id(draft.follows)]
    Assessment.objects.bulk_update(
        [made[id(d)] for d in drafts if d.follows is not None], ["follows"], batch_size=500
    )
    Assessment.objects.filter(pk__in=[a.pk for a in latest.values()]).update(is_latest=True)
    DimensionScore.objects.bulk_create(
        (
            DimensionScore(assessment=a, dimension=code, score=Decimal(str(value)))
            for a in made.values()
            for code, value in a.scores.items()
        ),
        batch_size=2000,
    )
