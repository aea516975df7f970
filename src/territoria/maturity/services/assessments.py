"""Taking an assessment: started with an enterprise number, answered a dimension at a
time, resumed through its private link, completed once every question is answered.

Each step is one transaction on a locked row: two tabs saving at once each keep their
own answers, and a completed assessment no longer changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.profile import Profile, profile_of
from territoria.ecosystem.services import is_public
from territoria.ecosystem.validators import normalise_enterprise_number
from territoria.maturity.definition import Definition
from territoria.maturity.models import Assessment, DimensionScore, Questionnaire, hash_key
from territoria.maturity.scoring import AnswerError, check_answer, missing, score
from territoria.maturity.services.questionnaires import definition_of


class AssessmentError(ValueError):
    """A step that cannot be taken, in words for the person taking it."""


@dataclass(frozen=True)
class Started:
    assessment: Assessment
    key: str  # the private link's key: shown once, only its hash is kept


def start(
    questionnaire: Questionnaire,
    enterprise_number: str = "",
    owner: Any = None,
    language: str = "fr",
    profile: Profile | None = None,
    follows: Assessment | None = None,
) -> Started:
    """A new assessment; with an enterprise number known to the registry, its section, size
    and province come from there (`profile`, what the person said, fills the gaps)."""
    if not questionnaire.is_published:
        raise AssessmentError("this questionnaire is not published")
    number = ""
    organisation = None
    if enterprise_number.strip():
        try:
            number = normalise_enterprise_number(enterprise_number.strip())
        except ValidationError as exc:
            raise AssessmentError(" ".join(exc.messages)) from None
        organisation = Organisation.objects.filter(enterprise_number=number).first()
    if organisation is not None and not is_public(organisation):
        # A natural person without consent, or struck off: its register data is not
        # shown to whoever types its number (the directory does not show it either).
        organisation = None
    known = profile_of(organisation) if organisation is not None else Profile()
    given = profile or Profile()
    if follows is None and owner is not None and owner.is_authenticated:
        follows = previous(questionnaire.code, owner, number)
    assessment = Assessment(
        questionnaire=questionnaire,
        organisation=organisation,
        enterprise_number=number,
        owner=owner if owner is not None and owner.is_authenticated else None,
        language=language,
        nace_section=known.nace_section or given.nace_section,
        size_class=known.size_class or given.size_class,
        province=known.province or given.province,
        follows=follows,
    )
    key = assessment.new_key()
    assessment.save()
    return Started(assessment, key)


def previous(code: str, owner: Any, number: str) -> Assessment | None:
    """The owner's latest completed assessment of this questionnaire for the same company
    (or, without a number, their own latest without one): what a new one follows, T0
    before T1. Only the owner's own: an anonymous assessment follows nothing."""
    return (
        Assessment.objects.filter(
            questionnaire__code=code,
            owner=owner,
            enterprise_number=number,
            completed_at__isnull=False,
        )
        .order_by("-completed_at", "-pk")
        .first()
    )


def by_key(key: str) -> Assessment | None:
    """The assessment its private link opens."""
    if not key or len(key) > 100:
        return None
    return (
        Assessment.objects.select_related("questionnaire", "organisation")
        .filter(key_hash=hash_key(key))
        .first()
    )


def definition(assessment: Assessment) -> Definition:
    return definition_of(assessment.questionnaire)


@transaction.atomic
def answer(assessment: Assessment, values: Mapping[str, Any]) -> dict[str, str]:
    """Keep the answers that fit (question code → value); return the others' errors by
    question code. Nothing changes on a completed assessment."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_completed:
        raise AssessmentError("this assessment is completed: start a new one to answer again")
    questions = {q.code: q for q in definition(locked).questions()}
    errors: dict[str, str] = {}
    answers = dict(locked.answers)
    for code, value in values.items():
        question = questions.get(code)
        if question is None:
            errors[code] = "not a question of this questionnaire"
            continue
        try:
            answers[code] = check_answer(question, value)
        except AnswerError as exc:
            errors[code] = str(exc).split(": ", 1)[1]
    locked.answers = answers
    locked.save(update_fields=["answers", "updated_at"])
    assessment.answers = answers
    return errors


def respondent_of(assessment: Assessment) -> str:
    """Who answered, when peers and the barometer may count them: the company whose number
    the assessment gives, when it was made from an account the agency linked to that
    company (an approved affiliation, the rule for applying to a call in its name).

    Anyone can type a number, and anyone can answer without one: such an assessment gets
    its report and its comparison, but counts for no one (""). Otherwise a stranger could
    push a company's own answers out of the figures, or one visitor make up four of a
    group of five and read the fifth's scores.
    """
    number, owner = assessment.enterprise_number, assessment.owner_id
    if number and owner is not None:
        linked = Affiliation.objects.filter(user_id=owner, organisation__enterprise_number=number)
        if linked.exists():
            return f"enterprise:{number}"
    return ""


@transaction.atomic
def complete(assessment: Assessment) -> Assessment:
    """Score a fully answered assessment and close it; completing twice changes nothing.

    When its respondent counts (`respondent_of`), it becomes their latest, and their
    latest of its year (what the barometer counts); completions of one questionnaire
    take turns, so two at once cannot both become the latest.
    """
    Questionnaire.objects.select_for_update().get(pk=assessment.questionnaire_id)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_completed:
        return locked
    spec = definition(locked)
    left = missing(spec, locked.answers)
    if left:
        raise AssessmentError(f"{len(left)} questions are not answered yet")
    scores = score(spec, locked.answers)
    now = timezone.now()
    locked.scores = scores.dimensions
    locked.overall = Decimal(str(scores.overall))
    locked.completed_at = now
    locked.year = timezone.localtime(now).year
    locked.respondent = respondent_of(locked)
    if locked.respondent:
        earlier = Assessment.objects.filter(
            questionnaire__code=locked.questionnaire.code,
            respondent=locked.respondent,
            completed_at__isnull=False,
        ).exclude(pk=locked.pk)
        earlier.filter(is_latest=True).update(is_latest=False)
        earlier.filter(year=locked.year, is_latest_of_year=True).update(is_latest_of_year=False)
        locked.is_latest = locked.is_latest_of_year = True
    locked.save()
    DimensionScore.objects.bulk_create(
        DimensionScore(assessment=locked, dimension=code, score=Decimal(str(value)))
        for code, value in scores.dimensions.items()
    )
    return locked
