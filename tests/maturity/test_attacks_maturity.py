"""Attacks on the Digiscore: forged and oversized posts, odd keys and numbers in the
addresses, other people's assessments, peer groups that give one company away, and
questionnaire files that are not what they say.

Each test states a rule the feature keeps. Those marked `xfail(strict=True)` are findings:
they fail on the current code and pass once it is fixed (then drop the mark).
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from territoria.accounts.models import Affiliation
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import Profile
from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.maturity.definition import DefinitionError, parse
from territoria.maturity.models import Assessment, BarometerYear, Benchmark, Questionnaire
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.barometer import publications
from territoria.maturity.services.peers import peer_group
from territoria.maturity.services.questionnaires import (
    QuestionnaireError,
    import_file,
    read_file,
    store,
)
from tests.factories import concept, organisation
from tests.maturity.companies import LAST_YEAR, SMALL_C, counted, in_year, linked_company
from tests.maturity.test_definition import MINIMAL

pytestmark = pytest.mark.django_db

TEXT = {"fr": "x"}


# --- Questionnaires used here -------------------------------------------------------------


def document(code="tiny", version=1, dimensions=("infra", "strategy")):
    """`two_dimensions`' document (one 0–5 scale per dimension), with any dimensions."""
    return {
        "format": "territoria-questionnaire/1",
        "code": code,
        "version": version,
        "audience": "company",
        "title": {"fr": "Petit"},
        "levels": [{"code": "all", "label": TEXT, "from": 0, "to": 100}],
        "dimensions": [
            {
                "code": name,
                "label": {"fr": name.capitalize(), "en": name.capitalize()},
                "questions": [
                    {"code": f"{name}-q", "type": "scale", "text": TEXT, "low": TEXT, "high": TEXT}
                ],
            }
            for name in dimensions
        ],
    }


def every_kind():
    """A first step with a question of each kind, a second with one scale."""
    return parse(
        {
            "format": "territoria-questionnaire/1",
            "code": "kinds",
            "version": 1,
            "audience": "company",
            "title": {"fr": "Tous"},
            "levels": [{"code": "all", "label": TEXT, "from": 0, "to": 100}],
            "dimensions": [
                {
                    "code": "first",
                    "label": TEXT,
                    "questions": [
                        {
                            "code": "pick",
                            "type": "single",
                            "text": TEXT,
                            "choices": [
                                {"code": "a", "label": TEXT, "score": 0},
                                {"code": "b", "label": TEXT, "score": 100},
                            ],
                        },
                        {
                            "code": "tick",
                            "type": "checklist",
                            "text": TEXT,
                            "choices": [
                                {"code": "crm", "label": TEXT, "points": 1},
                                {"code": "erp", "label": TEXT, "points": 1},
                                {"code": "none", "label": TEXT, "exclusive": True},
                            ],
                        },
                        {"code": "level", "type": "scale", "text": TEXT, "low": TEXT, "high": TEXT},
                        {
                            "code": "rows",
                            "type": "grid",
                            "text": TEXT,
                            "rows": [
                                {"code": "web", "label": TEXT},
                                {"code": "mail", "label": TEXT},
                                {"code": "cloud", "label": TEXT},
                            ],
                        },
                    ],
                },
                {
                    "code": "second",
                    "label": TEXT,
                    "questions": [
                        {"code": "last", "type": "scale", "text": TEXT, "low": TEXT, "high": TEXT}
                    ],
                },
            ],
        }
    )


@pytest.fixture
def tiny():
    """`two_dimensions` with its dimensions labelled Infra and Strategy."""
    return store(parse(document()))


@pytest.fixture
def kinds():
    return store(every_kind())


def browser() -> Client:
    """A browser: what the server answers, 500 included, rather than the exception."""
    return Client(raise_request_exception=False)


def taken(questionnaire, infra, strategy, number="", profile=None, **kwargs):
    started = start(questionnaire, number, profile=profile, **kwargs)
    assert answer(started.assessment, {"infra-q": infra, "strategy-q": strategy}) == {}
    return complete(started.assessment)


def stored_answers(assessment):
    return Assessment.objects.get(pk=assessment.pk).answers


