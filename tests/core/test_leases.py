"""A worker that stops (killed, its machine lost) leaves nothing "running" forever: the jobs
it claimed carry a lease, which another worker takes over once it lapses (core.leases)."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoria.core.leases import Heartbeat, LeaseLost, take_over
from territoria.core.models import AuditEntry, Role
from territoria.core.tasks import send_email
from territoria.taxonomy.models import Concept, SchemeImport
from territoria.taxonomy.services.import_worker import import_claimed
from territoria.taxonomy.services.imports import queue_scheme_import
from tests.conftest import make_user

CSV = "notation,parent,label_fr\nhealth,,Santé\ntelecare,health,Télésoins\n".encode()

worker_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_lease(settings):
    settings.TASK_LEASE_SECONDS = 1
    return settings


def queued_import() -> SchemeImport:
    """An uploaded file, handed to the task queue as the upload page does."""
    return queue_scheme_import(
        actor=make_user("staff", Role.STAFF),
        scheme_code="domains",
        scheme_title="Domaines",
        file_name="domains.csv",
        data=CSV,
    )


def killed_mid_import(upload: SchemeImport, worker: str = "lost-host-1") -> DBTaskResult:
    """What a worker killed during an import leaves: its task result running and the file
    claimed (as db_worker and run_scheme_import claim them), never renewed again."""
    result = DBTaskResult.objects.ready().get()
    result.claim(worker)
    assert SchemeImport.claim(upload.pk, worker)
    return result


def lapse(upload: SchemeImport) -> None:
    """The lease runs out (the worker holding it renewed it no more)."""
    SchemeImport.objects.filter(pk=upload.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def run_worker() -> None:
    """Another worker, as `territoria serve` runs it, until the queue is empty."""
    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*",
        verbosity=0,
    )  # fmt: skip


@worker_test
def test_an_import_whose_worker_was_killed_is_finished_by_another_worker(settings):
    settings.TASK_LEASE_SECONDS = 3
    upload = queued_import()
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")  # the messages read here are the English ones
    staff.force_login(upload.created_by)
    page = f"/taxonomies/imports/{upload.pk}/"
    lost = killed_mid_import(upload)
    assert "stopped responding" not in staff.get(page).content.decode()

    time.sleep(3.2)  # longer than the lease: nobody renewed it
    upload.refresh_from_db()
    assert upload.status == "running" and upload.lease_lapsed
    # The page tells the truth rather than "importing" forever.
    assert "stopped responding" in staff.get(page, headers={"HX-Request": "true"}).content.decode()

    run_worker()

    upload.refresh_from_db()
    assert (upload.status, upload.created, upload.attempts) == ("done", 2, 2)
    assert upload.worker not in ("", "lost-host-1") and upload.lease_expires_at is None
    assert Concept.objects.filter(scheme__code="domains").count() == 2
    lost.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")
    assert "lost-host-1" in lost.traceback and "stopped" in lost.traceback
    rerun = DBTaskResult.objects.exclude(pk=lost.pk).get()
    assert (rerun.status, rerun.return_value) == ("SUCCESSFUL", "done")
    page_now = staff.get(page, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in page_now and "/taxonomies/domains/" in page_now


@pytest.mark.django_db
def test_an_import_on_which_workers_keep_stopping_is_given_up_with_a_clear_message(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = queued_import()
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")  # the messages read here are the English ones
    staff.force_login(upload.created_by)
    for attempt in range(1, SchemeImport.MAX_ATTEMPTS + 1):
        assert SchemeImport.claim(upload.pk, f"lost-host-{attempt}")
        lapse(upload)
        assert take_over("survivor") >= 1
        upload.refresh_from_db()
        assert upload.attempts == attempt and upload.lease_expires_at is None
        if attempt < SchemeImport.MAX_ATTEMPTS:
            assert upload.status == "queued"  # and a task to run it again:
            assert DBTaskResult.objects.ready().count() == 1 + attempt
            page = staff.get(f"/taxonomies/imports/{upload.pk}/").content.decode()
            assert "will start again from the beginning" in page
    assert upload.status == "failed" and upload.finished_at is not None
    assert "stopped" in upload.problems[0] and "nothing was written" in upload.problems[0]
    assert not SchemeImport.claim(upload.pk, "survivor")
    assert not Concept.objects.filter(scheme__code="domains").exists()


@pytest.mark.django_db
def test_a_worker_whose_lease_was_taken_over_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = queued_import()
    assert SchemeImport.claim(upload.pk, "slow-host")
    lapse(upload)
    take_over("survivor")
    upload.refresh_from_db()
    assert upload.status == "queued"
    # The slow worker wakes up and finishes its import: its transaction is rolled back.
    with pytest.raises(LeaseLost):
        import_claimed(upload, "slow-host")
    upload.refresh_from_db()
    assert upload.status == "queued"
    assert not Concept.objects.filter(scheme__code="domains").exists()
    assert not AuditEntry.objects.filter(action="scheme.import").exists()


@pytest.mark.django_db
def test_a_lease_that_has_not_lapsed_is_not_taken_over(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = queued_import()
    assert SchemeImport.claim(upload.pk, "busy-host")
    assert take_over("survivor") == 0
    upload.refresh_from_db()
    assert (upload.status, upload.worker) == ("running", "busy-host")
    lapse(upload)
    assert take_over("busy-host") == 0  # a worker never takes over its own job


@worker_test
def test_the_heartbeat_keeps_the_lease_of_a_live_worker_and_stops_with_it(short_lease):
    upload = queued_import()
    assert SchemeImport.claim(upload.pk, "live-host")
    heartbeat = Heartbeat("live-host")
    heartbeat.start()
    try:
        time.sleep(2.5)  # two and a half leases: only renewals keep it
        assert take_over("survivor") == 0
        upload.refresh_from_db()
        assert (upload.status, upload.worker) == ("running", "live-host")
        assert upload.lease_expires_at is not None and not upload.lease_lapsed
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()
    time.sleep(1.2)
    assert take_over("survivor") == 1
    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == ("queued", 1)


@pytest.mark.django_db
def test_a_task_result_left_running_by_a_stopped_worker_is_marked_failed(short_lease):
    def running_on(worker: str, started_seconds_ago: float) -> DBTaskResult:
        result = DBTaskResult.objects.get(
            pk=send_email.enqueue("Bonjour", "…", None, ["a@example.org"]).id
        )
        result.claim(worker)
        DBTaskResult.objects.filter(pk=result.pk).update(
            started_at=timezone.now() - timedelta(seconds=started_seconds_ago)
        )
        return result

    lost = running_on("lost-host", 5)
    just_started = running_on("other-host", 0)
    # A worker that renews a lease on a job is alive, however long its task runs.
    long_running = running_on("importing-host", 5)
    upload = SchemeImport.objects.create(
        scheme_code="x", file_name="x.csv", file_format="csv", content=""
    )
    assert SchemeImport.claim(upload.pk, "importing-host")

    assert take_over("survivor") == 1

    statuses = {
        result.pk: DBTaskResult.objects.get(pk=result.pk).status
        for result in (lost, just_started, long_running)
    }
    assert statuses == {lost.pk: "FAILED", just_started.pk: "RUNNING", long_running.pk: "RUNNING"}
    lost.refresh_from_db()
    assert lost.finished_at is not None and "lost-host" in lost.traceback
    assert take_over("survivor") == 0  # and only once
