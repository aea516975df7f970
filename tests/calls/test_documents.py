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
    bad = client.post(url, {"file": SimpleUploadedFile("budget.xlsx", WINDOWS_EXE)})
    assert bad.status_code == 302 and not ApplicationDocument.objects.exists()
    good = client.post(url, {"file": SimpleUploadedFile("budget.xlsx", xlsx_bytes()),
                             "requirement": setup["call"].required_documents.get().pk})  # fmt: skip
    assert good.status_code == 302 and ApplicationDocument.objects.get().kind == "xlsx"
    other = client_for("other_applicant").post(url, {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert other.status_code == 404
    assert Application.objects.get().documents.count() == 1
