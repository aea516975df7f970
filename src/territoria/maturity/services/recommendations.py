"""The report's advice: the staff's rules (`Recommendation`) applied to an assessment's
scores, each rule pointing to calls, programmes and recognised expert companies.

The weakest dimensions come first. Within a piece of advice, the calls open now come
first, then the calls to come, then the programmes, then the experts. Each piece of
advice says why it was given (the dimension, its score and the rule's threshold), and
each expert why it was chosen (the technologies it offers among those the rule names).

Maturity builds on the calls and the strategy ("prescribe" reads what the platform runs);
neither of them reads maturity.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from territoria.calls.models import Call, ExpertCompany, Instrument
from territoria.core.i18n import InLanguage, current_language, translated
from territoria.ecosystem.services import public_organisations
from territoria.maturity.definition import Definition
from territoria.maturity.forms import text
from territoria.maturity.models import Assessment, Recommendation
from territoria.strategy.models import Programme, Strategy
from territoria.taxonomy.models import Concept

SHIPPED = Path(__file__).resolve().parent.parent / "recommendations.json"

# A programme's description is cut to its first words (its page has the rest).
DESCRIPTION_WORDS = 24
# The recognised experts a piece of advice names at most (the calls' page lists them all).
EXPERTS_SHOWN = 3


@dataclass(frozen=True)
class Pointer:
    """Something to do: a call to apply to, a programme to read about, an expert to call."""

    kind: str  # "call", "instrument", "programme" or "expert"
    name: InLanguage
    url: str
    detail: str


@dataclass(frozen=True)
class Advice:
    code: str
    title: InLanguage
    advice: InLanguage
    dimension: str
    score: float
    below: int
    why: str  # the reason it is given, in the language it was made in
    pointers: list[Pointer]


def _why(dimension: str, score: float, below: int, weakest: bool) -> str:
    shown = formats.number_format(score, 1)
    if below > 100:
        return _("Given to every respondent for %(dimension)s (your score: %(score)s).") % {
            "dimension": dimension,
            "score": shown,
        }
    reason = _("Your score in %(dimension)s is %(score)s, under %(below)s.") % {
        "dimension": dimension,
        "score": shown,
        "below": below,
    }
    return f"{reason} {_('It is your weakest dimension.')}" if weakest else reason


def advise(
    assessment: Assessment, spec: Definition, now: datetime.datetime | None = None
) -> list[Advice]:
    """The advice the active rules give to this completed assessment, weakest first."""
    now = now or timezone.now()
    scores = {code: float(value) for code, value in assessment.scores.items()}
    if not scores:
        return []
    labels = {d.code: text(d.label) for d in spec.dimensions}
    rules = [
        rule
        for rule in Recommendation.objects.filter(
            questionnaire_code=assessment.questionnaire.code, is_active=True
        ).prefetch_related(
            "instruments",
            Prefetch(
                "programmes",
                Programme.objects.exclude(strategy__status=Strategy.Status.DRAFT).select_related(
                    "strategy"
                ),
            ),
            "technologies",
        )
        if rule.dimension in scores
        and rule.dimension in labels
        and scores[rule.dimension] < rule.below
    ]
    rules.sort(key=lambda rule: (scores[rule.dimension], rule.position, rule.code))
    weakest = min(scores.values())
    calls = _calls({i.pk for rule in rules for i in rule.instruments.all()}, now)
    day = timezone.localdate(now)  # "recognised today" as the experts' page counts it
    experts = _experts({c.pk for rule in rules for c in rule.technologies.all()}, day)
    return [
        Advice(
            code=rule.code,
            title=translated(rule, "title"),
            advice=translated(rule, "advice"),
            dimension=labels[rule.dimension],
            score=scores[rule.dimension],
            below=rule.below,
            why=_why(
                labels[rule.dimension],
                scores[rule.dimension],
                rule.below,
                scores[rule.dimension] == weakest,
            ),
            pointers=_pointers(rule, calls, experts, now),
        )
        for rule in rules
    ]


def _calls(instruments: set[int], now: datetime.datetime) -> dict[int, list[Call]]:
    """Each instrument's published calls not yet closed, the open ones first."""
    found: dict[int, list[Call]] = defaultdict(list)
    if not instruments:
        return found
    for call in (
        Call.objects.published()
        .filter(instrument__in=instruments, closes_at__gt=now)
        .order_by("opens_at", "closes_at", "code")
    ):
        found[call.instrument_id].append(call)
    return found


def _experts(technologies: set[int], day: datetime.date) -> list[ExpertCompany]:
    """The expert companies recognised on `day` that anyone may see (one rule for natural
    persons: `public_organisations`) offering any of these technologies."""
    if not technologies:
        return []
    candidates = (
        ExpertCompany.objects.filter(
            status=ExpertCompany.Status.RECOGNISED,
            technologies__in=technologies,
            organisation__in=public_organisations(),
        )
        .distinct()
        .select_related("organisation")
        .prefetch_related("technologies")
        .order_by("organisation__name", "pk")
    )
    return [expert for expert in candidates if expert.recognised_on(day)]


