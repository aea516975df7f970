"""The Digiscore pages as a company walks them: start, answer, stop, resume, mistype, finish,
read the report; a form that fails keeps what was typed."""

import re

import pytest
from django.test import Client

from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.maturity.models import Assessment
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.questionnaires import load_shipped, store
from tests.factories import concept, organisation
from tests.maturity.test_assessments import two_dimensions

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    return {q.code: q for q in load_shipped()}


def begin(client, code="digiscore", **data):
    fields = {f"{code}-{name}": value for name, value in data.items()}
    return client.post(f"/digiscore/start/{code}/", fields)


def test_the_home_page_offers_the_three_questionnaires_in_each_language(shipped):
    client = Client()
    page = client.get("/digiscore/").content.decode()
    for code in ("digiscore", "dma-sme", "dma-public"):
        assert f'action="/digiscore/start/{code}/"' in page
    assert shipped["digiscore"].title in page
    dutch = client.get("/digiscore/", headers={"accept-language": "nl"}).content.decode()
    assert shipped["digiscore"].title_nl in dutch


def test_a_mistyped_enterprise_number_is_refused_and_kept(shipped):
    response = begin(Client(), enterprise_number="0123.456.780", size_class="small")
    assert response.status_code == 400
    page = response.content.decode()
    assert "check digits" in page or "chiffres de contrôle" in page
    assert 'value="0123.456.780"' in page
    assert re.search(r'<option value="small" selected', page)
    assert not Assessment.objects.exists()


def test_a_company_answers_stops_resumes_and_reads_its_report(shipped):
    org = organisation("Boulangerie", "nace:C10", size_class=concept("size:small"))
    client = Client()
    response = begin(client, enterprise_number=org.enterprise_number)
    assert response.status_code == 302
    first = response["Location"]
    assert re.fullmatch(r"/digiscore/a/[\w-]+/1/", first)
    assessment = Assessment.objects.get()
    assert assessment.organisation == org and assessment.nace_section == "C"
    response = client.get(first)
    assert "no-store" in response["Cache-Control"]  # a private page: no cache keeps it
    page = response.content.decode()
    assert 'aria-current="step"' in page and "<progress" in page
    # Half a step, then "next": refused, what was ticked stays ticked.
    spec = load_shipped()[0]
    dimension = assessment.questionnaire.dimensions.first()
    questions = list(dimension.questions.all())
    single = next(q for q in questions if q.kind == "single")
    choice = single.options.last()
    response = client.post(first, {single.code: choice.code, "next": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page
    assert f'id="{single.code}_{choice.code}" checked' in page
    # Stopping keeps the answers and gives the private link back.
    response = client.post(first, {single.code: choice.code, "stop": ""})
    assert response.status_code == 200
    assert first in response.content.decode()
    assert Assessment.objects.get().answers == {single.code: choice.code}
    # A new visitor with the link (another browser) finds the answer ticked.
    page = Client().get(first).content.decode()
    assert f'id="{single.code}_{choice.code}" checked' in page
    assert spec is not None


def test_the_last_step_completes_and_shows_the_report_with_its_table():
    tiny = store(two_dimensions())
    client = Client()
    first = begin(client, "tiny")["Location"]
    second = client.post(first, {"infra-q": "4", "next": ""})["Location"]
    assert second.endswith("/2/")
    report = client.post(second, {"strategy-q": "1", "next": ""})["Location"]
    assert report.endswith("/report/")
    response = client.get(report)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "<table" in page and 'data-chart="radar"' in page
    assert "50,0" in page  # overall (80 + 20) / 2, written the French way
    assert "No closed year" in page or "Aucune année close" in page
    # Once completed, the steps lead to the report; answers no longer change.
    assert client.get(first)["Location"] == report
    assert client.post(first, {"infra-q": "0", "next": ""})["Location"] == report
    assert Assessment.objects.get().answers == {"infra-q": 4, "strategy-q": 1}
    assert tiny.assessments.count() == 1


def test_an_unfinished_report_leads_back_to_the_first_step_left_to_answer():
    tiny = store(two_dimensions())
    started = start(tiny)
    answer(started.assessment, {"infra-q": 2})
    response = Client().get(f"/digiscore/a/{started.key}/report/")
    assert response["Location"] == f"/digiscore/a/{started.key}/2/"


def test_a_wrong_key_or_step_finds_nothing():
    tiny = store(two_dimensions())
    started = start(tiny)
    client = Client()
    assert client.get(f"/digiscore/a/{started.key}x/1/").status_code == 404
    assert client.get(f"/digiscore/a/{started.key}/3/").status_code == 404
    assert client.get(f"/digiscore/a/{started.key}/0/").status_code == 404
    assert client.post("/digiscore/start/nothing/").status_code == 404


def test_the_owner_finds_its_assessments_under_its_account(client_for, users):
    tiny = store(two_dimensions())
    client = client_for("applicant")
    begin(client, "tiny")
    mine = Assessment.objects.get()
    assert mine.owner == users["applicant"]
    page = client.get("/digiscore/").content.decode()
    assert f"/digiscore/mine/{mine.pk}/1/" in page
    answer(mine, {"infra-q": 5, "strategy-q": 5})
    complete(mine)
    assert client.get(f"/digiscore/mine/{mine.pk}/report/").status_code == 200
    assert (
        client_for("other_applicant").get(f"/digiscore/mine/{mine.pk}/report/").status_code == 404
    )
    assert tiny.is_published


def test_a_second_assessment_shows_the_progress_since_the_first(client_for, users):
    store(two_dimensions())
    client = client_for("applicant")

    def take(infra, strategy):
        first = begin(client, "tiny")["Location"]
        second = client.post(first, {"infra-q": str(infra), "next": ""})["Location"]
        return client.post(second, {"strategy-q": str(strategy), "next": ""})["Location"]

    before = client.get(take(1, 2), headers={"accept-language": "en"}).content.decode()
    assert "Since your previous assessment" not in before
    report = take(4, 2)
    t0, t1 = Assessment.objects.order_by("pk")
    assert t1.follows == t0
    page = client.get(report, headers={"accept-language": "en"}).content.decode()
    assert "Since your previous assessment" in page
    # Infra 20 → 80 (+60), strategy 40 → 40, overall 30 → 60 (+30).
    assert re.search(
        r"<td class=\"num\">20.0</td><td class=\"num\">80.0</td><td class=\"num\">\+60.0</td>", page
    )
    assert re.search(
        r"<td class=\"num\">30.0</td><td class=\"num\">60.0</td><td class=\"num\">\+30.0</td>", page
    )
    # Someone else's assessment, or an anonymous one, follows nothing of theirs.
    other = client_for("other_applicant")
    first = begin(other, "tiny")["Location"]
    assert Assessment.objects.get(pk=Assessment.objects.latest("pk").pk).follows is None
    anonymous = begin(Client(), "tiny")
    assert anonymous.status_code == 302 and first
    assert Assessment.objects.latest("pk").follows is None


def test_a_number_known_to_nobody_is_taken_with_what_the_person_says(shipped):
    number = enterprise_number_from_digits(5_550_555)
    response = begin(Client(), enterprise_number=number, nace_section="J", size_class="micro")
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.enterprise_number, assessment.nace_section, assessment.size_class) == (
        number,
        "J",
        "micro",
    )
