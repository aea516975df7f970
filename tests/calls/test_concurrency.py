"""Fifty applicants submitting in the last second, on PostgreSQL: none lost, none twice."""

import datetime
import random
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application
from territoria.calls.services.applications import WorkflowError, submit
from territoria.core.models import AuditEntry, Role, User
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.calls.conftest import make_call
from tests.factories import organisation

pytestmark = pytest.mark.django_db(transaction=True)
APPLICANTS = 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
def test_fifty_concurrent_submissions_in_the_last_second():
    load_reference_schemes()
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    call = make_call("rush", closes=deadline)
    call.required_documents.all().delete()
    drafts = []
    for i in range(APPLICANTS):
        user = User.objects.create(username=f"rush{i}", role=Role.APPLICANT, email=f"r{i}@e.org")
        org = organisation(f"Rush {i} SRL", "org-type:sme", postcode="5000")
        Affiliation.objects.create(user=user, organisation=org)
        drafts.append(Application.objects.create(
            call=call, organisation=org, created_by=user, title="P", summary="S",
            requested_amount=Decimal(1000),
        ))  # fmt: skip
    outcomes: dict[int, list[str]] = {d.pk: [] for d in drafts}
    start = threading.Barrier(APPLICANTS)
    rng = random.Random(7)
    # Everyone clicks within the last second around the deadline; a third click twice.
    delays = {d.pk: 2.4 + rng.random() * 1.2 for d in drafts}

    def applicant(draft: Application) -> None:
        try:
            start.wait()
            time.sleep(delays[draft.pk])
            clicks = 2 if draft.pk % 3 == 0 else 1
            for _ in range(clicks):
                try:
                    done = submit(draft, draft.created_by)
                    outcomes[draft.pk].append(f"recorded {done.reference}")
                except WorkflowError:
                    outcomes[draft.pk].append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=applicant, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    results = {a.pk: a for a in Application.objects.filter(call=call)}
    recorded = [a for a in results.values() if a.status == "submitted"]
    refused = [a for a in results.values() if a.status == "draft"]
    assert len(recorded) + len(refused) == APPLICANTS  # none lost, none half-written
    for application in recorded:
        said = outcomes[application.pk]
        assert said[0] == f"recorded {application.reference}"  # told the reference it has
        assert set(said) == {said[0]}  # a second click returns the same reference
        assert application.submitted_at < call.submissions_end
    for application in refused:
        assert outcomes[application.pk][0] == "refused"
        assert application.reference is None and application.submitted_at is None
    assert len({a.reference for a in recorded}) == len(recorded)
    assert AuditEntry.objects.filter(action="application.submit").count() == len(recorded)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == len(recorded)  # one acknowledgement each
