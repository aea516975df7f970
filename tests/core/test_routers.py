"""Open Data reads may go to a read replica (DATABASE_REPLICA_URL); writes never do.

The replica here is configured as `DATABASE_REPLICA_URL` configures it, a TEST MIRROR of
the test database: its own connection, reading the rows the primary committed.
"""

import pytest
from django.core.cache import caches
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from territoria.core.models import Role, User
from territoria.core.routers import REPLICA, read_alias, replica_reads, replica_stream
from territoria.taxonomy.models import ConceptScheme

CODE = "routing-test"


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """The "replica" alias, unless DATABASE_REPLICA_URL already configured one."""
    added = REPLICA not in connections.settings
    if added:
        connections.settings[REPLICA] = {
            **connections["default"].settings_dict,
            "TEST": {**connections["default"].settings_dict["TEST"], "MIRROR": "default"},
        }
    yield REPLICA
    if added:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


class Queries:
    """The SQL each connection ran within the block."""

    def __init__(self) -> None:
        self.on = {alias: CaptureQueriesContext(connections[alias]) for alias in connections}

    def __enter__(self) -> "Queries":
        for capture in self.on.values():
            capture.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for capture in self.on.values():
            capture.__exit__(*exc)

    def count(self, alias: str) -> int:
        return len(self.on[alias].captured_queries)

    def writes(self, alias: str) -> int:
        verbs = ("INSERT", "UPDATE", "DELETE")
        return sum(
            query["sql"].lstrip().upper().startswith(verbs)
            for query in self.on[alias].captured_queries
        )


replica_test = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@replica_test
def test_reads_go_to_the_replica_only_inside_replica_reads(replica):
    ConceptScheme.objects.create(code=CODE, title_fr="Test")
    schemes = ConceptScheme.objects.filter(code=CODE)
    with Queries() as outside:
        assert schemes.get().code == CODE
    assert outside.count("default") == 1 and outside.count(REPLICA) == 0
    with Queries() as inside, replica_reads():
        assert schemes.get().code == CODE  # the row the primary committed, read there
        assert list(schemes.values_list("code", flat=True)) == [CODE]
    assert inside.count(REPLICA) == 2 and inside.count("default") == 0


@replica_test
def test_writes_go_to_the_primary_even_inside_replica_reads(replica):
    with Queries() as queries, replica_reads():
        scheme = ConceptScheme.objects.create(code=CODE, title_fr="Test")
        read = ConceptScheme.objects.get(pk=scheme.pk)
        assert read._state.db == REPLICA
        read.title_en = "Test"
        read.save()  # Django would write it back where it was read from
        ConceptScheme.objects.filter(pk=scheme.pk).update(title_nl="Test")
        ConceptScheme.objects.filter(pk=scheme.pk).delete()
    assert queries.writes(REPLICA) == 0
    assert queries.writes("default") >= 4


@replica_test
def test_a_transaction_and_the_database_cache_read_from_the_primary(replica, settings):
    User.objects.create(username="staff", role=Role.STAFF)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "territoria_cache",
        }
    }
    with replica_reads():
        assert read_alias(User) == REPLICA
        with Queries() as queries, transaction.atomic():
            assert read_alias(User) == "default"  # a transaction sees its own writes
            User.objects.get(username="staff")
        assert queries.count(REPLICA) == 0
        with Queries() as queries:
            caches["default"].get("opendata-rate:x")  # rate limits count on current values
        assert queries.count(REPLICA) == 0 and queries.count("default") == 1


@replica_test
def test_a_decorated_function_reads_from_the_replica_and_the_flag_ends_with_it(replica):
    @replica_reads()
    def count() -> tuple[int, str]:
        return ConceptScheme.objects.filter(code=CODE).count(), read_alias()

    assert count() == (0, REPLICA)
    assert read_alias() == "default"
    with Queries() as queries:
        ConceptScheme.objects.count()
    assert queries.count(REPLICA) == 0


@replica_test
def test_a_streamed_body_reads_from_the_replica_chunk_by_chunk(replica):
    ConceptScheme.objects.create(code=CODE, title_fr="Test")

    def rows():
        for _ in range(2):
            yield ConceptScheme.objects.filter(code=CODE).count(), read_alias()

    with Queries() as queries:
        stream = replica_stream(rows())
        assert next(stream) == (1, REPLICA)
        assert read_alias() == "default"  # between chunks, as the server sends one
        assert list(stream) == [(1, REPLICA)]
    assert queries.count(REPLICA) == 2 and queries.count("default") == 0


def test_without_a_replica_configured_everything_reads_from_the_primary(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    with replica_reads():
        assert read_alias(User) == "default"
        assert read_alias() == "default"
