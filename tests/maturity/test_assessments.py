"""Taking an assessment: started from an enterprise number, answered, completed, reopened by
its private link; each respondent counted once; peers only in groups of five or more."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from territoria.ecosystem.profile import Profile, profile_of
from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.maturity.definition import parse
from territoria.maturity.models import Assessment, DimensionScore
from territoria.maturity.services.assessments import (
    AssessmentError,
    answer,
    by_key,
    complete,
    start,
)
from territoria.maturity.services.peers import MINIMUM_GROUP, peer_group
from territoria.maturity.services.questionnaires import store
from tests.factories import concept, organisation

pytestmark = pytest.mark.django_db

TEXT = {"fr": "x"}


def two_dimensions():
    """Two dimensions of one 0–5 scale question each: answers give exact scores."""
    return parse(
        {
            "format": "territoria-questionnaire/1",
            "code": "tiny",
            "version": 1,
            "audience": "company",
            "title": {"fr": "Petit"},
            "levels": [{"code": "all", "label": TEXT, "from": 0, "to": 100}],
            "dimensions": [
                {
                    "code": code,
                    "label": TEXT,
                    "questions": [
                        {
                            "code": f"{code}-q",
                            "type": "scale",
                            "text": TEXT,
                            "low": TEXT,
                            "high": TEXT,
                        }
                    ],
                }
                for code in ("infra", "strategy")
            ],
        }
    )


@pytest.fixture
def questionnaire():
    return store(two_dimensions())


def taken(questionnaire, infra, strategy, number="", profile=None, **kwargs):
    started = start(questionnaire, number, profile=profile, **kwargs)
    assert answer(started.assessment, {"infra-q": infra, "strategy-q": strategy}) == {}
    return complete(started.assessment)


def test_the_registry_fills_section_size_and_province(questionnaire):
    org = organisation(
        "Boulangerie",
        "nace:C10",
        size_class=concept("size:small"),
        municipality=concept("territory:gembloux"),
    )
    assert profile_of(org) == Profile("C", "small", "BE-WNA")
    started = start(questionnaire, org.enterprise_number.replace(".", ""))
    assessment = started.assessment
    assert assessment.organisation == org
    assert assessment.enterprise_number == org.enterprise_number
    assert (assessment.nace_section, assessment.size_class, assessment.province) == (
        "C",
        "small",
        "BE-WNA",
    )


def test_what_the_person_says_fills_what_the_registry_does_not_know(questionnaire):
    number = enterprise_number_from_digits(4_242_424)
    started = start(questionnaire, number, profile=Profile("J", "micro", "BE-WLG"))
    assert started.assessment.organisation is None
    assert (started.assessment.nace_section, started.assessment.size_class) == ("J", "micro")


def test_a_wrong_enterprise_number_is_refused_saying_why(questionnaire):
    with pytest.raises(AssessmentError, match="check digits|chiffres de contrôle"):
        start(questionnaire, "0123.456.789")
    assert not Assessment.objects.exists()


def test_the_private_link_opens_its_assessment_alone_and_is_not_kept_in_clear(questionnaire):
    first, second = start(questionnaire), start(questionnaire)
    assert by_key(first.key) == first.assessment
    assert by_key(second.key) == second.assessment
    assert by_key(first.key + "x") is None and by_key("") is None
    assert first.assessment.key_hash != first.key
    assert not Assessment.objects.filter(key_hash=first.key).exists()


def test_answers_that_fit_are_kept_and_the_others_named(questionnaire):
    started = start(questionnaire)
    errors = answer(started.assessment, {"infra-q": 3, "strategy-q": 9, "nothing": 1})
    assert errors == {
        "strategy-q": "a level from 0 to 5",
        "nothing": "not a question of this questionnaire",
    }
    assert Assessment.objects.get().answers == {"infra-q": 3}
    with pytest.raises(AssessmentError, match="not answered"):
        complete(started.assessment)


def test_a_completed_assessment_is_scored_once_and_no_longer_changes(questionnaire):
    done = taken(questionnaire, 5, 2)
    assert done.scores == {"infra": 100.0, "strategy": 40.0}
    assert done.overall == Decimal("70.0")
    assert done.year == timezone.localtime().year
    assert dict(DimensionScore.objects.values_list("dimension", "score")) == {
        "infra": Decimal("100.0"),
        "strategy": Decimal("40.0"),
    }
    assert complete(done) == done and DimensionScore.objects.count() == 2
    with pytest.raises(AssessmentError, match="completed"):
        answer(done, {"infra-q": 0})


def test_each_respondent_counts_once_with_the_latest_assessment(questionnaire):
    number = enterprise_number_from_digits(1_234_567)
    first = taken(questionnaire, 1, 1, number)
    Assessment.objects.filter(pk=first.pk).update(year=2022)
    second = taken(questionnaire, 2, 2, number)
    third = taken(questionnaire, 3, 3, number)
    flags = {a.pk: (a.is_latest, a.is_latest_of_year) for a in Assessment.objects.all()}
    assert flags == {first.pk: (False, True), second.pk: (False, False), third.pk: (True, True)}
    anonymous = [taken(questionnaire, 0, 0), taken(questionnaire, 0, 0)]
    assert all(Assessment.objects.get(pk=a.pk).is_latest for a in anonymous)


def test_peers_are_the_closest_group_of_five_others_or_wider(questionnaire):
    me = taken(questionnaire, 1, 1, profile=Profile("C", "small", "BE-WNA"))
    assert peer_group(me) is None  # no one else yet
    for _n in range(MINIMUM_GROUP - 1):
        taken(questionnaire, 5, 0, profile=Profile("C", "small", ""))
    taken(questionnaire, 0, 5, profile=Profile("C", "large", ""))
    group = peer_group(me)
    assert (group.scope, group.nace_section, group.size_class) == ("section", "C", "")
    assert group.respondents == MINIMUM_GROUP
    taken(questionnaire, 5, 0, profile=Profile("C", "small", ""))
    group = peer_group(me)
    assert (group.scope, group.respondents) == ("section-size", MINIMUM_GROUP)
    assert group.dimensions == {"infra": Decimal("100.0"), "strategy": Decimal("0.0")}
    assert group.overall == Decimal("50.0")


def test_peers_never_include_the_respondent_itself(questionnaire):
    number = enterprise_number_from_digits(7_654_321)
    for _ in range(MINIMUM_GROUP):
        mine = taken(questionnaire, 0, 0, number, profile=Profile("C", "small", ""))
    assert peer_group(mine) is None


def test_an_unfinished_assessment_is_never_a_peer(questionnaire):
    for _ in range(MINIMUM_GROUP):
        start(questionnaire, profile=Profile("C", "small", ""))
    me = taken(questionnaire, 1, 1, profile=Profile("C", "small", ""))
    assert peer_group(me) is None
    assert datetime.date.today().year == me.year
