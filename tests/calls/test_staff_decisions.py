"""Staff's decisions, as found walking the demo: the amount is read as staff write it
("45.000" is forty-five thousand euros, never 45 €), the page says what was recorded, and a
refused consensus keeps what the moderator chose."""

from decimal import Decimal

import pytest

from territoria.calls.models import Criterion
from territoria.calls.services.evaluation import assign, record_consensus, record_scores
from tests.calls.test_evaluation import jury  # noqa: F401  (the fixture)


@pytest.fixture
def ready(jury):  # noqa: F811
    call, staff = jury["call"], jury["staff"]
    assign(call, staff, jury["evaluators"])
    application = jury["applications"][0]
    criteria = list(Criterion.objects.filter(call=call).order_by("order"))
    for assignment in application.assignments.all():
        assignment.conflict = False
        assignment.save()
        record_scores(
            assignment, assignment.evaluator, {c.pk: (Decimal(4), "") for c in criteria}, "", True
        )
    record_consensus(application, staff, {c.pk: Decimal(4) for c in criteria}, "")
    return application


@pytest.mark.parametrize(
    ("typed", "language", "granted"),
    [("45.000", "fr", "45000"), ("45 000", "fr", "45000"), ("45,000", "en", "45000"),
     ("45.000,50", "nl", "45000.50"), ("45000", "de", "45000")],
)  # fmt: skip
def test_the_amount_granted_is_read_as_written(ready, client_for, typed, language, granted):
    response = client_for("staff").post(
        f"/calls/{ready.call.code}/manage/{ready.pk}/decision/",
        {"status": "selected", "amount": typed, "feedback": ""},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    ready.refresh_from_db()
    assert ready.granted_amount == Decimal(granted)
    assert ready.reference in response.content.decode()  # the page says what was recorded


def test_an_amount_that_is_no_number_is_refused_and_nothing_decided(ready, client_for):
    client_for("staff").post(
        f"/calls/{ready.call.code}/manage/{ready.pk}/decision/",
        {"status": "selected", "amount": "45.00.0", "feedback": ""},
    )
    ready.refresh_from_db()
    assert ready.status == "evaluation" and ready.granted_amount is None


def test_a_consensus_missing_a_score_keeps_what_was_typed(jury, client_for):  # noqa: F811
    # Found walking the demo: the page came back with nothing of what the moderator chose.
    call, staff = jury["call"], jury["staff"]
    assign(call, staff, jury["evaluators"])
    application = jury["applications"][0]
    need, impact = Criterion.objects.filter(call=call).order_by("order")
    response = client_for("staff").post(
        f"/calls/{call.code}/manage/{application.pk}/consensus/",
        {f"score-{need.pk}": "4.5", f"score-{impact.pk}": "", "comment": "Presque d'accord."},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<option value="4.5" selected>' in page and "Presque d&#x27;accord." in page
    assert f'href="#score-{impact.pk}"' in page  # the summary leads to the missing score
    application.refresh_from_db()
    assert application.consensus_at is None and not application.final_scores.exists()
