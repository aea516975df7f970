import pytest
from django.db import DatabaseError, connection, transaction

from territoria.core.models import AuditEntry, AuditLogIsAppendOnly
from territoria.core.services import record_audit
from territoria.taxonomy.models import ConceptScheme


@pytest.fixture
def entry(users):
    scheme = ConceptScheme.objects.get(code="size")
    return record_audit(
        users["staff"], "scheme.rename", scheme, before={"title_fr": "A"}, after={"title_fr": "B"}
    )


def test_it_records_who_what_and_the_values_before_and_after(entry, users):
    entry.refresh_from_db()
    assert entry.actor == users["staff"]
    assert entry.object_type == "taxonomy.conceptscheme"
    assert entry.before == {"title_fr": "A"} and entry.after == {"title_fr": "B"}
    assert entry.created_at is not None


def test_it_refuses_to_change_or_delete_entries_through_the_orm(entry):
    entry.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().update(action="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()


def test_the_database_itself_refuses_updates_and_deletes(entry):
    statements = ["UPDATE core_auditentry SET action = 'forged'", "DELETE FROM core_auditentry"]
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditEntry.objects.get(pk=entry.pk).action == "scheme.rename"


def test_an_anonymous_actor_is_stored_as_nobody(db):
    from django.contrib.auth.models import AnonymousUser

    scheme = ConceptScheme.objects.get(code="size")
    assert record_audit(AnonymousUser(), "viewed", scheme).actor is None


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_still_empties_the_log_and_the_trigger_comes_back():
    """Django's flush (between transactional tests) deletes rows; it lifts the trigger for
    its own statements only."""
    from django.core.management import call_command

    from territoria.core.models import User

    record_audit(None, "before.flush", User.objects.create(username="before-flush"))
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    record_audit(None, "after.flush", User.objects.create(username="after-flush"))
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry")
