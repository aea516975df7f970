"""Opendatasoft's own JavaScript client, `@opendatasoft/api-client` (npm, pinned in
tests/opendata/clients/package.json), used as its README shows against a live `territoria
serve`: every builder call the README documents, each answer checked against the database.

The server runs on a fresh database of the test run's kind (SQLite, or PostgreSQL when
DATABASE_URL names one: CI runs both), loaded as `territoria demo` loads it by
tests/opendata/clients/prepare.py, which also reads the published rows through the ORM for
the tests. tests/opendata/clients/run.mjs makes the calls, all in one Node.js process.

Needs Node.js and `npm ci` in tests/opendata/clients (.ci/run does both): without them the
module is skipped, unless TERRITORIA_REQUIRE_SERVICES=1 makes that a failure.
"""

import csv
import datetime
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rdflib
from django.db import connections

from tests.processes import free_port, fresh_database, site_env, unavailable

REPO = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).resolve().parent / "clients"
API = "/api/explore/v2.1"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
# Organisations of the fictitious ecosystem: enough for every query to select a few.
ORGANISATIONS = 150


@dataclass
class Answer:
    """What the client's `get` gave for one call: its result, or the error it threw."""

    name: str
    url: str
    ok: bool
    result: Any = None
    error: Any = None

    def __str__(self) -> str:
        if self.ok:
            body = json.dumps(self.result, ensure_ascii=False)
            return f"{self.name}: GET {self.url} → {body[:1500]}"
        error = self.error
        body = json.dumps(error["details"], ensure_ascii=False) if error["details"] else ""
        return (
            f"{self.name}: GET {self.url} → {error['class']} {error['status']} "
            f"{body or error['message']}"
        )

    __repr__ = __str__

    @property
    def body(self) -> Any:
        """The result, for a call that succeeded."""
        assert self.ok, self
        return self.result

    @property
    def results(self) -> list[dict[str, Any]]:
        assert isinstance(self.body, dict) and isinstance(self.body.get("results"), list), self
        return list(self.body["results"])


