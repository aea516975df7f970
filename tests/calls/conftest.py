import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import Call, DocumentRequirement, Instrument
from territoria.taxonomy.models import Concept
from tests.factories import concept, organisation

BRUSSELS = timezone.get_default_timezone()


def brussels(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BRUSSELS)


def make_call(code="tremplin", opens=None, closes=None, grace=0, **fields) -> Call:
    instrument, _ = Instrument.objects.get_or_create(
        code="tremplin-ia", defaults={"prefix": "TIA", "name": "Tremplin IA", "summary": "Pilote."}
    )
    now = timezone.now()
    call = Call.objects.create(
        instrument=instrument, code=code, title=f"Call {code}", summary="Un appel.",
        opens_at=opens or now - datetime.timedelta(days=1),
        closes_at=closes or now + datetime.timedelta(days=1), grace_minutes=grace,
        is_published=True, budget=Decimal(100_000), max_amount=Decimal(50_000), **fields,
    )  # fmt: skip
    DocumentRequirement.objects.create(call=call, code="plan", label="Project plan")
    return call


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def applicant_org(db):
    return organisation(
        "Friterie Test SRL", "org-type:sme", postcode="5000", city="Namur",
        size_class=concept("size:small"),
    )  # fmt: skip


@pytest.fixture
def setup(users, applicant_org, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    Affiliation.objects.create(user=users["applicant"], organisation=applicant_org)
    call = make_call()
    call.eligible_types.set(Concept.objects.filter(scheme__code="org-type", notation="sme"))
    return {"call": call, "org": applicant_org, "user": users["applicant"]}


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default is French)."""
    from django.utils import translation

    with translation.override("en"):
        yield
