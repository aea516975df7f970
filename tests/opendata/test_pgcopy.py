"""On PostgreSQL, CSV exports are written by COPY: byte for byte what the Python writer writes."""

import csv
import gzip
import io
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client

from territoria.opendata import exports, pgcopy, registry
from territoria.opendata.api import export_columns
from territoria.opendata.params import parse_request
from territoria.opendata.services import Query

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

NO_DATETIME = "id, name, city, postcode, founded_on, latitude, active, position, technology, size"


def both(params: dict[str, Any]) -> tuple[bytes, bytes]:
    query_params = QueryDict(mutable=True)
    for key, value in params.items():
        query_params.setlist(key, value if isinstance(value, list) else [value])
    options = exports.parse_options(query_params)
    python_query = Query(
        registry.get("fixture-organisations"), parse_request(query_params, export=True)
    )
    copy_query = Query(
        registry.get("fixture-organisations"), parse_request(query_params, export=True)
    )
    assert pgcopy.usable(copy_query, options)
    columns = export_columns(python_query)
    python = b"".join(exports.stream("csv", columns, python_query.export_rows(), options))
    copied = b"".join(pgcopy.stream(copy_query, columns, options))
    return python, copied


CASES = [
    {"select": NO_DATETIME},
    {"select": NO_DATETIME, "delimiter": ",", "use_labels": "true", "list_separator": "|"},
    {"select": NO_DATETIME, "with_bom": "true", "order_by": "name desc"},
    {
        "select": NO_DATETIME,
        "where": 'city = "Namur" OR technology = "Cloud"',
        "refine": "active:true",
    },
    {
        "select": NO_DATETIME,
        "refine": "technology:Intelligence artificielle",
        "limit": "2",
        "offset": "1",
    },
    {"select": "name, technology", "lang": "en"},
]


@pytest.mark.parametrize("params", CASES, ids=[str(c) for c in CASES])
def test_copy_writes_what_the_python_writer_writes(
    orgs: list[dict[str, Any]], params: dict[str, Any]
) -> None:
    python, copied = both(params)
    assert copied == python


def test_it_is_used_by_the_api_and_compresses(api: Client, orgs: list[dict[str, Any]]) -> None:
    url = "/api/explore/v2.1/catalog/datasets/fixture-organisations/exports/csv"
    plain = b"".join(api.get(url, {"select": NO_DATETIME}).streaming_content)
    packed = b"".join(api.get(url, {"select": NO_DATETIME, "compressed": "true"}).streaming_content)
    assert gzip.decompress(packed) == plain
    rows = csv.reader(io.StringIO(plain.decode(), newline=""), delimiter=";")
    assert len(list(rows)) == len(orgs) + 1


def test_exports_it_cannot_write_identically_go_through_python(orgs: list[dict[str, Any]]) -> None:
    dataset = registry.get("fixture-organisations")
    for params, options in (
        ({}, exports.ExportOptions()),  # created_at is a datetime
        ({"select": "name"}, exports.ExportOptions(quote_all=True)),
        ({"select": "city, count(*) as n", "group_by": "city"}, exports.ExportOptions()),
        ({"select": "name"}, exports.ExportOptions(delimiter="é")),
    ):
        query_params = QueryDict(mutable=True)
        query_params.update(params)
        query = Query(dataset, parse_request(query_params, export=True))
        assert not pgcopy.usable(query, options)
