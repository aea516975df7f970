"""On SQLite, requests that only read never take the database's one write lock.

The review's finding: every `atomic()` began with BEGIN IMMEDIATE, so a long import
held up reads that opened a transaction, and they failed after 20 s.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from territoria.core.sqlite.base import reads_only
from tests.processes import run_script, site_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'"),
]


def _begins(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("BEGIN")]


def test_a_transaction_inside_reads_only_begins_deferred():
    with CaptureQueriesContext(connection) as queries:
        with reads_only(), transaction.atomic():
            connection.cursor().execute("SELECT 1")
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")
    assert _begins(queries) == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/ecosystem/",
        "/api/explore/v2.1/catalog/datasets",
        "/api/explore/v2.1/catalog/datasets/organisations/records?limit=5",
        "/api/explore/v2.1/catalog/datasets/organisations/facets",
        "/dashboard/",
    ],
)
def test_public_pages_never_take_the_write_lock(client, url):
    client.get(url)  # first visit: caches and sessions may be created
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "BEGIN IMMEDIATE" not in _begins(queries)


def test_a_form_post_still_takes_the_write_lock_at_once(client, django_user_model):
    django_user_model.objects.create_user("someone", "someone@example.org", "a long password 1")
    with CaptureQueriesContext(connection) as queries:
        client.post("/accounts/login/", {"login": "someone", "password": "wrong password"})
    assert "BEGIN DEFERRED" not in _begins(queries)


SCRIPT = """
import sqlite3, sys
import django
django.setup()
from django.conf import settings
# Waiting for the lock would hang (the test's timeout fails it) rather than give up.
settings.DATABASES["default"]["OPTIONS"]["timeout"] = 3600
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("load_reference", verbosity=0)
urls = sys.argv[1:]
client = Client()
for url in urls:
    client.get(url)
holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")  # what a long import holds
holder.execute("INSERT INTO territoria_cache VALUES ('held', 'x', '2999-01-01')")
for url in urls:
    print(url, client.get(url, REMOTE_ADDR="10.1.2.3").status_code, flush=True)
holder.execute("ROLLBACK")
"""


@pytest.mark.parametrize(
    "urls",
    [
        [
            "/ecosystem/",
            "/api/explore/v2.1/catalog/datasets/organisations/records?limit=5",
            "/api/explore/v2.1/catalog/datasets/organisations/exports/csv",
            "/accounts/login/",
        ]
    ],
)
def test_pages_answer_while_another_process_holds_the_write_lock(tmp_path, urls):
    """A real database file, its write lock held by another connection as an import would:
    public pages and anonymous Open Data requests (which count against the quota in the
    database cache) still answer, at once, rather than fail after the lock's timeout."""
    done = run_script(SCRIPT, *urls, env=site_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    answers = [line.split() for line in done.stdout.splitlines() if line.startswith("/")]
    assert answers == [[url, "200"] for url in urls]