@dataclass
class Site:
    """A live server, the rows of its database, and the client's answers."""

    url: str
    facts: dict[str, Any]
    params: dict[str, Any]
    answers: dict[str, Answer]

    def __repr__(self) -> str:
        return f"Site({self.url})"

    def rows(self, dataset_id: str, lang: str = "fr") -> list[dict[str, Any]]:
        return list(self.facts["rows"][dataset_id][lang])

    @property
    def catalogue(self) -> list[dict[str, Any]]:
        return list(self.facts["catalogue"])


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"territoria serve stopped ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (localhost)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"territoria serve did not answer within {seconds} s:\n{log.read_text()}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """The server and what it started (gunicorn): its process group."""
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def client_params(facts: dict[str, Any]) -> dict[str, Any]:
    """The values the calls use, chosen from the data so that each selects some rows."""
    organisations = facts["rows"]["organisations"]["fr"]
    calls = facts["rows"]["calls"]["fr"]
    cities = Counter(row["city"] for row in organisations if row["city"])
    (city, _), (other_city, _) = cities.most_common(2)
    forms = Counter(row["legal_form"] for row in organisations if row["legal_form"])
    quoted = sorted(form for form in forms if "'" in form or '"' in form)
    assert quoted, f"no legal form with a quote to escape among {sorted(forms)}"
    founded = sorted(row["founded_on"] for row in organisations if row["founded_on"])
    year, month, day = (int(part) for part in founded[len(founded) // 2].split("-"))
    technologies = Counter(t for row in organisations for t in row["technology"] or [])
    first_words = Counter(
        row["name"].split()[0][:4] for row in organisations if len(row["name"].split()[0]) >= 4
    )
    later_words = Counter(
        word.lower()[:4]
        for row in organisations
        for word in row["name"].split()[1:]
        if len(word) >= 4 and word.isalpha()
    )
    recorded = [row for row in organisations if row["city"] and row["legal_form"]]
    counts = sorted(dataset["records_count"] for dataset in facts["catalogue"])
    themes = Counter(dataset["theme_label"]["fr"] for dataset in facts["catalogue"])
    return {
        "city": city,
        "other_city": other_city,
        "legal_form": forms.most_common(1)[0][0],
        "quoted_legal_form": quoted[0],
        "founded_from": {"year": year, "month": month, "day": day},
        "opens_before": sorted(row["opens_at"] for row in calls)[len(calls) // 2],
        "technology": technologies.most_common(1)[0][0],
        "search": other_city,
        "start": first_words.most_common(1)[0][0],
        "suggest": later_words.most_common(1)[0][0],
        "instrument_code": Counter(row["instrument_code"] for row in calls).most_common(1)[0][0],
        "record_id": recorded[len(recorded) // 2]["id"],
        "missing_id": max(row["id"] for row in organisations) + 1000,
        "catalog_threshold": counts[len(counts) // 2],
        "theme_label": themes.most_common(1)[0][0],
    }


def run_client(url: str, params: dict[str, Any]) -> dict[str, Answer]:
    node = shutil.which("node")
    assert node
    finished = subprocess.run(
        [node, "run.mjs"],
        input=json.dumps({"domain": url, "params": params}),
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    answers = {}
    for line in finished.stdout.splitlines():
        answer = Answer(**json.loads(line))
        answers[answer.name] = answer
    return answers


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not shutil.which("node"):
        unavailable("needs Node.js (node) to run Opendatasoft's JavaScript client")
    if not (CLIENTS / "node_modules" / "@opendatasoft" / "api-client").is_dir():
        unavailable(f"needs the client installed: npm ci --prefix {CLIENTS.relative_to(REPO)}")
    folder = tmp_path_factory.mktemp("clients")
    database = fresh_database(folder)
    server = None
    try:
        env = site_env(folder, DATABASE_URL=database.url, OPENDATA_RATE_LIMIT="100000")
        env.pop("DATABASE_REPLICA_URL", None)  # the test run's replica is not this database's
        facts_file = folder / "facts.json"
        prepared = subprocess.run(
            [sys.executable, str(CLIENTS / "prepare.py"), str(facts_file), str(ORGANISATIONS)],
            env={**env, "DJANGO_SETTINGS_MODULE": "territoria.settings"},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert prepared.returncode == 0, prepared.stderr[-5000:]
        facts = json.loads(facts_file.read_text())
        assert facts["database"] == connections["default"].vendor
        port = free_port()
        log = folder / "serve.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--no-worker"],
                env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}{API}/catalog/datasets?limit=1", server, log)
        params = client_params(facts)
        yield Site(url, facts, params, run_client(url, params))
    finally:
        if server is not None:
            _stop(server)
        database.drop()


# --- helpers -------------------------------------------------------------------------------


def answer_of(site: Site, name: str) -> Answer:
    assert name in site.answers, f"the client gave no answer for {name}"
    return site.answers[name]


def assert_selects(answer: Answer, expected: Iterable[Any], key: str = "id") -> None:
    """The answer counts the records whose `key` values are `expected` and, on its page of
    at most 100, lists exactly them."""
    wanted = sorted(expected)
    assert len(wanted) <= 100, "a page of 100 cannot hold them all: choose fewer"
    published = sorted(row[key] for row in answer.results)
    assert answer.body["total_count"] == len(wanted), answer
    assert published == wanted, answer


def assert_error(answer: Answer, error_class: str, status: int) -> None:
    assert not answer.ok, answer
    assert (answer.error["class"], answer.error["status"]) == (error_class, status), answer
    details = answer.error["details"]
    assert isinstance(details, dict) and details.get("message"), answer


def links(answer: Answer) -> dict[str, str]:
    """rel → href of an answer's links (Opendatasoft names the list `links`, or `_links` in
    its OpenAPI document)."""
    found = answer.body.get("links", answer.body.get("_links"))
    assert isinstance(found, list) and found, answer
    return {link["rel"]: link["href"] for link in found}


def facet_counts(answer: Answer, name: str) -> dict[str, int]:
    assert answer.ok, answer
    facets = {facet["name"]: facet["facets"] for facet in answer.body["facets"]}
    assert name in facets, answer
    for value in facets[name]:
        assert set(value) >= {"name", "count", "value", "state"}, answer
    return {value["value"]: value["count"] for value in facets[name]}


def has_word_starting(record: dict[str, Any], prefix: str) -> bool:
    """Some text of the record holds a word that begins with `prefix` (any case)."""
    texts = [
        v for value in record.values() for v in (value if isinstance(value, list) else [value])
    ]
    word = re.compile(rf"(?<!\w){re.escape(prefix)}", re.IGNORECASE)
    return any(isinstance(text, str) and word.search(text) for text in texts)


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_root_links_to_its_datasets(site: Site) -> None:
    found = links(answer_of(site, "catalog_itself"))
    assert found.get("datasets", "").rstrip("/").endswith(f"{API}/catalog/datasets"), found


def test_the_catalogue_lists_every_dataset_with_its_record_count(site: Site) -> None:
    answer = answer_of(site, "catalog_datasets")
    assert answer.body["total_count"] == len(site.catalogue), answer
    published = {d["dataset_id"]: d["metas"]["default"]["records_count"] for d in answer.results}
    assert published == {d["dataset_id"]: d["records_count"] for d in site.catalogue}


def test_the_catalogue_selects_the_dataset_id_and_records_count(site: Site) -> None:
    answer = answer_of(site, "catalog_select")
    expected = {d["dataset_id"]: d["records_count"] for d in site.catalogue}
    selected = {}
    for result in answer.results:
        assert "fields" not in result, f"a field that was not selected: {answer}"
        count = result.get(
            "records_count", result.get("metas", {}).get("default", {}).get("records_count")
        )
        selected[result["dataset_id"]] = count
    assert selected == expected, answer


def test_the_catalogue_filters_with_where(site: Site) -> None:
    threshold = site.params["catalog_threshold"]
    expected = {d["dataset_id"] for d in site.catalogue if d["records_count"] >= threshold}
    assert_selects(answer_of(site, "catalog_where"), expected, "dataset_id")


def test_the_catalogue_is_ordered_and_paged(site: Site) -> None:
    answer = answer_of(site, "catalog_order_limit_offset")
    ids = sorted((d["dataset_id"] for d in site.catalogue), reverse=True)
    assert answer.body["total_count"] == len(ids), answer
    assert [d["dataset_id"] for d in answer.results] == ids[2:5], answer


def test_the_catalogue_is_refined_by_theme(site: Site) -> None:
    label = site.params["theme_label"]
    expected = {d["dataset_id"] for d in site.catalogue if d["theme_label"]["fr"] == label}
    assert_selects(answer_of(site, "catalog_refine_theme"), expected, "dataset_id")


def test_the_catalogue_facets_count_the_datasets_of_each_theme(site: Site) -> None:
    counts = facet_counts(answer_of(site, "catalog_facets"), "theme")
    assert counts == Counter(d["theme_label"]["fr"] for d in site.catalogue)


def test_the_catalogue_exports_as_json(site: Site) -> None:
    answer = answer_of(site, "catalog_export_json")
    assert answer.ok and isinstance(answer.result, list), answer
    assert sorted(d["dataset_id"] for d in answer.result) == [
        d["dataset_id"] for d in site.catalogue
    ]


def test_the_catalogue_exports_as_csv(site: Site) -> None:
    answer = answer_of(site, "catalog_export_csv")
    assert answer.ok and answer.body["status"] == 200, answer
    assert answer.body["contentType"].startswith("text/csv"), answer
    rows = list(csv.DictReader(io.StringIO(answer.body["text"]), delimiter=";"))
    column = "dataset_id" if rows and "dataset_id" in rows[0] else "datasetid"
    assert sorted(row.get(column) or "" for row in rows) == [
        d["dataset_id"] for d in site.catalogue
    ], answer


def test_the_catalogue_exports_as_rdf(site: Site) -> None:
    answer = answer_of(site, "catalog_export_rdf")
    assert answer.ok and answer.body["status"] == 200, answer
    assert answer.body["contentType"].startswith("application/rdf+xml"), answer
    graph = rdflib.Graph().parse(data=answer.body["text"], format="xml")
    terms = rdflib.namespace  # (its names stay out of the module, where pytest looks)
    identifiers = {
        str(graph.value(node, terms.DCTERMS.identifier))
        for node in graph.subjects(terms.RDF.type, terms.DCAT.Dataset)
    }
    assert identifiers == {d["dataset_id"] for d in site.catalogue}


def test_the_catalogue_lists_its_export_formats(site: Site) -> None:
    found = links(answer_of(site, "catalog_exports_list"))
    for name in ("json", "csv", "rdf"):
        assert found.get(name, "").rstrip("/").endswith(f"/catalog/exports/{name}"), found


# --- one dataset -----------------------------------------------------------------------------


def test_a_dataset_describes_itself(site: Site) -> None:
    answer = answer_of(site, "dataset_itself")
    assert answer.ok, answer
    (expected,) = [d for d in site.catalogue if d["dataset_id"] == "organisations"]
    assert answer.body["dataset_id"] == "organisations"
    assert [f["name"] for f in answer.body["fields"]] == expected["fields"]
    assert answer.body["metas"]["default"]["records_count"] == expected["records_count"]


def test_a_dataset_describes_itself_in_the_language_asked(site: Site) -> None:
    answer = answer_of(site, "dataset_itself_en")
    assert answer.ok, answer
    (expected,) = [d for d in site.catalogue if d["dataset_id"] == "calls"]
    assert answer.body["metas"]["default"]["title"] == expected["title"]["en"]


def test_a_dataset_facets_count_every_facet_field(site: Site) -> None:
    answer = answer_of(site, "dataset_facets")
    assert answer.ok, answer
    (expected,) = [d for d in site.catalogue if d["dataset_id"] == "organisations"]
    assert {facet["name"] for facet in answer.body["facets"]} == set(expected["facets"])
    forms = Counter(row["legal_form"] for row in site.rows("organisations") if row["legal_form"])
    assert facet_counts(answer, "legal_form") == forms


def test_a_facet_counts_the_refined_records(site: Site) -> None:
    answer = answer_of(site, "dataset_facet_refined")
    city = site.params["city"]
    rows = [row for row in site.rows("organisations") if row["city"] == city]
    assert [facet["name"] for facet in answer.body["facets"]] == ["legal_form"], answer
    assert facet_counts(answer, "legal_form") == Counter(
        r["legal_form"] for r in rows if r["legal_form"]
    )


def test_a_facet_counts_values_in_the_language_asked(site: Site) -> None:
    answer = answer_of(site, "dataset_facet_en")
    rows = site.rows("calls", "en")
    # (the client sorts repeated parameters: the order asked does not reach the server)
    names = {facet["name"] for facet in answer.body["facets"]}
    assert names == {"seat_required_in", "eligible_types"}, answer
    places = Counter(row["seat_required_in"] for row in rows if row["seat_required_in"])
    assert facet_counts(answer, "seat_required_in") == places
    types = Counter(value for row in rows for value in row["eligible_types"] or [])
    assert facet_counts(answer, "eligible_types") == types


def test_a_dataset_lists_its_export_formats(site: Site) -> None:
    found = links(answer_of(site, "dataset_exports_list"))
    for name in ("json", "csv"):
        assert found.get(name, "").rstrip("/").endswith(f"/datasets/calls/exports/{name}"), found


def test_a_dataset_exports_the_selected_records_as_json(site: Site) -> None:
    answer = answer_of(site, "dataset_export_json")
    assert answer.ok and isinstance(answer.result, list), answer
    code = site.params["instrument_code"]
    expected = [
        {"code": row["code"], "year": row["year"]}
        for row in site.rows("calls")
        if row["instrument_code"] == code
    ]
    assert sorted(answer.result, key=lambda r: r["code"]) == sorted(
        expected, key=lambda r: r["code"]
    )


def test_the_client_reads_no_csv_export_as_json(site: Site) -> None:
    # `get` parses any successful answer as JSON: a CSV export (answered 200, or the error
    # would be one of the API's) makes it throw JSON.parse's SyntaxError, as it would
    # against Opendatasoft. Such an export is read with the client's `interceptResponse`.
    answer = answer_of(site, "dataset_export_csv")
    assert not answer.ok and answer.error["class"] == "SyntaxError", answer


def test_a_dataset_exports_every_record_as_csv(site: Site) -> None:
    answer = answer_of(site, "dataset_export_csv_text")
    assert answer.ok and answer.body["status"] == 200, answer
    assert answer.body["contentType"].startswith("text/csv"), answer
    rows = list(csv.reader(io.StringIO(answer.body["text"].lstrip("\ufeff")), delimiter=";"))
    (expected,) = [d for d in site.catalogue if d["dataset_id"] == "calls"]
    assert rows[0] == expected["fields"]
    codes = [row[rows[0].index("code")] for row in rows[1:]]
    assert sorted(codes) == sorted(row["code"] for row in site.rows("calls"))


def test_a_record_is_read_by_its_identifier(site: Site) -> None:
    answer = answer_of(site, "record")
    assert answer.ok, answer
    (row,) = [row for row in site.rows("organisations") if row["id"] == site.params["record_id"]]
    for name, value in row.items():
        if name == "pk":
            continue
        published = answer.body.get(name)
        if isinstance(value, list):
            published = sorted(published or [])
        assert published == value, f"{name}: {answer}"


def test_an_unknown_record_is_not_found(site: Site) -> None:
    assert_error(answer_of(site, "record_unknown"), "NotFoundError", 404)


# --- records -------------------------------------------------------------------------------


def test_records_are_published_as_the_database_holds_them(site: Site) -> None:
    answer = answer_of(site, "records")
    rows = {row["id"]: row for row in site.rows("organisations")}
    assert answer.body["total_count"] == len(rows), answer
    assert len(answer.results) == 10  # the API's default page
    for record in answer.results:
        expected = rows[record["id"]]
        for name, value in expected.items():
            if name == "pk":
                continue
            published = sorted(record[name] or []) if isinstance(value, list) else record[name]
            assert published == value, f"{record['id']} {name}: {answer}"


def test_records_are_filtered_with_the_field_value_shorthand(site: Site) -> None:
    answer = answer_of(site, "records_field_value")
    city = site.params["city"]
    expected = [row for row in site.rows("organisations") if row["city"] == city]
    assert answer.body["total_count"] == len(expected), answer
    assert sorted(r["name"] for r in answer.results) == sorted(r["name"] for r in expected)
    assert all(set(record) == {"name", "city"} for record in answer.results), answer


def test_records_are_filtered_on_an_escaped_field_and_string(site: Site) -> None:
    answer = answer_of(site, "records_escaped_string")
    form = site.params["quoted_legal_form"]
    expected = [row["name"] for row in site.rows("organisations") if row["legal_form"] == form]
    assert answer.body["total_count"] == len(expected), answer
    assert sorted(record["name"] for record in answer.results) == sorted(expected)
    assert {record["legal_form"] for record in answer.results} == {form}


def test_records_are_filtered_on_a_date(site: Site) -> None:
    start = datetime.date(**site.params["founded_from"]).isoformat()
    expected = {
        row["id"]
        for row in site.rows("organisations")
        if row["founded_on"] and row["founded_on"] >= start
    }
    assert_selects(answer_of(site, "records_date"), expected)


def test_records_are_filtered_on_a_moment(site: Site) -> None:
    before = moment(site.params["opens_before"])
    expected = {row["code"] for row in site.rows("calls") if moment(row["opens_at"]) < before}
    assert_selects(answer_of(site, "records_datetime"), expected, "code")


def test_records_are_filtered_with_all_one_and_not(site: Site) -> None:
    cities = {site.params["city"], site.params["other_city"]}
    rows = [row for row in site.rows("organisations") if row["city"] in cities]
    # Every one has a legal form: what NOT makes of a missing value does not matter here.
    assert all(row["legal_form"] for row in rows)
    expected = {row["id"] for row in rows if row["legal_form"] != site.params["legal_form"]}
    assert_selects(answer_of(site, "records_all_one_not"), expected)


def test_records_are_aggregated(site: Site) -> None:
    answer = answer_of(site, "records_aggregate")
    budgets = [row["budget"] for row in site.rows("calls") if row["budget"] is not None]
    (result,) = answer.results
    assert result["n"] == len(site.rows("calls")), answer
    assert result["mean"] == pytest.approx(sum(budgets) / len(budgets)), answer


def test_records_are_grouped_with_their_group_key(site: Site) -> None:
    answer = answer_of(site, "records_group_by")
    groups: dict[str, list[float]] = {}
    for row in site.rows("calls"):
        groups.setdefault(row["instrument_code"], []).append(row["budget"] or 0)
    expected = {code: (len(budgets), sum(budgets)) for code, budgets in groups.items()}
    assert all("instrument_code" in r for r in answer.results), f"no group key: {answer}"
    published = {r["instrument_code"]: (r["n"], r["total"]) for r in answer.results}
    assert published.keys() == expected.keys(), answer
    for code, (count, total) in expected.items():
        assert published[code][0] == count, answer
        assert published[code][1] == pytest.approx(total), answer


def test_records_are_grouped_and_ordered_as_the_readme_starts(site: Site) -> None:
    answer = answer_of(site, "records_group_by_labels")
    expected = {
        (row["instrument_code"], row["year"]) for row in site.rows("calls") if row["year"] >= 2021
    }
    published = [(record.get("instrument"), record.get("year")) for record in answer.results]
    assert answer.body["total_count"] == len(expected), answer
    assert set(published) == expected, answer
    years = [int(record["year"]) for record in answer.results]
    assert years == sorted(years, reverse=True), answer


def test_records_are_ordered_descending_with_a_minus(site: Site) -> None:
    answer = answer_of(site, "records_order_desc")
    founded = sorted(
        (row["founded_on"] for row in site.rows("organisations") if row["founded_on"]), reverse=True
    )
    assert [record["founded_on"] for record in answer.results] == founded[:5], answer


def test_records_are_paged(site: Site) -> None:
    answer = answer_of(site, "records_limit_offset")
    ids = sorted((row["id"] for row in site.rows("organisations")), reverse=True)
    assert answer.body["total_count"] == len(ids), answer
    assert [record["id"] for record in answer.results] == ids[3:8], answer


def test_records_are_refined_and_excluded(site: Site) -> None:
    city, form = site.params["city"], site.params["legal_form"]
    expected = {
        row["id"]
        for row in site.rows("organisations")
        if row["city"] == city and row["legal_form"] != form
    }
    assert_selects(answer_of(site, "records_refine_exclude"), expected)


def test_records_are_refined_on_a_value_of_a_multivalued_field(site: Site) -> None:
    technology = site.params["technology"]
    answer = answer_of(site, "records_refine_multivalued")
    expected = {
        row["id"] for row in site.rows("organisations") if technology in (row["technology"] or [])
    }
    assert_selects(answer, expected)
    assert all(technology in record["technology"] for record in answer.results), answer


def test_records_are_read_in_the_language_asked(site: Site) -> None:
    answer = answer_of(site, "records_lang_en")
    expected = {
        row["code"]: (row["seat_required_in"], row["eligible_types"])
        for row in site.rows("calls", "en")
    }
    published = {
        r["code"]: (
            r["seat_required_in"],
            sorted(r["eligible_types"]) if r["eligible_types"] else None,
        )
        for r in answer.results
    }
    assert published == expected, answer


def test_records_give_moments_in_the_time_zone_asked(site: Site) -> None:
    answer = answer_of(site, "records_timezone")
    expected = {row["code"]: moment(row["opens_at"]) for row in site.rows("calls")}
    assert {record["code"] for record in answer.results} == set(expected), answer
    for record in answer.results:
        published = moment(record["opens_at"])
        opens = expected[record["code"]]
        assert published == opens, answer
        assert published.utcoffset() == opens.astimezone(BRUSSELS).utcoffset(), answer


# --- the text helpers ----------------------------------------------------------------------


def test_text_search_finds_what_the_ecosystem_search_finds(site: Site) -> None:
    expected = set(site.facts["organisation_searches"][site.params["search"]])
    assert_selects(answer_of(site, "text_search"), expected)


def test_text_search_in_one_field(site: Site) -> None:
    city = site.params["city"].lower()
    expected = {
        row["id"] for row in site.rows("organisations") if city in (row["city"] or "").lower()
    }
    assert_selects(answer_of(site, "text_search_field"), expected)


def test_text_start_with_in_one_field(site: Site) -> None:
    start = site.params["start"].lower()
    expected = [
        row["name"] for row in site.rows("organisations") if row["name"].lower().startswith(start)
    ]
    assert_selects(answer_of(site, "text_start_with"), expected, "name")


def test_text_start_with_in_any_field(site: Site) -> None:
    answer = answer_of(site, "text_start_with_any_field")
    start = site.params["start"]
    names = [
        row for row in site.rows("organisations") if row["name"].lower().startswith(start.lower())
    ]
    assert answer.body["total_count"] >= len(names), answer
    assert answer.results and all(has_word_starting(r, start) for r in answer.results), answer


def test_text_suggest_in_one_field(site: Site) -> None:
    prefix = site.params["suggest"]
    expected = [
        row["name"]
        for row in site.rows("organisations")
        if has_word_starting({"name": row["name"]}, prefix)
    ]
    assert_selects(answer_of(site, "text_suggest"), expected, "name")


def test_text_suggest_in_any_field(site: Site) -> None:
    answer = answer_of(site, "text_suggest_any_field")
    prefix = site.params["suggest"]
    names = [
        row for row in site.rows("organisations") if has_word_starting({"n": row["name"]}, prefix)
    ]
    assert answer.body["total_count"] >= len(names), answer
    assert answer.results and all(has_word_starting(r, prefix) for r in answer.results), answer


def test_exact_match(site: Site) -> None:
    expected = {
        row["id"] for row in site.rows("organisations") if row["city"] == site.params["city"]
    }
    assert_selects(answer_of(site, "exact_match"), expected)


# --- errors --------------------------------------------------------------------------------


def test_an_unknown_dataset_is_a_not_found_error(site: Site) -> None:
    assert_error(answer_of(site, "unknown_dataset"), "NotFoundError", 404)


def test_a_malformed_query_is_a_user_error(site: Site) -> None:
    assert_error(answer_of(site, "bad_where"), "UserError", 400)


def test_an_unknown_field_is_a_user_error_that_names_it(site: Site) -> None:
    answer = answer_of(site, "unknown_field")
    assert_error(answer, "UserError", 400)
    assert "no_such_field" in answer.error["details"]["message"], answer
