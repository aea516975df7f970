"""Staff keep the questionnaires in the back office: the next version as a draft, edited,
published once it reads whole; a published or answered version read-only; any version
downloaded as its JSON document."""

import json

import pytest

from territoria.core.models import AuditEntry
from territoria.maturity.definition import parse
from territoria.maturity.models import Level, Option, Question, Questionnaire
from territoria.maturity.services.assessments import start
from territoria.maturity.services.questionnaires import load_shipped, store
from tests.maturity.test_assessments import two_dimensions

pytestmark = pytest.mark.django_db

ACTION = "/admin/maturity/questionnaire/"


def act(client, action, *questionnaires):
    return client.post(
        ACTION,
        {"action": action, "_selected_action": [q.pk for q in questionnaires]},
        follow=True,
        headers={"accept-language": "en"},
    )


@pytest.mark.parametrize("model", ["questionnaire", "dimension", "question", "assessment"])
def test_staff_open_every_list(client_for, model):
    load_shipped()
    assert client_for("staff").get(f"/admin/maturity/{model}/").status_code == 200
    assert client_for("applicant").get(f"/admin/maturity/{model}/").status_code == 302


def test_a_published_version_is_read_only(client_for):
    published = store(two_dimensions())
    staff = client_for("staff")
    page = staff.get(f"{ACTION}{published.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = staff.post(f"{ACTION}{published.pk}/change/", {"title": "Changed"})
    assert response.status_code == 403
    assert Questionnaire.objects.get(pk=published.pk).title == "Petit"


def test_staff_start_the_next_version_edit_it_and_publish_it(client_for):
    first = store(two_dimensions())
    staff = client_for("staff")
    act(staff, "next_version", first)
    draft = Questionnaire.objects.get(code="tiny", version=2)
    assert not draft.is_published
    question = Question.objects.get(dimension__questionnaire=draft, code="infra-q")
    page = staff.get(f"/admin/maturity/question/{question.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    Question.objects.filter(pk=question.pk).update(text="Votre infrastructure ?")
    response = act(staff, "publish", draft)
    assert "is published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_published
    assert AuditEntry.objects.filter(action="questionnaire.publish").count() == 1
    # The first version is untouched: its assessments keep their questions.
    assert Question.objects.get(dimension__questionnaire=first, code="infra-q").text == "x"


def test_a_draft_that_does_not_read_whole_is_not_published_and_says_where(client_for):
    draft = store(two_dimensions(), publish=False)
    Level.objects.filter(questionnaire=draft).update(high=90)  # 91-100 has no level
    response = act(client_for("staff"), "publish", draft)
    page = response.content.decode()
    assert "is not published" in page and "levels" in page
    assert not Questionnaire.objects.get(pk=draft.pk).is_published


def test_an_answered_draft_is_read_only_too(client_for):
    draft = store(two_dimensions(), publish=False)
    Questionnaire.objects.filter(pk=draft.pk).update(published_at="2026-01-01T00:00Z")
    start(Questionnaire.objects.get(pk=draft.pk))
    Questionnaire.objects.filter(pk=draft.pk).update(published_at=None)
    question = Question.objects.filter(dimension__questionnaire=draft).first()
    response = client_for("staff").post(
        f"/admin/maturity/question/{question.pk}/change/", {"text": "Changed"}
    )
    assert response.status_code == 403


def test_a_version_downloads_as_its_json_document(client_for):
    shipped = {q.code: q for q in load_shipped()}
    response = act(client_for("staff"), "download", shipped["digiscore"])
    assert response["Content-Type"].startswith("application/json")
    assert "digiscore-v" in response["Content-Disposition"]
    definition = parse(json.loads(response.content))
    assert definition.code == "digiscore" and len(definition.dimensions) == 4
    assert Option.objects.filter(question__dimension__questionnaire=shipped["digiscore"]).exists()
