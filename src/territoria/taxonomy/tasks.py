"""Background tasks of the taxonomy app (run by `territoria manage db_worker`)."""

from django_tasks import task

from territoria.taxonomy.services.import_worker import run_scheme_import


@task()
def import_scheme_file(upload_id: int) -> str:
    """Import an uploaded scheme file; returns its final status."""
    return run_scheme_import(upload_id).status
