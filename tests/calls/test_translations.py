"""Calls, their criteria, documents and instruments in the visitor's language, French marked
where staff have not translated yet; e-mails in the recipient's language."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from territoria.calls.models import Application, Assignment, Criterion, Instrument
from tests.calls.conftest import make_call
from tests.factories import organisation

MARKER = '<span aria-hidden="true">FR</span>'
TITLES = {
    "fr": "Appel IA 2026",
    "nl": "AI-oproep 2026",
    "de": "KI-Aufruf 2026",
    "en": "AI call 2026",
}


@pytest.fixture
def call(db):
    call = make_call("ia-2026")
    call.title, call.title_nl, call.title_de, call.title_en = TITLES.values()
    call.summary, call.summary_en = "Un appel pour l'IA.", "A call for AI."
    call.save()
    Instrument.objects.filter(pk=call.instrument_id).update(
        name_nl="Tremplin IA", name_de="Tremplin IA", name_en="Tremplin IA"
    )
    Criterion.objects.create(
        call=call, order=1, title="Pertinence", title_nl="Relevantie", title_de="Relevanz",
        title_en="Relevance", description="Le besoin est réel.", weight=Decimal(1),
    )  # fmt: skip
    Criterion.objects.create(call=call, order=2, title="Faisabilité", weight=Decimal(1))
    call.required_documents.update(label="Plan du projet", label_en="Project plan")
    return call


def page(client, path: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_the_call_page_shows_the_translations(client, call, language):
    html = page(client, "/calls/ia-2026/", language)
    assert f"<h1>{TITLES[language]}</h1>" in html
    assert f"<title>{TITLES[language]} ·" in html
    assert {"nl": "Relevantie", "de": "Relevanz", "en": "Relevance"}[language] in html
    assert ">Tremplin IA</a>" not in html and "› Tremplin IA</p>" in html  # no marker


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_the_call_page_marks_what_is_still_french(client, call, language):
    html = page(client, "/calls/ia-2026/", language)
    assert f'{MARKER}<span class="visually-hidden">' in html
    assert '<span lang="fr">Faisabilité</span>' in html
    # The description of the first criterion has no translation in any language.
    assert '<span lang="fr">Le besoin est réel.</span>' in html
    summary = '<p class="lead">A call for AI.</p>'
    assert (summary in html) == (language == "en")
    if language != "en":
        assert '<span lang="fr">Un appel pour l&#x27;IA.</span>' in html


def test_in_french_nothing_is_marked(client, call):
    html = page(client, "/calls/ia-2026/", "fr")
    assert "<h1>Appel IA 2026</h1>" in html and "Faisabilité" in html
    assert MARKER not in html and 'lang="fr">' not in html.split("<body>")[1]


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_the_list_of_calls_is_translated_too(client, call, language):
    html = page(client, "/calls/", language)
    assert TITLES[language] in html


def test_the_evaluator_scores_the_criteria_in_their_language(client_for, users, call):
    application = Application.objects.create(
        call=call, organisation=organisation("Candidate SRL"), created_by=users["applicant"],
        title="Pilot", summary="S", requested_amount=Decimal(1000), status="evaluation",
        submitted_at=timezone.now(), reference="TIA-2026-00009",
    )  # fmt: skip
    assignment = Assignment.objects.create(
        application=application, evaluator=users["evaluator"], conflict=False,
        declared_at=timezone.now(),
    )  # fmt: skip
    html = page(client_for("evaluator"), f"/calls/reviews/{assignment.pk}/", "de")
    assert "<legend>Relevanz <span" in html
    assert '<legend><span class="untranslated">' in html and '<span lang="fr">Faisabilité' in html
    assert f"<dd>{TITLES['de']}</dd>" in html
    listing = page(client_for("evaluator"), "/calls/reviews/", "de")
    assert f"{TITLES['de']} (1)</option>" in listing


def test_the_document_types_are_offered_in_the_applicants_language(client_for, call, users):
    from territoria.accounts.models import Affiliation

    org = organisation("Applicant SRL", "org-type:sme", postcode="5000")
    Affiliation.objects.create(user=users["applicant"], organisation=org)
    application = Application.objects.create(call=call, organisation=org,
                                             created_by=users["applicant"], steps_done=2)  # fmt: skip
    html = page(
        client_for("applicant"), f"/calls/applications/{application.pk}/step/documents/", "en"
    )
    assert ">Project plan</option>" in html
    assert "Required: Project plan." in html


def submitted(call, user) -> Application:
    return Application.objects.create(
        call=call, organisation=organisation("Mail SRL"), created_by=user, title="P",
        summary="S", status="selected", submitted_at=timezone.now(), reference="TIA-2026-00042",
        granted_amount=Decimal(1000),
    )  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_the_acknowledgement_is_written_in_the_recipients_language(
    call, users, mailoutbox, language
):
    from territoria.calls.tasks import send_acknowledgement

    user = users["applicant"]
    user.language = language
    user.save()
    send_acknowledgement.call(submitted(call, user).pk)
    assert TITLES[language] in mailoutbox[0].body and TITLES["fr"] not in mailoutbox[0].body


def test_the_decision_falls_back_to_the_french_title_without_markup(call, users, mailoutbox):
    from territoria.calls.tasks import send_decision

    user = users["applicant"]
    user.language = "nl"
    user.save()
    call.title_nl = ""
    call.save()
    send_decision.call(submitted(call, user).pk)
    body = mailoutbox[0].body
    assert "De jury van de oproep “Appel IA 2026”" in body and "<span" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/admin/calls/call/{call}/change/",
        "/admin/calls/call/add/",
        "/admin/calls/instrument/{instrument}/change/",
    ],
)
def test_staff_fill_the_translations_beside_the_french(client_for, call, path):
    html = page(client_for("staff"), path.format(call=call.pk, instrument=call.instrument_id), "en")
    assert "Translations" in html
    for name in ("title_nl", "title_de", "title_en") if "call/" in path else ("name_en",):
        assert f'name="{name}"' in html
    if path.endswith(f"{call.pk}/change/") and "call/" in path:
        assert 'name="criteria-0-title_en"' in html
        assert 'name="required_documents-0-help_text_de"' in html
