"""Benchmark: the Explore API on 200,000 generated organisations, against DuckDB.

Targets (issue "Open Data"): a records query with `where` + `refine` + facets p95 < 50 ms;
CSV export of `organisations` >= 100,000 rows/s with peak memory < 300 MB. The same
queries are then run by DuckDB on a Parquet export of the same data, in the same run,
and the ratios printed. API figures are measured in-process through the whole Django
stack (middleware, view, JSON) with the test client.

    .venv/bin/python bench/bench_opendata.py [--organisations 200000] [--runs 60]

The export is measured in a child process, so that its peak memory (VmHWM) is its own.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from bench_directory import configure, measure  # noqa: E402

WHERE = 'founded_on >= date\'2000-01-01\' AND postcode >= "4000" AND postcode < "5000"'
REFINE = "technology:Intelligence artificielle"
RECORDS = "/api/explore/v2.1/catalog/datasets/organisations/records"
FACETS = "/api/explore/v2.1/catalog/datasets/organisations/facets"
EXPORT = "/api/explore/v2.1/catalog/datasets/organisations/exports/"


def generate(organisations: int, seed: int = 20261123) -> None:
    """Organisations with KBO-like fields and tags in every scheme, bulk-inserted."""
    import datetime
    import random

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from territoria.core.progress import ProgressBar
    from territoria.ecosystem.models import Organisation, normalise_for_search
    from territoria.ecosystem.validators import enterprise_number_from_digits
    from territoria.taxonomy import index
    from territoria.taxonomy.models import Concept, Tag

    rng = random.Random(seed)
    by_scheme: dict[str, list[tuple[int, str, str]]] = {}
    for pk, scheme, notation, label in Concept.objects.values_list(
        "pk", "scheme__code", "notation", "label_fr"
    ):
        by_scheme.setdefault(scheme, []).append((pk, notation, label))
    # Communes are the territory concepts without children.
    parents = set(Concept.objects.exclude(parent=None).values_list("parent_id", flat=True))
    communes = [c for c in by_scheme["territory"] if c[0] not in parents]
    leaves_nace = [c for c in by_scheme["nace"] if c[0] not in parents] or by_scheme["nace"]
    content_type = ContentType.objects.get_for_model(Organisation)
    forms = ["SRL", "SA", "ASBL", "SC", "SNC"]
    progress = ProgressBar("Generating organisations", organisations)
    batch = 5000
    with transaction.atomic():
        for start in range(0, organisations, batch):
            records, tag_plan = [], []
            for n in range(start, min(start + batch, organisations)):
                commune = rng.choice(communes)
                postcode = str(rng.randint(1300, 7999))
                form = rng.choice(forms)
                name = f"Entreprise {n:06d} {form}"
                records.append(
                    Organisation(
                        enterprise_number=enterprise_number_from_digits(2_000_000 + n),
                        name=name,
                        legal_form=form,
                        street=f"Rue {rng.randint(1, 400)}",
                        postcode=postcode,
                        city=commune[2],
                        latitude=49.5 + rng.random() * 1.3,
                        longitude=2.9 + rng.random() * 3.2,
                        founded_on=datetime.date(1950, 1, 1)
                        + datetime.timedelta(days=rng.randint(0, 27000)),
                        source="kbo",
                        search_text=normalise_for_search(name, form, commune[2], postcode),
                    )
                )
                size = rng.choice(by_scheme["size"])[0]
                records[-1].municipality_id = commune[0]
                records[-1].size_class_id = size
                concepts = [commune[0], size]
                concepts.append(rng.choice(by_scheme["org-type"])[0])
                concepts.append(rng.choice(leaves_nace)[0])
                concepts += [
                    c[0]
                    for c in rng.sample(by_scheme["technology"], rng.choice([0, 0, 1, 1, 2, 3]))
                ]
                tag_plan.append(concepts)
            Organisation.objects.bulk_create(records, batch_size=1000)
            tags = [
                Tag(content_type=content_type, object_id=record.pk, concept_id=concept)
                for record, concepts in zip(records, tag_plan, strict=True)
                for concept in set(concepts)
            ]
            Tag.objects.bulk_create(tags, batch_size=2000)
            progress.update(start + len(records))
        index.bump()
    progress.finish()


def setup(organisations: int) -> None:
    configure()
    from django.db import connection

    from territoria.ecosystem.models import Organisation
    from territoria.taxonomy.services.reference import load_reference_schemes

    if not Organisation.objects.exists():
        started = time.perf_counter()
        load_reference_schemes()
        generate(organisations)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"organisations: {Organisation.objects.count():,}")


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def export_child(path: str, format_name: str) -> None:
    """Run in a child process: stream one export to `path`, print rows/s and peak memory."""
    configure()
    from django.test import Client

    from territoria.opendata import registry

    rows = registry.get("organisations").queryset().count()  # natural persons are not published
    client = Client()
    before = peak_mb()
    started = time.perf_counter()
    response = client.get(EXPORT + format_name)
    with open(path, "wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
    elapsed = time.perf_counter() - started
    print(f"{rows} {elapsed:.3f} {before:.0f} {peak_mb():.0f}")


def run_child(path: str, format_name: str) -> tuple[int, float, float, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--export-child", path, "--format", format_name],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout.split()
    return int(output[0]), float(output[1]), float(output[2]), float(output[3])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--export-child")
    parser.add_argument("--format", default="csv")
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child, args.format)
        return 0
    os.environ["OPENDATA_RATE_LIMIT"] = "100000000"
    setup(args.organisations)
    from django.conf import settings
    from django.test import Client

    settings.OPENDATA_RATE_LIMIT = 100_000_000
    client = Client()
    params = {"where": WHERE, "refine": REFINE, "limit": 20}
    first = client.get(RECORDS, params)
    assert first.status_code == 200, first.content
    total = first.json()["total_count"]
    print(f"records query: where {WHERE!r}, refine {REFINE!r}: {total:,} records")

    def records_and_facets() -> None:
        assert client.get(RECORDS, params).status_code == 200
        assert (
            client.get(FACETS, {**params, "facet": ["technology", "size", "city"]}).status_code
            == 200
        )

    fresh = iter(range(1, 1_000_000))

    def new_query_records_and_facets() -> None:
        # A `where` not asked before: its ids are read from the database, not reused.
        day = next(fresh)
        where = WHERE.replace(
            "2000-01-01", f"{1990 + day % 20}-{1 + day % 12:02d}-{1 + day % 28:02d}"
        )
        fresh_params = {**params, "where": where}
        assert client.get(RECORDS, fresh_params).status_code == 200
        facet_params = {**fresh_params, "facet": ["technology", "size", "city"]}
        assert client.get(FACETS, facet_params).status_code == 200

    results = [
        measure("records + facets (where + refine), API", records_and_facets, args.runs, 50),
        measure(
            "records only (where + refine), API", lambda: client.get(RECORDS, params), args.runs, 50
        ),
        measure(
            "records + facets, a new where each time, API",
            new_query_records_and_facets,
            args.runs,
            50,
        ),
    ]

    workdir = tempfile.mkdtemp(prefix="territoria-export-")
    csv_path, parquet_path = f"{workdir}/organisations.csv", f"{workdir}/organisations.parquet"
    rows, seconds, before, peak = run_child(csv_path, "csv")
    csv_rate = rows / seconds
    print(
        f"CSV export, API: {rows:,} rows in {seconds:.2f} s = {csv_rate:,.0f} rows/s "
        f"(target 100,000: ratio {csv_rate / 100_000:.2f}); peak memory {peak:.0f} MB "
        f"(process at start {before:.0f} MB; target < 300 MB: {'meets' if peak < 300 else 'MISSES'})"
    )
    rows_p, seconds_p, _before, peak_p = run_child(parquet_path, "parquet")
    print(
        f"Parquet export, API: {rows_p:,} rows in {seconds_p:.2f} s = {rows_p / seconds_p:,.0f} rows/s; peak {peak_p:.0f} MB"
    )

    import duckdb

    from territoria.taxonomy.models import Concept

    ai_family = list(
        Concept.objects.filter(
            scheme__code="technology",
            ancestry__ancestor__notation="ai",
            ancestry__ancestor__scheme__code="technology",
        ).values_list("label_fr", flat=True)
    )
    con = duckdb.connect()
    con.execute(f"CREATE VIEW organisations AS SELECT * FROM read_parquet('{parquet_path}')")
    where_sql = "founded_on >= DATE '2000-01-01' AND postcode >= '4000' AND postcode < '5000' AND list_has_any(technology, ?)"

    def duck_records_and_facets() -> None:
        con.execute(f"SELECT count(*) FROM organisations WHERE {where_sql}", [ai_family]).fetchall()
        con.execute(
            f"SELECT * FROM organisations WHERE {where_sql} ORDER BY id LIMIT 20", [ai_family]
        ).fetchall()
        for facet in ("technology", "size"):
            con.execute(
                f"SELECT v, count(*) FROM (SELECT unnest({facet}) AS v FROM organisations WHERE {where_sql}) GROUP BY v",
                [ai_family],
            ).fetchall()
        con.execute(
            f"SELECT city, count(*) FROM organisations WHERE {where_sql} GROUP BY city", [ai_family]
        ).fetchall()

    duck_total = con.execute(
        f"SELECT count(*) FROM organisations WHERE {where_sql}", [ai_family]
    ).fetchone()
    assert duck_total is not None
    print(f"DuckDB finds {duck_total[0]:,} records for the same query (API: {total:,})")
    duck = measure(
        "records + facets, DuckDB on the Parquet export", duck_records_and_facets, args.runs, 50
    )
    started = time.perf_counter()
    con.execute(
        f"COPY (SELECT * EXCLUDE (geo_point_2d) FROM organisations) TO '{workdir}/duck.csv' (HEADER, DELIMITER ';')"
    )
    duck_seconds = time.perf_counter() - started
    duck_rate = rows / duck_seconds
    print(
        f"CSV export, DuckDB from Parquet: {rows:,} rows in {duck_seconds:.2f} s = {duck_rate:,.0f} rows/s"
    )
    print()
    print("ratios (API / DuckDB):")
    print(
        f"  records + facets p95: {results[0]['p95_ms']:.1f} ms / {duck['p95_ms']:.1f} ms = {results[0]['p95_ms'] / duck['p95_ms']:.1f}"
    )
    print(
        f"  CSV export time:      {seconds:.2f} s / {duck_seconds:.2f} s = {seconds / duck_seconds:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
