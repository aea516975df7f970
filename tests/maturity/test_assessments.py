"""Taking an assessment: started from an enterprise number, answered, completed, reopened by
its private link; each company counted once, from an account linked to it; peers from the
barometer's last closed year."""

from decimal import Decimal

import pytest
from django.utils import timezone

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import Profile, profile_of
from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.maturity.definition import parse
from territoria.maturity.models import Assessment, BarometerYear, Benchmark, DimensionScore
from territoria.maturity.services.assessments import (
    AssessmentError,
    answer,
    by_key,
    complete,
    start,
)
from territoria.maturity.services.barometer import publications, publish
from territoria.maturity.services.peers import peer_group
from territoria.maturity.services.questionnaires import store
from tests.factories import concept, organisation
from tests.maturity.companies import LAST_YEAR, SMALL_C, counted, in_year, linked_company

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


def test_each_company_counts_once_with_its_latest_assessment(questionnaire, users):
    company = linked_company()
    first = counted(questionnaire, 1, 1, year=2022, company=company)
    second = counted(questionnaire, 2, 2, year=2023, company=company)
    third = counted(questionnaire, 3, 3, year=2023, company=company)
    assert third.respondent == f"enterprise:{company.number}"
    flags = {a.pk: (a.is_latest, a.is_latest_of_year) for a in Assessment.objects.all()}
    assert flags == {first.pk: (False, True), second.pk: (False, False), third.pk: (True, True)}


def test_an_assessment_counts_only_from_an_account_linked_to_its_company(questionnaire, users):
    company = linked_company()
    anonymous = taken(questionnaire, 0, 0, company.number)
    stranger = taken(questionnaire, 0, 0, company.number, owner=users["other_applicant"])
    no_number = taken(questionnaire, 0, 0, owner=company.user)
    for assessment in (anonymous, stranger, no_number):
        assert (assessment.respondent, assessment.is_latest, assessment.is_latest_of_year) == (
            "",
            False,
            False,
        )
    own = counted(questionnaire, 5, 5, year=timezone.localdate().year, company=company)
    assert own.is_latest and own.respondent == f"enterprise:{company.number}"


def test_peers_are_the_closest_published_group_of_the_last_closed_year(questionnaire):
    me = taken(questionnaire, 1, 1, profile=Profile("C", "small", "BE-WNA"))
    assert peer_group(me) is None  # no year published yet
    for _n in range(MINIMUM_GROUP):
        counted(questionnaire, 5, 0, profile=Profile("C", "small", ""))
    for _n in range(MINIMUM_GROUP):
        counted(questionnaire, 0, 5, profile=Profile("C", "large", ""))
    group = peer_group(me)
    assert (group.scope, group.year, group.respondents) == ("section-size", LAST_YEAR, 5)
    assert group.dimensions == {"infra": Decimal("100.0"), "strategy": Decimal("0.0")}
    assert group.overall == Decimal("50.0")
    medium = taken(questionnaire, 1, 1, profile=Profile("C", "medium", ""))
    group = peer_group(medium)
    assert (group.scope, group.nace_section, group.respondents) == ("section", "C", 10)
    assert group.dimensions == {"infra": Decimal("50.0"), "strategy": Decimal("50.0")}
    unknown = taken(questionnaire, 1, 1)
    assert peer_group(unknown).scope == "everyone"


def test_the_year_under_way_is_never_published(questionnaire):
    for _n in range(MINIMUM_GROUP):
        counted(questionnaire, 5, 0, year=timezone.localdate().year)
    me = taken(questionnaire, 1, 1, profile=SMALL_C)
    assert peer_group(me) is None
    assert not BarometerYear.objects.exists()
    with pytest.raises(ValueError, match="not over"):
        publish("tiny", timezone.localdate().year)


def test_a_year_is_published_once_and_never_again(questionnaire):
    for _n in range(MINIMUM_GROUP):
        counted(questionnaire, 5, 0)
    first = publications("tiny")
    counted(questionnaire, 0, 0)  # a late arrival cannot be dated last year, but say it was
    again = publications("tiny")
    assert [p.pk for p in first] == [p.pk for p in again]
    everyone = Benchmark.objects.get(
        publication=again[0],
        nace_section=None,
        size_class=None,
        province=None,
        dimension="overall",
    )
    assert (everyone.respondents, everyone.mean_score) == (5, Decimal("50.0"))


def test_an_unfinished_assessment_is_never_counted(questionnaire):
    company = linked_company()
    with in_year(LAST_YEAR):
        start(questionnaire, company.number, owner=company.user, profile=SMALL_C)
    for _n in range(MINIMUM_GROUP - 1):
        counted(questionnaire, 1, 1)
    assert publications("tiny")[0].respondents == MINIMUM_GROUP - 1
    assert not Benchmark.objects.exists()
