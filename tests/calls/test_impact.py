import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import (
    Application,
    ExpertCompany,
    Instrument,
    SurveyAnswer,
)
from territoria.calls.services.experts import apply_for_recognition, recognise
from territoria.calls.services.impact import figures, requests_per_year
from tests.calls.conftest import brussels, make_call
from tests.factories import concept, organisation


def by_key(today=None):
    return {f.key: f for f in figures(today)}


@pytest.fixture
def programme(users):
    """Five submitted requests over two years; three laureates, two of them surveyed."""
    call = make_call("c2024")
    start_ia, _ = Instrument.objects.get_or_create(
        code="start-ia", defaults={"prefix": "SIA", "name": "Start IA", "summary": "."}
    )
    other = make_call("c2025")
    other.instrument = start_ia
    other.save()
    small, large = concept("size:small"), concept("size:large")
    rows = [
        (call, "completed", small, brussels(2024, 3, 1, 10, 0)),
        (call, "selected", large, brussels(2024, 3, 2, 10, 0)),
        (call, "rejected", small, brussels(2024, 3, 3, 10, 0)),
        (other, "completed", small, brussels(2025, 3, 1, 10, 0)),
        (other, "submitted", None, brussels(2025, 3, 2, 10, 0)),
        (other, "draft", None, None),
    ]
    applications = []
    for i, (c, status, size, when) in enumerate(rows):
        org = organisation(f"Org {i}", size_class=size)
        applications.append(Application.objects.create(
            call=c, organisation=org, created_by=users["applicant"], status=status, submitted_at=when,
        ))  # fmt: skip
    for application, recommend, before, after in (
        (applications[0], True, 10_000, 30_000),
        (applications[3], False, 20_000, 30_000),
    ):
        SurveyAnswer.objects.create(
            application=application, improved_competitiveness=True, improved_quality=recommend,
            would_recommend=recommend, reached_production=False, investment_before=Decimal(before),
            investment_after=Decimal(after), jobs_created=2,
        )  # fmt: skip
    return applications


def test_figures_computed_live_with_their_basis(programme):
    figures_ = by_key()
    assert figures_["requests"].value == 5  # drafts are not requests
    assert figures_["organisations"].value == 3
    assert figures_["smes"].value == Decimal(67) and figures_["smes"].basis == 3  # 2 of 3
    assert figures_["laureates-tremplin-ia"].value == 2
    assert figures_["laureates-start-ia"].value == 1
    # Two answers, in two calls: too few to show without revealing someone's answer.
    assert figures_["recommend"].value is None and figures_["recommend"].basis == 0
    assert figures_["jobs"].value == 0


def test_survey_figures_rest_only_on_calls_with_enough_answers(programme, users):
    call = programme[0].call
    for i in range(4):  # with the first laureate's answer, five answers in this call
        application = Application.objects.create(
            call=call, organisation=organisation(f"Surveyed {i}"), created_by=users["applicant"],
            status="completed", submitted_at=brussels(2024, 4, 1 + i, 10, 0),
        )  # fmt: skip
        SurveyAnswer.objects.create(
            application=application, improved_competitiveness=True, improved_quality=True,
            would_recommend=i < 3, reached_production=False, investment_before=Decimal(10_000),
            investment_after=Decimal(20_000), jobs_created=1,
        )  # fmt: skip
    figures_ = by_key()
    # The other call's single answer stays out, as in the programme-impact dataset.
    assert figures_["recommend"].basis == 5
    assert figures_["recommend"].value == Decimal(80)  # 4 of 5
    assert figures_["competitiveness"].value == Decimal(100)
    assert figures_["investment"].value == Decimal("2.2")  # 110,000 after for 50,000 before
    assert figures_["jobs"].value == 6


def test_requests_per_year_with_growth(programme):
    years = requests_per_year()
    assert [(y.year, y.requests, y.growth) for y in years] == [
        (2024, 3, None),
        (2025, 2, Decimal(-33)),
    ]


def test_without_data_the_shares_are_empty_not_zero(db):
    figures_ = by_key()
    assert figures_["recommend"].value is None and figures_["recommend"].basis == 0
    assert figures_["investment"].value is None


def test_recognised_experts_count_while_their_recognition_runs(users):
    org = organisation("Expert SRL")
    Affiliation.objects.create(user=users["expert"], organisation=org)
    expert = apply_for_recognition(org, users["expert"], "Computer vision.", "", "fr, en")
    assert by_key()["experts"].value == 0
    recognise(expert, users["staff"], years=3, start=datetime.date(2024, 2, 29))
    expert.refresh_from_db()
    assert expert.recognised_until == datetime.date(2027, 2, 28)
    assert by_key(datetime.date(2025, 1, 1))["experts"].value == 1
    assert by_key(datetime.date(2027, 3, 1))["experts"].value == 0


def test_pages(programme, client_for, users):
    page = client_for("anonymous").get("/calls/impact/").content.decode()
    assert 'id="figure-requests"' in page and "2024" in page
    completed = programme[3]
    Affiliation.objects.create(user=users["applicant"], organisation=programme[0].organisation)
    client = client_for("applicant")
    first = programme[0]
    assert (
        client.get(f"/calls/applications/{first.pk}/survey/").status_code == 302
    )  # answered already
    SurveyAnswer.objects.filter(application=first).delete()
    bad = client.post(f"/calls/applications/{first.pk}/survey/", {"investment_before": "-1"})
    assert bad.status_code == 400
    good = client.post(f"/calls/applications/{first.pk}/survey/", {
        "improved_competitiveness": "on", "would_recommend": "on", "investment_before": "1000",
        "investment_after": "2400", "jobs_created": "1",
    })  # fmt: skip
    assert good.status_code == 302 and SurveyAnswer.objects.filter(application=first).exists()
    assert (
        client.get(f"/calls/applications/{completed.pk}/survey/").status_code == 404
    )  # not theirs
    selected = programme[1]
    Affiliation.objects.create(user=users["applicant"], organisation=selected.organisation)
    assert (
        client.get(f"/calls/applications/{selected.pk}/survey/").status_code == 403
    )  # not completed


def test_an_expert_applies_and_appears_once_recognised(client_for, users):
    org = organisation("Vision SRL", "technology:ai")
    Affiliation.objects.create(user=users["expert"], organisation=org)
    client = client_for("expert")
    response = client.post(
        "/calls/experts/apply/",
        {
            "organisation": org.pk,
            "offer": "Vision.",
            "languages": "fr",
            "technologies": [concept("technology:ai").pk],
            "regions": [concept("territory:BE-WNA").pk],
        },  # fmt: skip
    )
    assert response.status_code == 302
    expert = ExpertCompany.objects.get()
    assert [c.code for c in expert.technologies.all()] == ["technology:ai"]
    assert [c.code for c in expert.regions.all()] == ["territory:BE-WNA"]
    assert "Vision SRL" not in client.get("/calls/experts/").content.decode()
    recognise(expert, users["staff"])
    assert "Vision SRL" in client_for("anonymous").get("/calls/experts/").content.decode()
    assert client_for("applicant").get("/calls/experts/apply/").status_code == 403
    assert timezone.localdate() <= ExpertCompany.objects.get().recognised_until
