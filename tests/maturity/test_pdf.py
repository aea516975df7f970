"""The report as a PDF: who may download it, what it says (its text read back from the
file), and how it looks (rendered to an image by PDFium, the engine of Chromium's viewer).

Set TERRITORIA_PDF_PNG to a folder to keep the rendered pages and look at them."""

import datetime
import io
import os
from decimal import Decimal

import numpy
import pypdfium2
import pytest
from django.test import Client
from django.utils import timezone

from territoria.calls.models import Call, Instrument
from territoria.core.models import Role
from territoria.maturity.models import Recommendation
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.questionnaires import load_shipped
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def digiscore():
    return {q.code: q for q in load_shipped()}["digiscore"]


def completed(questionnaire, owner=None, level=2):
    """A Digiscore answered throughout with options of about `level` (0 to 5)."""
    started = start(questionnaire, "", owner=owner)
    answers = {}
    for dimension in questionnaire.dimensions.all():
        for question in dimension.questions.prefetch_related("options"):
            options = list(question.options.all())
            if question.kind == "scale":
                answers[question.code] = level
            elif question.kind == "single":
                answers[question.code] = options[min(level, len(options) - 1)].code
            elif question.kind == "checklist":
                ordinary = [o.code for o in options if not o.exclusive]
                answers[question.code] = ordinary[:level] or [options[0].code]
            else:  # a grid: each row yes / partly / no
                answers[question.code] = {
                    o.code: ("yes", "partly", "no")[(i + level) % 3] for i, o in enumerate(options)
                }
    assert answer(started.assessment, answers) == {}
    return started.key, complete(started.assessment)


def pages(document: bytes) -> list[str]:
    """Each page's text as PDFium reads it."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def images(document: bytes) -> list:
    pdf = pypdfium2.PdfDocument(document)
    try:
        return [pdf[i].render(scale=1.5).to_pil() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_the_pdf_opens_by_the_private_link_and_for_the_owner_only(digiscore):
    owner = make_user("owner", Role.APPLICANT)
    key, assessment = completed(digiscore, owner=owner)
    response = Client().get(f"/digiscore/a/{key}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="digiscore-')
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert Client().get(f"/digiscore/a/{key}x/report.pdf").status_code == 404
    mine = f"/digiscore/mine/{assessment.pk}/report.pdf"
    stranger, staff = Client(), Client()
    assert stranger.get(mine).status_code == 302  # to the login page
    stranger.force_login(make_user("stranger", Role.APPLICANT))
    assert stranger.get(mine).status_code == 404
    staff.force_login(make_user("analyst", Role.STAFF))
    assert staff.get(mine).status_code == 200
    owned = Client()
    owned.force_login(owner)
    assert owned.get(mine).status_code == 200


def test_an_unfinished_assessment_has_no_pdf_yet(digiscore):
    started = start(digiscore, "")
    response = Client().get(f"/digiscore/a/{started.key}/report.pdf")
    assert response.status_code == 302
    assert response["Location"].endswith("/report/")


def test_the_pdf_says_what_the_page_says_in_the_reader_language(digiscore):
    instrument = Instrument.objects.create(
        code="start-ia", prefix="SIA", name="Start IA", summary="Cinq jours."
    )
    now = timezone.now()
    Call.objects.create(
        instrument=instrument, code="start-ia-open", title="Start IA : appel ouvert",
        title_nl="Start IA: open oproep", summary="Un appel.", is_published=True,
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=20),
        budget=Decimal(1000), max_amount=Decimal(100),
    )  # fmt: skip
    rule = Recommendation.objects.create(
        code="strategy", questionnaire_code="digiscore", dimension="strategy", below=101,
        title="Écrire votre stratégie numérique", title_nl="Uw digitale strategie uitschrijven",
        advice="Fixez deux objectifs.", advice_nl="Leg twee doelen vast.",
    )  # fmt: skip
    rule.instruments.set([instrument])
    key, assessment = completed(digiscore)
    french = "\n".join(pages(Client().get(f"/digiscore/a/{key}/report.pdf").content))
    assert "Écrire votre stratégie numérique" in french
    assert "Start IA : appel ouvert" in french
    overall = f"{assessment.overall:.1f}".replace(".", ",")
    assert overall in french  # a number as French writes it
    for dimension in digiscore.dimensions.all():
        assert dimension.label in french
    dutch_response = Client().get(
        f"/digiscore/a/{key}/report.pdf", headers={"accept-language": "nl"}
    )
    dutch = "\n".join(pages(dutch_response.content))
    assert "Uw digitale strategie uitschrijven" in dutch
    assert "Start IA: open oproep" in dutch
    assert digiscore.dimensions.get(code="processes").label_nl in dutch
    assert key not in french  # the private link is not printed: a PDF is passed around


def test_the_pdf_renders_to_pages_with_a_drawn_radar(digiscore, tmp_path):
    key, _assessment = completed(digiscore, level=3)
    document = Client().get(f"/digiscore/a/{key}/report.pdf").content
    rendered = images(document)
    assert 1 <= len(rendered) <= 3
    first = rendered[0].convert("RGB")
    width, height = first.size
    assert width < height  # A4 portrait
    pixels = numpy.asarray(first, dtype=int)
    # The radar's blue outline is drawn: a good number of pixels in the report's blue.
    blue = numpy.all(numpy.abs(pixels - (0x00, 0x50, 0x9E)) < 40, axis=2).sum()
    assert blue > 300
    # Not a blank page: a fair share of the page is ink.
    ink = (pixels.mean(axis=2) < 128).sum()
    assert ink > 0.01 * width * height
    keep = os.environ.get("TERRITORIA_PDF_PNG")
    for number, page in enumerate(rendered, start=1):
        buffer = io.BytesIO()
        page.save(buffer, format="PNG")
        assert buffer.getvalue().startswith(b"\x89PNG")
        if keep:
            page.save(os.path.join(keep, f"report-{number}.png"))
