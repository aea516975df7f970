"""What the background worker does with a queued scheme file: import it in one transaction,
and record how it ended.

The worker holds the file under a lease (core.leases): if it stops, another worker takes
the file over, and the one transaction means nothing of the stopped attempt remains.
"""

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.core.leases import LeaseLost
from territoria.core.services import record_audit
from territoria.taxonomy.models import ConceptScheme, SchemeImport
from territoria.taxonomy.services.schemes import (
    SchemeImportError,
    import_scheme_csv,
    import_scheme_turtle,
)


def run_scheme_import(upload_id: int, worker: str = "in-process") -> SchemeImport:
    """Import a queued file as `worker` (the task passes its worker's id); a file that is
    not waiting any more (finished, or held by another worker) is left alone."""
    claimed = SchemeImport.claim(upload_id, worker)
    upload = SchemeImport.objects.get(pk=upload_id)
    if claimed:
        try:
            import_claimed(upload, worker)
        except LeaseLost:
            # This worker was too slow to renew its lease: another one has the file now.
            upload.refresh_from_db()
    return upload


def import_claimed(upload: SchemeImport, worker: str) -> None:
    """Import a file `worker` holds; its outcome is written only while `worker` still holds
    it, else LeaseLost is raised and nothing is written."""
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
            _finish(upload, worker, SchemeImport.Status.DONE, [])
    except SchemeImportError as exc:
        _finish(upload, worker, SchemeImport.Status.FAILED, exc.problems)
    except LeaseLost:
        raise
    except Exception:
        # Never leave the page saying "importing" forever; the worker logs the traceback.
        _finish(
            upload,
            worker,
            SchemeImport.Status.FAILED,
            [_("The import failed unexpectedly; nothing was written.")],
        )
        raise


def _finish(upload: SchemeImport, worker: str, status: str, problems: list[str]) -> None:
    upload.status, upload.problems, upload.finished_at = status, problems, timezone.now()
    upload.release(
        worker,
        status=status,
        created=upload.created,
        updated=upload.updated,
        problems=problems,
        finished_at=upload.finished_at,
    )
