"""Background tasks of the taxonomy app (run by `territoria manage task_worker`)."""

from django_tasks import TaskContext, task

from territoria.taxonomy.services.import_worker import run_scheme_import


@task(takes_context=True)
def import_scheme_file(context: TaskContext, upload_id: int) -> str:
    """Import an uploaded scheme file; returns its final status."""
    # The worker running this task holds the file under its own id (core.leases).
    worker = context.task_result.worker_ids[-1]
    return run_scheme_import(upload_id, worker).status
