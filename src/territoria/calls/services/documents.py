"""Uploaded documents: the type is read from the content, never from the name.

PDF files start with `%PDF-`; DOCX and XLSX files are ZIP archives holding the
Office Open XML parts of a Word document or an Excel workbook. Anything else,
a renamed executable above all, is refused, as is anything over the size limit or
past the application's limits (other documents, total size).
"""

import hashlib
import io
import zipfile
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoria.calls.models import Application, ApplicationDocument, DocumentRequirement
from territoria.core.services import record_audit

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Per application: one file per required document (a new one replaces it), a few others,
# and a total a jury can read (a draft is not a file store).
MAX_OTHER_DOCUMENTS = 10
MAX_APPLICATION_BYTES = 50 * 1024 * 1024
# The part of the archive that says what an Office Open XML file is.
OOXML_MAIN_PART = {
    ApplicationDocument.Kind.DOCX: "word/document.xml",
    ApplicationDocument.Kind.XLSX: "xl/workbook.xml",
}
EXPECTED = {
    ".pdf": ApplicationDocument.Kind.PDF,
    ".docx": ApplicationDocument.Kind.DOCX,
    ".xlsx": ApplicationDocument.Kind.XLSX,
}


def sniff(data: bytes) -> str | None:
    """The document's real type from its bytes, or None if it is none of PDF, DOCX, XLSX."""
    if data.startswith(b"%PDF-"):
        return ApplicationDocument.Kind.PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in OOXML_MAIN_PART.items():
        if part in names:
            return kind
    return None


def read_upload(upload: IO[bytes] | Any, name: str) -> tuple[bytes, str]:
    """The upload's bytes and real type; raises ValidationError saying what is wrong."""
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)d MB.")
            % {"name": name, "limit": MAX_DOCUMENT_BYTES // 2**20}
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    kind = sniff(data)
    if kind is None:
        raise ValidationError(
            _("%(name)s is not a PDF, Word (DOCX) or Excel (XLSX) document.") % {"name": name}
        )
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if EXPECTED.get(extension) != kind:
        raise ValidationError(
            _("%(name)s holds a %(kind)s document: its name should end in .%(kind)s.")
            % {"name": name, "kind": kind}
        )
    return data, kind


def shortened(name: str, limit: int = 255) -> str:
    """A file name cut to `limit` characters, keeping its extension."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:limit]
    return f"{stem[: limit - len(extension) - 1]}.{extension}"


def attach(
    application: Application,
    requirement: DocumentRequirement | None,
    upload: IO[bytes] | Any,
    name: str,
    actor: Any,
) -> ApplicationDocument:
    """Check and store a document of a draft application (replacing the one for the same
    requirement), within the application's limits."""
    data, kind = read_upload(upload, name)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != Application.Status.DRAFT:
            raise ValidationError(_("Documents can be changed only before submission."))
        replaced = list(locked.documents.filter(requirement=requirement)) if requirement else []
        # Counted under the lock: two uploads at once cannot both slip under a limit.
        within_limits(
            locked.documents.exclude(pk__in=[d.pk for d in replaced]), requirement, name, len(data)
        )
        document = ApplicationDocument(
            application=locked,
            requirement=requirement,
            original_name=shortened(name),
            kind=kind,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
        )
        document.file.save(name, ContentFile(data), save=False)
        document.save()
        for old in replaced:
            remove(old, actor)
        record_audit(
            actor,
            "document.upload",
            document,
            after={
                "name": document.original_name,
                "kind": kind,
                "size": len(data),
                "sha256": document.sha256,
            },
        )
    return document


def within_limits(
    kept: QuerySet[ApplicationDocument],
    requirement: DocumentRequirement | None,
    name: str,
    size: int,
) -> None:
    """Raise ValidationError, saying what to do, if a file of `size` bytes added to the
    documents `kept` would pass the number of other documents or the total size."""
    if requirement is None and kept.filter(requirement__isnull=True).count() >= MAX_OTHER_DOCUMENTS:
        raise ValidationError(
            ngettext(
                "An application holds at most %(limit)d other document: remove one to add "
                "%(name)s.",
                "An application holds at most %(limit)d other documents: remove one to add "
                "%(name)s.",
                MAX_OTHER_DOCUMENTS,
            )
            % {"limit": MAX_OTHER_DOCUMENTS, "name": name}
        )
    total = kept.aggregate(total=Sum("size"))["total"] or 0
    if total + size > MAX_APPLICATION_BYTES:
        raise ValidationError(
            _(
                "With %(name)s, the application's documents would pass %(limit)d MB in all: "
                "remove a document or add a smaller file."
            )
            % {"name": name, "limit": MAX_APPLICATION_BYTES // 2**20}
        )


def remove_from_draft(document: ApplicationDocument, actor: Any) -> None:
    """Delete a document while its application is still a draft (locked meanwhile)."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=document.application_id)
        if locked.status != Application.Status.DRAFT:
            raise ValidationError(_("Documents can be changed only before submission."))
        remove(document, actor)


def remove(document: ApplicationDocument, actor: Any) -> None:
    """Delete a document, file included (after the transaction commits)."""
    record_audit(
        actor,
        "document.delete",
        document,
        before={"name": document.original_name, "sha256": document.sha256},
    )
    storage, name = document.file.storage, document.file.name or ""
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
