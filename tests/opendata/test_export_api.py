"""Exports through the API and `territoria export`: what a client reads back."""

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.opendata.conftest import EXPORTS, RECORDS


def body(response: Any) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


def test_the_csv_export_reads_back_as_the_records_api_pages(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    # A client's round trip: every record page, then the CSV, compared cell by cell.
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api.get(RECORDS, {"limit": 3, "offset": offset}).json()
        pages.extend(page["results"])
        offset += 3
        if offset >= page["total_count"]:
            break
    text = body(api.get(EXPORTS + "csv")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == len(pages) == len(orgs)
    for record, row in zip(pages, rows, strict=True):
        for name, value in record.items():
            if value is None:
                expected = ""
            elif isinstance(value, bool):
                expected = "true" if value else "false"
            elif isinstance(value, list):
                expected = ",".join(value)
            elif isinstance(value, dict):
                expected = f"{value['lat']}, {value['lon']}"
            else:
                expected = str(value)
            assert row[name] == expected, (name, record, row)


def test_it_exports_the_selection_with_csv_options(api: Client, orgs: list[dict[str, Any]]) -> None:
    response = api.get(
        EXPORTS + "csv",
        {
            "where": 'city = "Namur"',
            "select": "name, technology",
            "delimiter": ",",
            "with_bom": "true",
            "use_labels": "true",
            "list_separator": "|",
        },
    )
    assert response["Content-Disposition"] == 'attachment; filename="fixture-organisations.csv"'
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Dénomination", "Technologies"]
    assert sorted(r[0] for r in rows[1:]) == sorted(o["name"] for o in orgs if o["city"] == "Namur")
    assert "Cloud|Intelligence artificielle" in [r[1] for r in rows[1:]]


@pytest.mark.parametrize("format_name", ["json", "jsonl", "geojson", "parquet", "xlsx"])
def test_it_exports_every_format(
    api: Client, orgs: list[dict[str, Any]], format_name: str, tmp_path: Path
) -> None:
    raw = body(api.get(EXPORTS + format_name, {"order_by": "name"}))
    names = sorted(o["name"] for o in orgs)
    if format_name == "json":
        assert [r["name"] for r in json.loads(raw)] == names
    elif format_name == "jsonl":
        assert [json.loads(line)["name"] for line in raw.decode().splitlines()] == names
    elif format_name == "geojson":
        features = json.loads(raw)["features"]
        assert [f["properties"]["name"] for f in features] == names
        located = [f for f in features if f["geometry"]]
        assert len(located) == sum(1 for o in orgs if o["latitude"] is not None)
    elif format_name == "parquet":
        path = tmp_path / "x.parquet"
        path.write_bytes(raw)
        assert pq.read_table(path).column("name").to_pylist() == names
    else:
        assert raw[:2] == b"PK"


def test_it_compresses_on_request(api: Client, orgs: list[dict[str, Any]]) -> None:
    response = api.get(EXPORTS + "jsonl", {"compressed": "true"})
    assert response["Content-Type"] == "application/gzip"
    assert len(gzip.decompress(body(response)).decode().splitlines()) == len(orgs)


@pytest.mark.parametrize(
    "params",
    [
        {"delimiter": "ab"},
        {"with_bom": "maybe"},
        {"where": "city ="},
        {"limit": "-5"},
        {"refine": "nope"},
    ],
)
def test_it_refuses_bad_export_requests_with_400(api: Client, params: dict[str, str]) -> None:
    response = api.get(EXPORTS + "csv", params)
    assert response.status_code == 400
    assert set(response.json()) == {"error_code", "message"}


def test_it_refuses_unknown_formats_and_geojson_without_points(api: Client) -> None:
    assert api.get(EXPORTS + "shp").status_code == 400
    response = api.get(EXPORTS + "geojson", {"select": "name"})
    assert response.status_code == 400 and "geo_point_2d" in response.json()["message"]


def test_the_export_command_writes_the_same_file(
    api: Client, orgs: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    call_command(
        "export",
        "fixture-organisations",
        "--format",
        "csv",
        "-o",
        str(target),
        "--where",
        'city = "Liège"',
    )
    rows = list(
        csv.DictReader(io.StringIO(target.read_bytes().decode(), newline=""), delimiter=";")
    )
    assert sorted(r["name"] for r in rows) == sorted(
        o["name"] for o in orgs if o["city"] == "Liège"
    )
    assert target.read_bytes() == body(api.get(EXPORTS + "csv", {"where": 'city = "Liège"'}))


def test_the_export_command_explains_mistakes_and_leaves_no_file(
    orgs: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="unknown dataset"):
        call_command("export", "nope", "-o", str(target))
    with pytest.raises(CommandError, match="ends too early|unexpected"):
        call_command("export", "fixture-organisations", "-o", str(target), "--where", "city =")
    with pytest.raises(CommandError, match="geo_point_2d"):
        call_command(
            "export",
            "fixture-organisations",
            "--format",
            "geojson",
            "--select",
            "name",
            "-o",
            str(target),
        )
    assert list(tmp_path.iterdir()) == []