def _pointers(
    rule: Recommendation,
    calls: dict[int, list[Call]],
    experts: list[ExpertCompany],
    now: datetime.datetime,
) -> list[Pointer]:
    opened: list[Pointer] = []
    coming: list[Pointer] = []
    idle: list[Pointer] = []
    for instrument in rule.instruments.all():
        its_calls = calls.get(instrument.pk, [])
        for call in its_calls:
            if call.opens_at <= now:
                detail = _("Open until %(day)s.") % {"day": _day(call.closes_at)}
                opened.append(
                    Pointer("call", translated(call, "title"), call.get_absolute_url(), detail)
                )
            else:
                detail = _("Opens on %(day)s.") % {"day": _day(call.opens_at)}
                coming.append(
                    Pointer("call", translated(call, "title"), call.get_absolute_url(), detail)
                )
        if not its_calls:
            idle.append(_instrument(instrument))
    programmes = [
        Pointer(
            "programme",
            translated(programme, "name"),
            programme.get_absolute_url(),
            Truncator(translated(programme, "description").text).words(DESCRIPTION_WORDS),
        )
        for programme in rule.programmes.all()
    ]
    return opened + coming + idle + programmes + _expert_pointers(rule, experts)


def _instrument(instrument: Instrument) -> Pointer:
    return Pointer(
        "instrument",
        translated(instrument, "name"),
        reverse("calls:list"),
        translated(instrument, "summary").text + " " + _("No call is open at the moment."),
    )


def _expert_pointers(rule: Recommendation, experts: list[ExpertCompany]) -> list[Pointer]:
    wanted = {concept.pk: concept for concept in rule.technologies.all()}
    if not wanted:
        return []
    ranked = []
    for expert in experts:
        offered = [wanted[c.pk] for c in expert.technologies.all() if c.pk in wanted]
        if offered:
            ranked.append((-len(offered), expert.organisation.display_name, expert, offered))
    ranked.sort(key=lambda item: item[:2])
    return [
        Pointer(
            "expert",
            # A name is no translation: the one shown is the page's language's.
            InLanguage(expert.organisation.display_name, current_language()),
            expert.organisation.get_absolute_url(),
            _("Recognised expert company offering %(technologies)s.")
            % {"technologies": ", ".join(translated(c, "label").text for c in offered)},
        )
        for _rank, _name, expert, offered in ranked[:EXPERTS_SHOWN]
    ]


def _day(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


# --- The rules that come with the platform ----------------------------------------------


class RuleFileError(ValueError):
    pass


@dataclass(frozen=True)
class Loaded:
    created: list[str]
    kept: list[str]
    # What a rule names but this database does not hold: "rule: instrument start-ia".
    missing: list[str]


def load_shipped(path: Path = SHIPPED) -> Loaded:
    """Create the shipped rules this database lacks, by code; a rule already there, maybe
    edited by staff, is kept as it is. Idempotent; all or nothing."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"{path}: {exc}") from None
    if not isinstance(document, list):
        raise RuleFileError(f"{path}: expected a list of rules")
    created, kept, missing = [], [], []
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, entry in enumerate(document, start=1):
            where = f"{path.name}, rule {number}"
            rule, links = _rule(where, entry)
            if rule.code in seen:
                raise RuleFileError(f"{where}: code: {rule.code} is rule {seen[rule.code]}'s too")
            seen[rule.code] = number
            if Recommendation.objects.filter(code=rule.code).exists():
                kept.append(rule.code)
                continue
            try:
                rule.full_clean()
            except ValidationError as exc:
                raise RuleFileError(f"{where}: {_messages(exc)}") from None
            rule.save()
            created.append(rule.code)
            missing += _link(rule, links)
    return Loaded(created, kept, missing)


def _messages(error: ValidationError) -> str:
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )


LINKS = ("instruments", "programmes", "technologies")


def _rule(where: str, entry: Any) -> tuple[Recommendation, dict[str, list[str]]]:
    """The rule an entry of the file describes, and the codes it links to."""
    if not isinstance(entry, dict):
        raise RuleFileError(f"{where}: expected an object")
    fields: dict[str, Any] = {}
    for name in ("title", "advice"):
        texts = entry.get(name)
        if not isinstance(texts, dict) or not isinstance(texts.get("fr"), str):
            raise RuleFileError(
                f'{where}: {name}: expected an object of texts, French ("fr") at least'
            )
        for language, written in texts.items():
            if language not in ("fr", "nl", "de", "en") or not isinstance(written, str):
                raise RuleFileError(f"{where}: {name}: {language!r} is not a language's text")
            fields[name if language == "fr" else f"{name}_{language}"] = written
    below = entry.get("below", 51)
    if isinstance(below, bool) or not isinstance(below, int):
        raise RuleFileError(f"{where}: below: expected a whole score, not {below!r}")
    position = entry.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int):
        raise RuleFileError(f"{where}: position: expected a whole number, not {position!r}")
    links: dict[str, list[str]] = {}
    for name in LINKS:
        codes = entry.get(name, [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise RuleFileError(f"{where}: {name}: expected a list of codes")
        links[name] = codes
    for name in ("code", "questionnaire", "dimension"):
        if not isinstance(entry.get(name), str):
            raise RuleFileError(f"{where}: {name}: expected a text")
    rule = Recommendation(
        code=entry["code"],
        questionnaire_code=entry["questionnaire"],
        dimension=entry["dimension"],
        below=below,
        position=position,
        **fields,
    )
    return rule, links


def _link(rule: Recommendation, links: dict[str, list[str]]) -> list[str]:
    missing: list[str] = []
    wanted: list[tuple[str, str, Any, str]] = [
        ("instruments", "instrument", Instrument.objects.all(), "code"),
        ("programmes", "programme", Programme.objects.filter(strategy__is_default=True), "code"),
        (
            "technologies",
            "technology",
            Concept.objects.filter(scheme__code="technology"),
            "notation",
        ),
    ]
    for field, noun, queryset, key in wanted:
        codes = links[field]
        found = {getattr(o, key): o for o in queryset.filter(**{f"{key}__in": codes})}
        getattr(rule, field).set(found.values())
        missing += [f"{rule.code}: {noun} {code}" for code in codes if code not in found]
    return missing