# --- Posting to a step: forged, doubled, oversized, undecodable ---------------------------


@pytest.mark.parametrize("value", ["²", "①", "9" * 5000], ids=["superscript", "circled", "5000"])
def test_a_scale_posted_as_a_digit_look_alike_or_too_long_is_refused_naming_it(tiny, value):
    started = start(tiny)
    response = browser().post(f"/digiscore/a/{started.key}/1/", {"infra-q": value, "next": ""})
    assert response.status_code == 400
    assert 'id="error-infra-q"' in response.content.decode()
    assert stored_answers(started.assessment) == {}


@pytest.mark.parametrize("value", [str(10**100), "-1", "3.0", " 3", "0x3", "5\x00", "\ufeff3"])
def test_a_scale_out_of_range_or_not_a_whole_number_is_refused_naming_it(tiny, value):
    started = start(tiny)
    response = browser().post(f"/digiscore/a/{started.key}/1/", {"infra-q": value, "next": ""})
    assert response.status_code == 400
    assert 'id="error-infra-q"' in response.content.decode()
    assert stored_answers(started.assessment) == {}


def test_forged_field_names_answer_nothing_outside_the_step(kinds):
    started = start(kinds)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        {
            "last": "5",  # a question of step 2
            "nothing": "1",
            "rows.attic": "yes",  # a row the grid does not have
            "pick.shown": "1",
            "tick.shown": "1",
            "stop": "",
        },
    )
    assert response.status_code == 400  # "tick" posted empty though it has "none of these"
    assert stored_answers(started.assessment) == {}


def test_a_list_where_one_value_is_expected_stores_one_value_or_nothing(kinds):
    started = start(kinds)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        {"pick": ["a", "b"], "level": ["1", "5"], "rows.web": ["yes", "no"], "stop": ""},
    )
    assert response.status_code in (200, 400)
    saved = stored_answers(started.assessment)
    assert saved.get("pick") in (None, "a", "b")
    assert saved.get("level") in (None, 1, 5)
    assert all(not isinstance(value, list) for key, value in saved.items() if key != "tick")


def test_a_checklist_with_unknown_or_combined_exclusive_items_is_refused(kinds):
    started = start(kinds)
    client = browser()
    url = f"/digiscore/a/{started.key}/1/"
    for ticked in (["crm", "nothing"], ["crm", "none"], ["crm\x00"]):
        response = client.post(url, {"tick": ticked, "tick.shown": "1", "stop": ""})
        assert response.status_code == 400
        assert 'id="error-tick"' in response.content.decode()
    assert "tick" not in stored_answers(started.assessment)


def test_a_ten_megabyte_field_is_refused_without_error_500(tiny):
    started = start(tiny)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/", {"infra-q": "5" * 10_000_000, "next": ""}
    )
    assert response.status_code == 400
    assert stored_answers(started.assessment) == {}


def test_a_hundred_thousand_checkbox_values_are_refused_without_error_500(kinds):
    started = start(kinds)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/", {"tick": ["crm"] * 100_000, "tick.shown": "1"}
    )
    assert response.status_code == 400
    assert stored_answers(started.assessment) == {}


def test_bytes_that_are_not_utf8_are_refused_without_error_500(tiny):
    started = start(tiny)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        b"infra-q=%FF%FE&next=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert stored_answers(started.assessment) == {}
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        b"infra-q=\xff\x00&next=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert stored_answers(started.assessment) == {}


