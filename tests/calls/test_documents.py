import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.calls.models import Application, ApplicationDocument
from territoria.calls.services import documents
from territoria.calls.services.applications import start
from tests.calls.conftest import PDF, docx_bytes, xlsx_bytes

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 100


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PDF, "pdf"), (docx_bytes(), "docx"), (xlsx_bytes(), "xlsx"), (ELF, None), (WINDOWS_EXE, None),
     (b"PK\x03\x04not a zip", None), (b"plain text", None)],
)  # fmt: skip
def test_the_type_is_read_from_the_content(data, kind):
    assert documents.sniff(data) == kind


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (WINDOWS_EXE, "budget.pdf", "not a PDF"),  # a renamed executable
        (ELF, "plan.docx", "not a PDF"),
        (PDF, "plan.docx", "should end in .pdf"),  # a PDF called .docx
        (b"", "empty.pdf", "empty"),
        (b"%PDF-" + b"0" * (documents.MAX_DOCUMENT_BYTES + 1), "big.pdf", "larger than"),
    ],
)
def test_refused_uploads(data, name, message):
    with pytest.raises(ValidationError, match=message):
        documents.read_upload(io.BytesIO(data), name)


@pytest.fixture
def draft(setup):
    return start(setup["call"], setup["org"], setup["user"])


def test_files_are_stored_outside_the_web_root_under_random_names(setup, draft, settings):
    document = documents.attach(draft, None, ContentFile(docx_bytes()), "notes.docx", setup["user"])
    path = document.file.path
    assert path.startswith(str(settings.DATA_DIR / "private" / "documents"))
    assert "notes" not in path
    assert document.original_name == "notes.docx" and document.kind == "docx"


def test_only_those_who_may_read_the_application_download_its_documents(
    setup, draft, client_for, applicant_org
):
    document = documents.attach(draft, None, ContentFile(PDF), "plan.pdf", setup["user"])
    url = document.get_absolute_url()
    own = client_for("applicant").get(url)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content) == PDF
    assert "attachment" in own["Content-Disposition"]
    assert client_for("staff").get(url).status_code == 200
    assert client_for("other_applicant").get(url).status_code == 404
    assert client_for("evaluator").get(url).status_code == 403
    assert client_for("anonymous").get(url).status_code == 302


def test_upload_through_the_page(setup, draft, client_for):
    client = client_for("applicant")
    url = f"/calls/applications/{draft.pk}/documents/"
    bad = client.post(
        url, {"file": SimpleUploadedFile("budget.xlsx", WINDOWS_EXE), "requirement": "other"}
    )
    assert bad.status_code == 400 and not ApplicationDocument.objects.exists()
    assert bad.context["document_form"].errors["file"]  # said beside the file field
    good = client.post(url, {"file": SimpleUploadedFile("budget.xlsx", xlsx_bytes()),
                             "requirement": setup["call"].required_documents.get().pk})  # fmt: skip
    assert good.status_code == 302 and ApplicationDocument.objects.get().kind == "xlsx"
    other = client_for("other_applicant").post(url, {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert other.status_code == 404
    assert Application.objects.get().documents.count() == 1


ENGLISH = {"Accept-Language": "en"}


def test_the_document_type_starts_unchosen_and_offers_another_document(setup, draft, client_for):
    draft.steps_done = 2
    draft.save()
    page = (
        client_for("applicant")
        .get(f"/calls/applications/{draft.pk}/step/documents/", headers=ENGLISH)
        .content.decode()
    )
    select = page.split('<select name="requirement"')[1].split("</select>")[0]
    assert "required" in select.split(">")[0]
    assert select.count(" selected") == 1 and '<option value="" selected>' in select
    assert '<option value="other">another document</option>' in select
    assert "Project plan" in select


def test_a_file_sent_without_its_type_is_refused_with_the_field_named(setup, draft, client_for):
    url = f"/calls/applications/{draft.pk}/documents/"
    response = client_for("applicant").post(
        url, {"file": SimpleUploadedFile("plan.pdf", PDF)}, headers=ENGLISH
    )
    assert response.status_code == 400 and not ApplicationDocument.objects.exists()
    page = response.content.decode()
    assert 'href="#id_requirement">Document type — Choose the document type.</a>' in page
    assert 'aria-describedby="id_requirement_error"' in page and 'aria-invalid="true"' in page
    assert "Choose the file again" in page  # browsers never keep a chosen file


def test_a_refused_upload_keeps_the_type_chosen(setup, draft, client_for):
    requirement = setup["call"].required_documents.get()
    response = client_for("applicant").post(
        f"/calls/applications/{draft.pk}/documents/",
        {"requirement": str(requirement.pk)},
        headers=ENGLISH,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<option value="{requirement.pk}" selected>Project plan</option>' in page
    assert 'href="#id_file">File — Choose the file to add.</a>' in page


def test_another_document_is_a_deliberate_choice(setup, draft, client_for):
    client_for("applicant").post(
        f"/calls/applications/{draft.pk}/documents/",
        {"file": SimpleUploadedFile("notes.pdf", PDF), "requirement": "other"},
    )
    assert ApplicationDocument.objects.get().requirement is None
