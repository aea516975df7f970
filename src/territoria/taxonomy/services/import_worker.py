"""What the background worker does with a queued scheme file: import it in one transaction,
and record how it ended."""

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.core.services import record_audit
from territoria.taxonomy.models import ConceptScheme, SchemeImport
from territoria.taxonomy.services.schemes import (
    SchemeImportError,
    import_scheme_csv,
    import_scheme_turtle,
)


def run_scheme_import(upload_id: int) -> SchemeImport:
    """Import a queued file (the worker calls this); a second call does nothing."""
    claimed = SchemeImport.objects.filter(pk=upload_id, status=SchemeImport.Status.QUEUED).update(
        status=SchemeImport.Status.RUNNING
    )
    upload = SchemeImport.objects.get(pk=upload_id)
    if not claimed:
        return upload
    scheme = ConceptScheme.objects.filter(code=upload.scheme_code).first() or ConceptScheme(
        code=upload.scheme_code, title_fr=upload.scheme_title, kind=ConceptScheme.Kind.SPECIFIC
    )
    try:
        with transaction.atomic():
            if upload.file_format == SchemeImport.Format.CSV:
                report = import_scheme_csv(
                    scheme, io.StringIO(upload.content), source=upload.file_name
                )
            else:
                report = import_scheme_turtle(scheme, upload.content, source=upload.file_name)
            upload.created, upload.updated = report.created, report.updated
            record_audit(
                upload.created_by,
                "scheme.import",
                scheme,
                after={
                    "file": upload.file_name,
                    "created": report.created,
                    "updated": report.updated,
                },
            )
            # Same transaction as the concepts: a crash leaves neither half.
            _finish(upload, SchemeImport.Status.DONE, [])
    except SchemeImportError as exc:
        _finish(upload, SchemeImport.Status.FAILED, exc.problems)
    except Exception:
        # Never leave the page saying "importing" forever; the worker logs the traceback.
        _finish(
            upload,
            SchemeImport.Status.FAILED,
            [_("The import failed unexpectedly; nothing was written.")],
        )
        raise
    return upload


def _finish(upload: SchemeImport, status: str, problems: list[str]) -> None:
    upload.status, upload.problems, upload.finished_at = status, problems, timezone.now()
    upload.save(update_fields=["status", "created", "updated", "problems", "finished_at"])
