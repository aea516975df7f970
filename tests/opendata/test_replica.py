"""The Open Data API reads from the read replica when one is configured
(DATABASE_REPLICA_URL), the exports' streamed bodies included; the quota stays on the
primary's cache."""

import pytest
from django.db import connection
from django.test import Client

from tests.core.test_routers import Queries, replica, replica_test  # noqa: F401 (fixture)

API = "/api/explore/v2.1/catalog/datasets/organisations"


def _dataset_reads(queries: Queries, alias: str) -> int:
    return sum("ecosystem_organisation" in q["sql"] for q in queries.on[alias].captured_queries)


@replica_test
@pytest.mark.parametrize("path", ["/records?limit=5", "/facets", "/exports/csv", "/exports/json"])
def test_open_data_reads_go_to_the_replica(replica, path):  # noqa: F811
    client = Client()
    with Queries() as queries:
        response = client.get(API + path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, body[:300]
    # PostgreSQL writes a CSV with COPY on psycopg's own cursor, which Django does not log.
    copied = path == "/exports/csv" and connection.vendor == "postgresql"
    assert copied or _dataset_reads(queries, "replica") > 0
    assert _dataset_reads(queries, "default") == 0
