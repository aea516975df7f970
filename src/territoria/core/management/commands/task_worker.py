"""`territoria manage task_worker`: django-tasks' database worker (`db_worker`, same options)
that holds its jobs under a lease, so that a worker that stops leaves nothing running forever
(core.leases). `territoria serve` runs it."""

import logging
import socket
from argparse import ArgumentParser
from typing import Any

from django.db import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.utils import is_locked_database_exception

from territoria.core.leases import Heartbeat

logger = logging.getLogger(__name__)


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background-task worker; it renews the leases of the jobs it runs and takes "
        "over those of workers that stopped."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Unique across machines, and says which machine a job was lost on.
        parser.set_defaults(worker_id=f"{socket.gethostname()[:40]}-{get_random_string(16)}")

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        # At start, before the first task: what workers that stopped have left.
        heartbeat.beat()
        heartbeat.start()
        try:
            while True:
                try:
                    super().handle(*args, **options)
                    return
                except OperationalError as exc:
                    # SQLite: another worker's long import held the write lock past the busy
                    # timeout, and db_worker gives up when it cannot begin its transaction.
                    if not is_locked_database_exception(exc):
                        raise
                    logger.warning("The database stayed locked (%s); polling again.", exc)
        finally:
            heartbeat.stop()
