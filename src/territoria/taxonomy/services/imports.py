"""Scheme files uploaded by staff: checked and queued here, imported by the background
worker (services.import_worker)."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoria.core.models import User
from territoria.core.services import record_audit
from territoria.taxonomy.models import ConceptScheme, SchemeImport
from territoria.taxonomy.tasks import import_scheme_file

MAX_FILE_BYTES = 5 * 1024 * 1024
FORMATS = {".csv": SchemeImport.Format.CSV, ".ttl": SchemeImport.Format.TURTLE}


def queue_scheme_import(
    *, actor: User, scheme_code: str, scheme_title: str, file_name: str, data: bytes
) -> SchemeImport:
    """Check the upload, store it and hand it to the worker once the transaction commits.

    ValidationError names each wrong field; nothing is stored then.
    """
    errors: dict[str, str] = {}
    code = slugify(scheme_code.replace("\x00", ""))
    if not code or code != scheme_code or len(code) > 40:
        errors["scheme_code"] = _("Use lower-case letters, digits and dashes, e.g. “technology”.")
    elif not ConceptScheme.objects.filter(code=code).exists() and not scheme_title.strip():
        errors["scheme_title"] = _("A new scheme needs a title.")
    file_format = FORMATS.get(PurePath(file_name).suffix.lower())
    if file_format is None:
        errors["file"] = _("%s: expected a .csv or .ttl file.") % file_name
    if len(data) > MAX_FILE_BYTES:
        errors["file"] = _("%(name)s: %(size)d bytes, more than the %(limit)d allowed.") % {
            "name": file_name,
            "size": len(data),
            "limit": MAX_FILE_BYTES,
        }
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors["file"] = _("%(name)s: not UTF-8 text (byte %(at)d).") % {
            "name": file_name,
            "at": exc.start,
        }
    else:
        if "\x00" in content:
            # PostgreSQL text cannot hold NUL, and no CSV or Turtle file contains one.
            errors["file"] = _("%(name)s: not UTF-8 text (byte %(at)d).") % {
                "name": file_name,
                "at": data.index(b"\x00"),
            }
    if "\x00" in scheme_title:
        errors["scheme_title"] = _("Null characters are not allowed.")
    elif len(scheme_title) > 200:
        errors["scheme_title"] = _("At most %d characters.") % 200
    file_name = file_name.replace("\x00", "")
    if errors:
        raise ValidationError(errors)
    assert file_format is not None  # else errors["file"] was set
    with transaction.atomic():
        upload = SchemeImport.objects.create(
            scheme_code=code,
            scheme_title=scheme_title.strip(),
            file_name=file_name[:255],
            file_format=file_format,
            content=content,
            created_by=actor,
        )
        record_audit(
            actor, "scheme.import.queue", upload, after={"file": file_name, "scheme": code}
        )
        transaction.on_commit(lambda: _enqueue(upload.pk))
    return upload


def _enqueue(upload_id: int) -> None:
    import_scheme_file.enqueue(upload_id)
