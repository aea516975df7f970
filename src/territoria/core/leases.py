"""Leases on background work, so that a worker that stops (killed, out of memory, its machine
lost) leaves nothing "running" forever.

A worker that claims a job holds it until `lease_expires_at` (TASK_LEASE_SECONDS from now)
and renews the hold from a heartbeat thread while it lives. Any other worker takes over a
job whose hold has lapsed: queued again, or given up after `MAX_ATTEMPTS` workers stopped
on it. Workers on several machines share nothing but the database, so a worker is known by
the id it claims with (`territoria manage task_worker --worker-id`), never by a process id.

django-tasks' own task results (DBTaskResult) have no lease column of their own; a result
left RUNNING by a stopped worker is marked failed (see `fail_lost_tasks`).
"""

import contextlib
import logging
import threading
from datetime import datetime, timedelta
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.db import (
    DatabaseError,
    OperationalError,
    close_old_connections,
    connections,
    models,
    transaction,
)
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker took the job over (this one's hold lapsed): this one writes nothing."""


class WorkerLost(Exception):
    """The worker running a task stopped before recording how it ended (the failure's type)."""


class Leased(models.Model):
    """A job one worker at a time runs (a scheme import…): who holds it and until when.

    The model redefines `status` with its own choices and names its waiting and running
    values; it says how to hand the job to the task queue again (`requeue`) and what giving
    it up writes (`abandon`). `lease_expires_at` is set only while a worker holds the job.
    """

    status = models.CharField(_("status"), max_length=10)
    worker = models.CharField(_("worker"), max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    QUEUED_STATUS: ClassVar[str]
    RUNNING_STATUS: ClassVar[str]
    # A job on which this many workers stopped is given up: it may be what stops them.
    MAX_ATTEMPTS: ClassVar[int] = 3

    class Meta:
        abstract = True

    @classmethod
    def claim(cls, pk: int, worker: str) -> bool:
        """Take the queued job `pk` for `worker`; False if it is not waiting any more."""
        waiting = cls._default_manager.filter(pk=pk, status=cls.QUEUED_STATUS)
        return bool(
            waiting.update(
                status=cls.RUNNING_STATUS,
                worker=worker,
                lease_expires_at=timezone.now() + lease_length(),
                attempts=F("attempts") + 1,
            )
        )

    def release(self, worker: str, **outcome: object) -> None:
        """Write how the job ended and let it go, if `worker` still holds it; else raise
        LeaseLost (inside a transaction, nothing of this attempt is then kept)."""
        held = type(self)._default_manager.filter(
            pk=self.pk, worker=worker, lease_expires_at__isnull=False
        )
        if not held.update(lease_expires_at=None, **outcome):
            raise LeaseLost(f"{self._meta.label} {self.pk}: {worker} no longer holds it")
        self.lease_expires_at = None

    @property
    def lease_lapsed(self) -> bool:
        """Held by a worker that has not renewed its hold in time: it stopped, or hangs."""
        return self.lease_expires_at is not None and self.lease_expires_at < timezone.now()

    def requeue(self) -> None:
        """Hand the job to the task queue again (its status is queued already)."""
        raise NotImplementedError

    def abandon(self) -> None:
        """Record that the job is given up, and why (its lease is cleared already)."""
        raise NotImplementedError


def lease_length() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def renewal_interval() -> float:
    """A quarter of the lease: a worker may miss two renewals (a database locked by a long
    SQLite write, a lost connection) and still keep its jobs."""
    return max(settings.TASK_LEASE_SECONDS / 4, 0.5)


def leased_models() -> list[type[Leased]]:
    return [model for model in apps.get_models() if issubclass(model, Leased)]


def renew(worker: str) -> int:
    """Extend the hold on every job `worker` runs; the number of jobs."""
    until = timezone.now() + lease_length()
    return sum(
        model._default_manager.filter(worker=worker, lease_expires_at__isnull=False).update(
            lease_expires_at=until
        )
        for model in leased_models()
    )


def take_over(worker: str) -> int:
    """What stopped workers left: their jobs queued again or given up, their task results
    marked failed. `worker` (the one asking) never takes over its own. The number of rows."""
    now = timezone.now()
    taken = sum(_take_over(model, worker, now) for model in leased_models())
    return taken + fail_lost_tasks(worker, now)


def _take_over(model: type[Leased], worker: str, now: datetime) -> int:
    lapsed = model._default_manager.filter(lease_expires_at__lt=now).exclude(worker=worker)
    taken = 0
    for seen in lapsed:
        with transaction.atomic():
            # Held again, released or taken by another worker since it was read: left alone.
            # (On SQLite the transaction itself takes the write lock: one taker at a time.)
            job = (
                model._default_manager.select_for_update(skip_locked=True)
                .filter(pk=seen.pk, worker=seen.worker, lease_expires_at__lt=now)
                .first()
            )
            if job is None:
                continue
            job.lease_expires_at = None
            if job.attempts < job.MAX_ATTEMPTS:
                model._default_manager.filter(pk=job.pk).update(
                    status=model.QUEUED_STATUS, lease_expires_at=None
                )
                job.requeue()
                outcome = "queued again"
            else:
                model._default_manager.filter(pk=job.pk).update(lease_expires_at=None)
                job.abandon()
                outcome = "given up"
        logger.warning(
            "%s %s: its worker %s stopped (no renewal since the lease lapsed); %s after %d "
            "attempt(s).",
            model._meta.label,
            job.pk,
            job.worker,
            outcome,
            job.attempts,
        )
        taken += 1
    return taken


def fail_lost_tasks(worker: str, now: datetime) -> int:
    """Mark failed the task results left RUNNING by a worker that stopped; the number.

    A result has no lease column: it counts as lost once it has run longer than a lease
    and its worker holds no live lease on a job (a worker alive renews those). A task
    that may run longer than a lease must therefore claim a Leased row, as scheme imports
    do. Lost results are failed, not run again: a task may have done part of its work
    (an e-mail sent) and is not known to be safe to repeat; the work that must be redone
    is a Leased job, which `take_over` queues again with a task of its own. If the worker
    was only slow, its own outcome overwrites this one when it finishes.
    """
    alive = {worker}
    for model in leased_models():
        alive.update(
            model._default_manager.filter(lease_expires_at__gte=now).values_list(
                "worker", flat=True
            )
        )
    running = DBTaskResult.objects.running().filter(started_at__lt=now - lease_length())
    failed = 0
    for result in running.only("pk", "worker_ids"):
        lost_worker = result.worker_ids[-1] if result.worker_ids else "?"
        if lost_worker in alive:
            continue
        failed += DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=(
                f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: the worker running this "
                f"task ({lost_worker}) stopped without recording how it ended (no sign of life "
                f"for {settings.TASK_LEASE_SECONDS} s); marked failed, not run again.\n"
            ),
        )
        logger.warning(
            "Task result %s: its worker %s stopped; marked failed.", result.pk, lost_worker
        )
    return failed


class Heartbeat(threading.Thread):
    """Beside a worker, on its own database connection: every quarter lease, renews the
    jobs the worker holds and takes over those of stopped workers."""

    def __init__(self, worker: str) -> None:
        super().__init__(name=f"heartbeat {worker}", daemon=True)
        self.worker = worker
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(renewal_interval()):
                with contextlib.suppress(DatabaseError):
                    close_old_connections()  # one lost since the last beat: open a new one
                self.beat()
        finally:
            connections.close_all()  # this thread's connections only

    def beat(self) -> None:
        """One renewal and one take-over. A failure is logged, never fatal: the next beat
        tries again, and a lease outlasts two missed renewals."""
        try:
            renew(self.worker)
            take_over(self.worker)
        except OperationalError as exc:
            # SQLite: a long import holds the write lock longer than the busy timeout.
            logger.warning(
                "Worker %s: database busy, leases left to the next beat (%s).", self.worker, exc
            )
        except Exception:
            logger.exception("Worker %s: lease renewal failed; trying again.", self.worker)

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            # Not longer: a beat waiting for SQLite's lock must not hold up a shutdown.
            self.join(timeout=5)
