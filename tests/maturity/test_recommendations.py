"""The report's advice: the staff's rules applied to an assessment's scores; open calls
first, then calls to come, programmes, then recognised experts; each piece says why."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from territoria.calls.models import Call, ExpertCompany, Instrument
from territoria.maturity.models import Recommendation
from territoria.maturity.services.assessments import definition
from territoria.maturity.services.questionnaires import load_shipped, store
from territoria.maturity.services.recommendations import (
    EXPERTS_SHOWN,
    RuleFileError,
    advise,
)
from territoria.maturity.services.recommendations import load_shipped as load_rules
from tests.factories import concept, organisation, strategy_tree
from tests.maturity.test_assessments import taken, two_dimensions

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def questionnaire():
    return store(two_dimensions())


def instrument(code="start-ia", name="Start IA"):
    found, _created = Instrument.objects.get_or_create(
        code=code, defaults={"prefix": code[:3].upper(), "name": name, "summary": "En bref."}
    )
    return found


def call(code, opens, closes, published=True, of=None):
    return Call.objects.create(
        instrument=of or instrument(), code=code, title=f"Appel {code}", summary="Un appel.",
        opens_at=opens, closes_at=closes, is_published=published,
        budget=Decimal(100_000), max_amount=Decimal(50_000),
    )  # fmt: skip


def expert(name, *technologies, status=ExpertCompany.Status.RECOGNISED, until=None, tags=()):
    company = ExpertCompany.objects.create(
        organisation=organisation(name, *tags),
        offer="IA",
        status=status,
        recognised_from=datetime.date(2020, 1, 1),
        recognised_until=until,
    )
    company.technologies.set([concept(f"technology:{t}") for t in technologies])
    return company


def rule(code="strategy-low", dimension="strategy", below=51, **links):
    made = Recommendation.objects.create(
        code=code, questionnaire_code="tiny", dimension=dimension, below=below,
        title=f"Conseil {code}", title_nl=f"Advies {code}", advice="Faites ceci.",
    )  # fmt: skip
    for field, values in links.items():
        getattr(made, field).set(values)
    return made


def advice_for(assessment, now=NOW, language="en"):
    with translation.override(language):
        return advise(assessment, definition(assessment), now)


def test_a_rule_applies_under_its_threshold_only(questionnaire):
    rule(below=51)
    assert [a.code for a in advice_for(taken(questionnaire, 5, 2))] == ["strategy-low"]  # 40
    assert advice_for(taken(questionnaire, 5, 3)) == []  # 60 is not under 51
    rule("edge", below=60)
    assert advice_for(taken(questionnaire, 5, 3)) == []  # 60 is not under 60 either
    Recommendation.objects.update(is_active=False)
    assert advice_for(taken(questionnaire, 0, 0)) == []


def test_the_weakest_dimension_comes_first_and_each_piece_says_why(questionnaire):
    rule("infra-low", dimension="infra", below=90)
    rule("strategy-low", dimension="strategy", below=101)
    given = advice_for(taken(questionnaire, 1, 3))  # infra 20, strategy 60
    assert [a.code for a in given] == ["infra-low", "strategy-low"]
    assert given[0].why == "Your score in x is 20.0, under 90. It is your weakest dimension."
    assert given[1].why == "Given to every respondent for x (your score: 60.0)."
    assessment = taken(questionnaire, 4, 1)
    given = advice_for(assessment)
    assert [a.code for a in given] == ["strategy-low", "infra-low"]


def test_the_reason_names_the_dimension_the_score_and_the_threshold(questionnaire):
    rule(below=51)
    assessment = taken(questionnaire, 5, 2)
    (given,) = advice_for(assessment)
    assert given.why == "Your score in x is 40.0, under 51. It is your weakest dimension."
    (given,) = advice_for(assessment, language="fr")
    assert "40,0" in given.why  # a number as each language writes it


def test_open_calls_come_first_then_calls_to_come_then_programmes_then_experts(questionnaire):
    tree = strategy_tree()
    later = call("later", NOW + 3 * DAY, NOW + 30 * DAY)
    open_now = call("now", NOW - DAY, NOW + 9 * DAY)
    call("closed", NOW - 30 * DAY, NOW - DAY)
    call("unpublished", NOW - DAY, NOW + DAY, published=False)
    expert("Vision SA", "computer-vision")
    rule(
        instruments=[instrument()],
        programmes=[tree["programme"]],
        technologies=[concept("technology:computer-vision")],
    )
    (given,) = advice_for(taken(questionnaire, 5, 0))
    kinds = [(p.kind, p.name.text) for p in given.pointers]
    assert kinds == [
        ("call", open_now.title),
        ("call", later.title),
        ("programme", tree["programme"].name),
        ("expert", "Vision SA"),
    ]
    assert given.pointers[0].url == "/calls/now/"
    assert "Open until" in given.pointers[0].detail
    assert "Opens on" in given.pointers[1].detail


def test_an_instrument_without_a_call_is_named_with_where_to_watch(questionnaire):
    rule(instruments=[instrument("cap-ia", "Cap IA")])
    (given,) = advice_for(taken(questionnaire, 5, 0))
    (pointer,) = given.pointers
    assert (pointer.kind, pointer.name.text, pointer.url) == ("instrument", "Cap IA", "/calls/")
    assert "No call is open" in pointer.detail


def test_experts_are_those_recognised_today_that_anyone_may_see_best_matched_first(
    questionnaire,
):
    expert("Un Seul SA", "nlp")
    expert("Deux SA", "nlp", "computer-vision")
    expert("Refusé SA", "nlp", status=ExpertCompany.Status.REFUSED)
    expert("Expiré SA", "nlp", until=datetime.date(2021, 1, 1))
    expert("Autre SA", "robotics")
    # A natural person without recorded consent: staff alone see them (one rule).
    expert("Jean Dupont", "nlp", tags=["org-type:self-employed"])
    rule(technologies=[concept("technology:nlp"), concept("technology:computer-vision")])
    (given,) = advice_for(taken(questionnaire, 5, 0))
    names = [p.name.text for p in given.pointers]
    assert names == ["Deux SA", "Un Seul SA"]
    assert "Computer vision" in given.pointers[0].detail or "Vision" in given.pointers[0].detail


def test_at_most_a_few_experts_are_named(questionnaire):
    for n in range(EXPERTS_SHOWN + 2):
        expert(f"Expert {n} SA", "nlp")
    rule(technologies=[concept("technology:nlp")])
    (given,) = advice_for(taken(questionnaire, 5, 0))
    assert len(given.pointers) == EXPERTS_SHOWN


def test_a_programme_of_a_draft_strategy_is_not_pointed_to(questionnaire):
    draft = strategy_tree("next", status="draft")
    rule(programmes=[draft["programme"]])
    (given,) = advice_for(taken(questionnaire, 5, 0))
    assert given.pointers == []


def test_the_advice_reads_in_the_page_language_with_french_failing_that(questionnaire):
    rule()
    assessment = taken(questionnaire, 5, 0)
    (given,) = advice_for(assessment, language="nl")
    assert given.title.text == "Advies strategy-low" and given.title.language == "nl"
    assert given.advice.text == "Faites ceci." and given.advice.language == "fr"


def test_the_report_page_shows_the_advice_and_its_links(questionnaire):
    rule(instruments=[instrument()])
    open_now = call("now", NOW - DAY, NOW + 9 * DAY)
    assessment = taken(questionnaire, 5, 0)
    client = Client()
    client.force_login(_staff())
    page = client.get(f"/digiscore/mine/{assessment.pk}/report/").content.decode()
    assert "Conseil strategy-low" in page
    assert f'href="{open_now.get_absolute_url()}"' in page
    assert "under 51" in page or "sous 51" in page or "inférieur" in page


def _staff():
    from territoria.core.models import Role
    from tests.conftest import make_user

    return make_user("analyst", Role.STAFF)


# --- Rules as data ----------------------------------------------------------------------


def test_a_rule_must_name_a_dimension_of_its_questionnaire(questionnaire):
    bad = Recommendation(
        code="bad", questionnaire_code="tiny", dimension="nope", title="t", advice="a"
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "infra, strategy" in str(error.value)
    bad.questionnaire_code = "unknown"
    with translation.override("en"), pytest.raises(ValidationError, match="No questionnaire"):
        bad.full_clean()


def test_the_shipped_rules_load_once_and_keep_what_staff_changed():
    load_shipped()
    instrument("start-ia")
    loaded = load_rules()
    assert len(loaded.created) == 16 and loaded.kept == []
    assert any(item.startswith("digiscore-strategy: programme") for item in loaded.missing)
    strategy = Recommendation.objects.get(code="digiscore-strategy")
    assert [i.code for i in strategy.instruments.all()] == ["start-ia"]
    assert strategy.technologies.filter(notation="ai").exists()
    strategy.below = 30
    strategy.save()
    again = load_rules()
    assert again.created == [] and len(again.kept) == 16
    assert Recommendation.objects.get(code="digiscore-strategy").below == 30
    for rule_ in Recommendation.objects.all():
        rule_.full_clean()  # each names a real dimension of its questionnaire
        assert rule_.title_nl and rule_.title_de and rule_.title_en
        assert rule_.advice_nl and rule_.advice_de and rule_.advice_en


def test_a_broken_rule_file_says_where_and_loads_nothing(tmp_path):
    load_shipped()
    good = {
        "code": "ok", "questionnaire": "digiscore", "dimension": "strategy",
        "title": {"fr": "t"}, "advice": {"fr": "a"},
    }  # fmt: skip
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([good, {**good, "code": "bad", "dimension": "nope"}]))
    with pytest.raises(RuleFileError, match=r"rules.json, rule 2: dimension: "):
        load_rules(path)
    assert not Recommendation.objects.exists()
    path.write_text(json.dumps([{"code": "x"}]))
    with pytest.raises(RuleFileError, match=r"rule 1: title: expected an object of texts"):
        load_rules(path)
    path.write_text("{not json")
    with pytest.raises(RuleFileError, match="rules.json"):
        load_rules(path)