def test_nul_bytes_in_the_start_form_are_refused_and_kept(tiny):
    response = browser().post(
        "/digiscore/start/tiny/", {"tiny-enterprise_number": "0400.000.0\x0097"}
    )
    assert response.status_code == 400
    response = browser().post("/digiscore/start/tiny/", {"tiny-enterprise_number": "9" * 10_000})
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_a_half_answered_grid_keeps_the_rows_picked_when_the_step_is_refused(kinds):
    started = start(kinds)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        {"pick": "b", "rows.web": "yes", "rows.mail": "partly", "next": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-rows"' in page
    assert 'id="pick_b" checked' in page
    assert re.search(r'id="rows_web_yes"[^>]* checked', page)
    assert re.search(r'id="rows_mail_partly"[^>]* checked', page)


def test_a_refused_answer_is_shown_as_typed_and_the_others_are_kept(kinds):
    started = start(kinds)
    response = browser().post(
        f"/digiscore/a/{started.key}/1/",
        {"pick": "b", "tick": ["crm", "none"], "tick.shown": "1", "level": "2", "next": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="tick_crm" checked' in page and 'id="tick_none" checked' in page
    assert 'id="level_2" checked' in page
    assert stored_answers(started.assessment) == {"pick": "b", "level": 2}


@pytest.mark.parametrize("both", [True, False], ids=["stop-and-next", "stop"])
def test_stop_and_next_together_save_and_never_complete_with_a_gap(tiny, both):
    started = start(tiny)
    client = browser()
    buttons = {"stop": "", "next": ""} if both else {"stop": ""}
    response = client.post(f"/digiscore/a/{started.key}/2/", {"strategy-q": "1", **buttons})
    assert response.status_code == 200
    assessment = Assessment.objects.get(pk=started.assessment.pk)
    assert assessment.answers == {"strategy-q": 1} and not assessment.is_completed


# --- Addresses: keys, steps and numbers ----------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    ["-1/", "0/", "00/", "3/", "99999999999999999999/", "1.0/", "１/", "+1/", "report/x/"],
)
def test_a_step_out_of_range_or_not_a_number_finds_nothing(tiny, tail):
    started = start(tiny)
    client = browser()
    assert client.get(f"/digiscore/a/{started.key}/{tail}").status_code == 404
    assert client.post(f"/digiscore/a/{started.key}/{tail}", {"infra-q": "1"}).status_code == 404
    assert stored_answers(started.assessment) == {}


@pytest.mark.parametrize(
    "key",
    [
        "x" * 10_000,
        "%2F..%2F",
        "a%2Fb",
        "%00",
        "%FF%FE",
        "%E9t%C3%A9",
        "..",
        "key%20with%20spaces",
    ],
)
def test_an_odd_key_finds_nothing(tiny, key):
    start(tiny)
    client = browser()
    for tail in ("1/", "report/"):
        assert client.get(f"/digiscore/a/{key}/{tail}").status_code == 404
        assert client.post(f"/digiscore/a/{key}/{tail}", {"infra-q": "1"}).status_code in (
            404,
            405,
        )


def test_the_key_of_one_assessment_with_a_slash_or_a_case_change_opens_nothing(tiny):
    started = start(tiny)
    client = browser()
    assert client.get(f"/digiscore/a/{started.key}/1/").status_code == 200
    assert client.get(f"/digiscore/a/{started.key.swapcase()}/1/").status_code == 404
    assert client.get(f"/digiscore/a/{started.key}%2F/1/").status_code == 404
    assert client.get(f"/digiscore/a/{started.key[:-1]}/1/").status_code == 404


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808", "2147483648"])
def test_a_huge_assessment_number_finds_nothing(client_for, tiny, pk):
    client = client_for("applicant")
    client.raise_request_exception = False
    assert client.get(f"/digiscore/mine/{pk}/1/").status_code == 404
    assert client.get(f"/digiscore/mine/{pk}/report/").status_code == 404
    assert client.post(f"/digiscore/mine/{pk}/1/", {"infra-q": "1"}).status_code == 404


def test_another_users_assessment_by_number_is_hidden_and_unchanged(client_for, users, tiny):
    mine = start(tiny, owner=users["applicant"]).assessment
    done = taken(tiny, 1, 1, owner=users["applicant"])
    for role in ("other_applicant", "evaluator", "expert"):
        client = client_for(role)
        assert client.get(f"/digiscore/mine/{mine.pk}/1/").status_code == 404
        assert client.post(f"/digiscore/mine/{mine.pk}/1/", {"infra-q": "5"}).status_code == 404
        assert client.get(f"/digiscore/mine/{mine.pk}/report/").status_code == 404
        assert client.get(f"/digiscore/mine/{done.pk}/report/").status_code == 404
    anonymous = client_for("anonymous")
    response = anonymous.post(f"/digiscore/mine/{mine.pk}/1/", {"infra-q": "5"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert stored_answers(mine) == {}


def test_staff_read_an_assessment_by_number_but_never_answer_it(client_for, users, tiny):
    mine = start(tiny, owner=users["applicant"]).assessment
    done = taken(tiny, 1, 1, owner=users["applicant"])
    staff = client_for("staff")
    assert staff.post(f"/digiscore/mine/{mine.pk}/1/", {"infra-q": "5"}).status_code == 403
    assert (
        staff.post(f"/digiscore/mine/{mine.pk}/1/", {"infra-q": "5", "stop": ""}).status_code == 403
    )
    assert staff.get(f"/digiscore/mine/{done.pk}/report/").status_code == 200
    assert stored_answers(mine) == {}


def test_staff_cannot_answer_for_a_company_by_starting_in_its_name(client_for, users, tiny):
    company = organisation("Client SA", "nace:C10", size_class=concept("size:small"))
    staff = client_for("staff")
    staff.raise_request_exception = False
    response = staff.post(
        "/digiscore/start/tiny/", {"tiny-enterprise_number": company.enterprise_number}
    )
    assert not Assessment.objects.filter(enterprise_number=company.enterprise_number).exists()
    assert response.status_code in (400, 403)


# --- A completed assessment, two browsers, a new version ----------------------------------


def test_a_completed_assessment_never_changes_whatever_is_posted(client_for, users, tiny):
    started = start(tiny, owner=users["applicant"])
    answer(started.assessment, {"infra-q": 4, "strategy-q": 1})
    done = complete(started.assessment)
    before = Assessment.objects.get(pk=done.pk)
    owner = client_for("applicant")
    for url in (f"/digiscore/a/{started.key}/1/", f"/digiscore/mine/{done.pk}/2/"):
        for data in ({"infra-q": "0", "next": ""}, {"strategy-q": "5", "stop": ""}, {}):
            response = owner.post(url, data)
            assert response.status_code == 302 and response["Location"].endswith("/report/")
    after = Assessment.objects.get(pk=done.pk)
    assert (after.answers, after.scores, after.overall, after.completed_at) == (
        before.answers,
        before.scores,
        before.overall,
        before.completed_at,
    )
    assert after.dimension_scores.count() == 2


def test_two_browsers_answering_one_assessment_each_keep_their_answers(tiny):
    started = start(tiny)
    first, second = browser(), browser()
    first.get(f"/digiscore/a/{started.key}/1/")
    second.get(f"/digiscore/a/{started.key}/2/")
    assert (
        first.post(f"/digiscore/a/{started.key}/1/", {"infra-q": "2", "next": ""}).status_code
        == 302
    )
    response = second.post(f"/digiscore/a/{started.key}/2/", {"strategy-q": "3", "next": ""})
    assert response.status_code == 302 and response["Location"].endswith("/report/")
    # The first browser, late, posts its step again: the assessment is completed.
    late = first.post(f"/digiscore/a/{started.key}/1/", {"infra-q": "5", "next": ""})
    assert late.status_code == 302 and late["Location"].endswith("/report/")
    assert stored_answers(started.assessment) == {"infra-q": 2, "strategy-q": 3}


def test_an_assessment_begun_on_one_version_finishes_on_it_when_a_new_one_is_published(tiny):
    started = start(tiny)
    client = browser()
    assert (
        client.post(f"/digiscore/a/{started.key}/1/", {"infra-q": "5", "next": ""}).status_code
        == 302
    )
    newer = store(parse(document(version=2, dimensions=("data", "people", "infra"))))
    with pytest.raises(QuestionnaireError):
        store(parse(document()))  # version 1 is published: never replaced
    response = client.post(f"/digiscore/a/{started.key}/2/", {"strategy-q": "0", "next": ""})
    assert response["Location"].endswith("/report/")
    done = Assessment.objects.get(pk=started.assessment.pk)
    assert done.questionnaire == tiny and done.scores == {"infra": 100.0, "strategy": 0.0}
    assert client.get(response["Location"]).status_code == 200
    # Someone starting now takes version 2.
    fresh = client.post("/digiscore/start/tiny/", {})
    assert Assessment.objects.get(pk=Assessment.objects.latest("pk").pk).questionnaire == newer
    assert fresh.status_code == 302


def test_a_question_coded_like_a_button_is_refused_or_still_goes_on():
    doc = document(dimensions=("infra", "strategy"))
    doc["dimensions"][0]["questions"][0]["code"] = "stop"
    try:
        questionnaire = store(parse(doc))
    except DefinitionError as refusal:
        assert "stop" in str(refusal)
        return
    started = start(questionnaire)
    response = browser().post(f"/digiscore/a/{started.key}/1/", {"stop": "3", "next": ""})
    assert response.status_code == 302 and response["Location"].endswith("/2/")


def test_every_input_of_a_step_has_an_id_of_its_own():
    doc = document(dimensions=("infra",))
    doc["dimensions"][0]["questions"] = [
        {
            "code": "tools",
            "type": "checklist",
            "text": TEXT,
            "choices": [
                {"code": "crm-cloud", "label": TEXT, "points": 1},
                {"code": "erp", "label": TEXT, "points": 1},
            ],
        },
        {
            "code": "tools-crm",
            "type": "single",
            "text": TEXT,
            "choices": [
                {"code": "cloud", "label": TEXT, "score": 100},
                {"code": "local", "label": TEXT, "score": 0},
            ],
        },
    ]
    try:
        questionnaire = store(parse(doc))
    except DefinitionError as refusal:  # refusing such codes is a fix too
        assert "tools" in str(refusal)
        return
    started = start(questionnaire)
    page = browser().get(f"/digiscore/a/{started.key}/1/").content.decode()
    ids = re.findall(r'<input [^>]*\bid="([^"]+)"', page)
    assert len(ids) == 4 and len(set(ids)) == len(ids), ids


# --- Starting with someone else's enterprise number ---------------------------------------


def peers_of_section_c_small(questionnaire, count=MINIMUM_GROUP):
    for _ in range(count):
        counted(questionnaire, 3, 3, profile=SMALL_C)


def take_by_browser(client, key):
    client.post(f"/digiscore/a/{key}/1/", {"infra-q": "2", "next": ""})
    return client.post(f"/digiscore/a/{key}/2/", {"strategy-q": "2", "next": ""})


@pytest.mark.parametrize("kind", ["natural-person", "struck-off"])
def test_an_organisation_the_directory_hides_gives_nothing_away_on_the_report(tiny, kind):
    if kind == "natural-person":
        hidden = organisation(
            "Jean Dupont", "org-type:self-employed", "nace:C10", size_class=concept("size:small")
        )
    else:
        hidden = organisation(
            "Ancienne SA",
            "nace:C10",
            size_class=concept("size:small"),
            struck_off_on=datetime.date(2020, 1, 1),
        )
    assert browser().get(f"/ecosystem/organisations/{hidden.pk}/").status_code == 404
    peers_of_section_c_small(tiny)
    client = browser()
    response = client.post(
        "/digiscore/start/tiny/",
        {
            "tiny-enterprise_number": hidden.enterprise_number,
            "tiny-nace_section": "J",
            "tiny-size_class": "micro",
        },
    )
    key = response["Location"].split("/")[3]
    report = take_by_browser(client, key)["Location"]
    page = client.get(report, headers={"accept-language": "en"}).content.decode()
    assert "Your results" in page
    assert "NACE section C" not in page and "(small)" not in page


def test_a_public_organisation_number_shows_only_what_the_directory_shows(tiny):
    company = organisation("Boulangerie SA", "nace:C10", size_class=concept("size:small"))
    assert browser().get(f"/ecosystem/organisations/{company.pk}/").status_code == 200
    peers_of_section_c_small(tiny)
    client = browser()
    response = client.post(
        "/digiscore/start/tiny/", {"tiny-enterprise_number": company.enterprise_number}
    )
    report = take_by_browser(client, response["Location"].split("/")[3])["Location"]
    page = client.get(report, headers={"accept-language": "en"}).content.decode()
    assert "NACE section C" in page
    assert company.name not in page and company.enterprise_number not in page


def test_a_stranger_typing_a_company_number_does_not_replace_its_assessment(users, tiny):
    company = organisation("Atelier SA", "nace:C10", size_class=concept("size:small"))
    Affiliation.objects.create(user=users["applicant"], organisation=company)
    own = taken(tiny, 5, 5, company.enterprise_number, owner=users["applicant"])
    taken(tiny, 0, 0, company.enterprise_number)  # anonymous, the same number
    taken(tiny, 0, 0, company.enterprise_number, owner=users["other_applicant"])
    assert Assessment.objects.get(pk=own.pk).is_latest


# --- Peers and the barometer: who counts, and subtraction ---------------------------------


def everyone_of(year=LAST_YEAR):
    publications("tiny")
    return Benchmark.objects.get(
        publication__questionnaire_code="tiny",
        publication__year=year,
        nace_section=None,
        size_class=None,
        province=None,
        dimension="infra",
    )


def test_t0_and_t1_of_one_company_count_once_in_a_group_of_five(tiny):
    company = linked_company()
    counted(tiny, 0, 0, company=company)
    counted(tiny, 5, 5, company=company)  # T1, the same year
    for _ in range(MINIMUM_GROUP - 2):
        counted(tiny, 1, 1)
    me = taken(tiny, 2, 2, profile=SMALL_C)
    assert peer_group(me) is None  # 4 companies: T0 and T1 are one
    BarometerYear.objects.all().delete()  # as if the year had not been published yet
    counted(tiny, 1, 1)
    group = peer_group(me)
    assert group.respondents == MINIMUM_GROUP and group.scope == "section-size"
    # T1 (100) counts, T0 (0) does not: (100 + 4 × 20) / 5
    assert group.dimensions["infra"] == Decimal("36.0")


def test_assessments_from_no_linked_account_never_make_up_a_group(users, tiny):
    for _ in range(MINIMUM_GROUP - 1):
        counted(tiny, 1, 1)
    with in_year(LAST_YEAR):
        taken(tiny, 5, 5, profile=SMALL_C)  # anonymous
        taken(tiny, 5, 5, profile=SMALL_C, owner=users["applicant"])  # no number
        number = enterprise_number_from_digits(2_718_281)
        taken(tiny, 5, 5, number, profile=SMALL_C, owner=users["applicant"])  # not linked
    assert peer_group(taken(tiny, 2, 2, profile=SMALL_C)) is None


def test_an_account_counts_once_whether_it_gave_its_number_or_not(tiny):
    company = linked_company()
    counted(tiny, 5, 5, company=company)
    with in_year(LAST_YEAR):
        taken(tiny, 5, 5, profile=SMALL_C, owner=company.user)
    for _ in range(MINIMUM_GROUP - 1):
        counted(tiny, 0, 0)
    assert everyone_of().respondents == MINIMUM_GROUP


def test_a_dimension_mean_never_stands_for_fewer_than_five_respondents(tiny):
    for _ in range(MINIMUM_GROUP):
        counted(tiny, 1, 1)
    newer = store(parse(document(version=2, dimensions=("infra", "strategy", "data"))))
    company = linked_company()
    with in_year(LAST_YEAR):
        started = start(newer, company.number, owner=company.user, profile=SMALL_C)
        answer(started.assessment, {"infra-q": 1, "strategy-q": 1, "data-q": 5})
        complete(started.assessment)  # the one company whose "data" score is 100
    group = peer_group(taken(tiny, 0, 0, profile=SMALL_C))
    assert group.respondents == MINIMUM_GROUP
    assert "data" not in group.dimensions and "infra" in group.dimensions


def read_mean(client, report_url):
    """What a report shows: the peers' count and each dimension's peer mean (English)."""
    page = client.get(report_url, headers={"accept-language": "en"}).content.decode()
    count = re.search(r"with (?:all )?(\d+) (?:organisations|respondents)", page)
    cells = re.findall(
        r'<th scope="row">(\w+)</th><td class="num">[\d.,]+</td><td class="num">([\d.,]+)</td>',
        page,
    )
    if count is None:
        return None
    return int(count.group(1)), {label: float(mean) for label, mean in cells}


def take_with(client, section, size, infra, strategy):
    response = client.post(
        "/digiscore/start/tiny/", {"tiny-nace_section": section, "tiny-size_class": size}
    )
    key = response["Location"].split("/")[3]
    client.post(f"/digiscore/a/{key}/1/", {"infra-q": str(infra), "next": ""})
    return client.post(f"/digiscore/a/{key}/2/", {"strategy-q": str(strategy), "next": ""})[
        "Location"
    ]


def test_two_nested_groups_never_differ_by_one_company(tiny):
    for _ in range(MINIMUM_GROUP):
        counted(tiny, 0, 0, profile=SMALL_C)
    counted(tiny, 5, 2, profile=Profile("C", "medium", ""))  # the target: 100 and 40
    client = browser()
    # Alone of its size, the visitor's C/medium report would compare with section C: the
    # five and the target; its C/small report with the five alone.
    wide = read_mean(client, take_with(client, "C", "medium", 0, 0))
    narrow = read_mean(client, take_with(client, "C", "small", 0, 0))
    assert wide is not None and narrow is not None  # everyone (6) is shown to both
    (n_wide, wide_means), (n_narrow, narrow_means) = wide, narrow
    derived = n_wide * wide_means["Infra"] - n_narrow * narrow_means["Infra"]
    assert abs(derived - 100) > 5, f"the target's infra score read as {derived:.1f}"


def test_a_report_read_twice_never_gives_away_the_one_company_that_joined(tiny):
    for _ in range(MINIMUM_GROUP):
        counted(tiny, 0, 0, profile=SMALL_C)
    client = browser()
    report = take_with(client, "C", "small", 0, 0)
    before = read_mean(client, report)
    counted(tiny, 5, 2, profile=SMALL_C, year=LAST_YEAR + 1)  # the target joins
    after = read_mean(client, report)
    assert before is not None and after is not None
    derived = after[0] * after[1]["Infra"] - before[0] * before[1]["Infra"]
    assert abs(derived - 100) > 5, f"the newcomer's infra score read as {derived:.1f}"


def test_one_visitor_cannot_make_up_the_others_of_a_group_of_five(tiny):
    counted(tiny, 5, 2, profile=Profile("C", "medium", ""))  # the target, alone of its kind
    client = browser()
    with in_year(LAST_YEAR):
        for _ in range(MINIMUM_GROUP - 1):
            take_with(client, "C", "medium", 0, 0)
    assert read_mean(client, take_with(client, "C", "medium", 0, 0)) is None


# --- Questionnaire files -------------------------------------------------------------------


def write(tmp_path, content, name="q.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("brackets", ["[", '{"a":'])
def test_a_deeply_nested_file_is_refused_naming_it(tmp_path, brackets):
    path = write(tmp_path, brackets * 200_000)
    with pytest.raises(QuestionnaireError, match=r"q\.json"):
        read_file(path)


def test_a_key_given_twice_is_refused_naming_the_place(tmp_path):
    text = json.dumps(MINIMAL).replace('"score": 0', '"score": 100, "score": 0', 1)
    assert text.count('"score"') == 3
    assert parse(json.loads(text))  # the last one read, the document is whole
    with pytest.raises(QuestionnaireError, match=r"q\.json.*score"):
        read_file(write(tmp_path, text))
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize(
    ("token", "where"),
    [
        ("NaN", "choices[1].score"),
        ("Infinity", "choices[1].score"),
        ("-Infinity", "choices[1].score"),
        ('"100"', "choices[1].score"),
        ("1e400", "choices[1].score"),
    ],
)
def test_a_score_that_is_not_a_finite_number_is_refused_naming_the_place(tmp_path, token, where):
    text = json.dumps(MINIMAL).replace('"score": 100', f'"score": {token}', 1)
    with pytest.raises(QuestionnaireError, match=re.escape(where)) as raised:
        read_file(write(tmp_path, text))
    assert "q.json" in str(raised.value)


@pytest.mark.parametrize(
    "weight", ["NaN", "Infinity", "-1", "0", "1e-400", '"2"', "true", "100.0000001"]
)
def test_a_weight_that_is_not_a_finite_positive_number_is_refused(tmp_path, weight):
    doc = copy.deepcopy(MINIMAL)
    doc["dimensions"][0]["questions"][0]["weight"] = "__W__"
    text = json.dumps(doc).replace('"__W__"', weight)
    with pytest.raises(QuestionnaireError, match=r"q\.json: .*questions\[0\]\.weight"):
        read_file(write(tmp_path, text))


@pytest.mark.parametrize("version", ["1.0", '"1"', "true", "-1", "NaN", "1.5"])
def test_a_version_that_is_not_a_whole_number_is_refused(tmp_path, version):
    text = json.dumps(MINIMAL).replace('"version": 1', f'"version": {version}', 1)
    with pytest.raises(QuestionnaireError, match=r"q\.json: version"):
        read_file(write(tmp_path, text))


@pytest.mark.parametrize("version", [2**31, 2**63, 10**100])
def test_a_version_too_large_for_the_database_is_refused_naming_the_place(tmp_path, version):
    text = json.dumps({**MINIMAL, "version": version})
    with pytest.raises(QuestionnaireError, match=r"q\.json: version"):
        import_file(write(tmp_path, text))
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(title={"fr": "T" * 201}), "title.fr"),
        (lambda d: d["levels"][0].update(label={"fr": "L" * 81}), "levels[0].label.fr"),
        (
            lambda d: d["dimensions"][0].update(label={"fr": "D" * 121}),
            "dimensions[0].label.fr",
        ),
        (
            lambda d: d["dimensions"][0]["questions"][0]["choices"][0].update(
                label={"fr": "O" * 201}
            ),
            "dimensions[0].questions[0].choices[0].label.fr",
        ),
    ],
    ids=["title", "level", "dimension", "option"],
)
def test_a_text_longer_than_its_column_is_refused_naming_the_place(tmp_path, change, where):
    doc = copy.deepcopy(MINIMAL)
    change(doc)
    path = write(tmp_path, json.dumps(doc))
    with pytest.raises(QuestionnaireError, match=re.escape(where)) as raised:
        import_file(path)
    assert "q.json" in str(raised.value)
    assert not Questionnaire.objects.exists()


def test_a_file_with_a_byte_order_mark_is_read_or_refused_naming_it(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(MINIMAL).encode())
    try:
        definition = read_file(path)
    except QuestionnaireError as refusal:
        assert "q.json" in str(refusal)
    else:
        assert definition == parse(MINIMAL)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 10, b'{"format": "territoria-questionnaire/1\x00"}', b"\xc3\x28", b"null"],
    ids=["empty", "nul", "nul-in-string", "bad-utf8", "null"],
)
def test_a_file_that_is_not_a_questionnaire_is_refused_naming_it(tmp_path, content):
    with pytest.raises(QuestionnaireError, match=r"q\.json"):
        read_file(write(tmp_path, content))


def test_a_published_version_is_never_overwritten_by_a_file_or_a_draft(tmp_path):
    path = write(tmp_path, json.dumps(MINIMAL))
    first = import_file(path)
    changed = copy.deepcopy(MINIMAL)
    changed["title"] = {"fr": "Autre"}
    for publish in (True, False):
        with pytest.raises(QuestionnaireError, match="next version"):
            import_file(write(tmp_path, json.dumps(changed), "other.json"), publish=publish)
    assert Questionnaire.objects.get().pk == first.pk
    assert Questionnaire.objects.get().title == "Mini"


def test_more_choices_than_a_position_holds_are_refused_naming_the_place(tmp_path):
    doc = copy.deepcopy(MINIMAL)
    doc["dimensions"][0]["questions"][0]["choices"] = [
        {"code": f"c{n}", "label": {"fr": "c"}, "score": 1} for n in range(32_770)
    ]
    path = write(tmp_path, json.dumps(doc))
    with pytest.raises(QuestionnaireError, match=re.escape("questions[0].choices")):
        import_file(path)
    assert not Questionnaire.objects.exists()
