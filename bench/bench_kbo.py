"""Benchmark: the whole KBO/BCE register (issue 13, "Territory scale").

In one run, on a generated extract (`territoria manage generate_kbo`, the real layout and
proportions) of `--enterprises` enterprises (1.9 million for the issue's figures):

1. import time and peak memory into SQLite and into PostgreSQL (targets 15 and 20 min,
   4 GB), and of an update extract touching 1 % of the enterprises (target 1 min);
2. the bitmap index: build from the database and snapshot load, time and memory
   (targets 60 s and 5 s);
3. fixed magnets of 3 to 6 clauses, each with exact counts for 3 facets, counted two ways:
   every value of every level (NACE alone has about 4,000), and the top values, as a
   collapsed facet tree shows them: p50 and p99 for Territoria's bitmap index, for the best
   SQL I could write on PostgreSQL (one row per organisation with the array of its concepts
   and their ancestors, GIN-indexed), and for DuckDB on that same table, each asked for
   the same values; ratios (targets p50 <= 5 ms, p99 <= 30 ms, >= 10x both at p50);
4. the directory over all organisations with facets, and with a search word and two
   facets (target p95 <= 150 ms server time); the records API with where + refine + facets
   (target p95 <= 100 ms);
5. a CSV export of every Walloon organisation: rows per second and peak memory.

Imports run as `territoria manage import_kbo` in a process of their own; each reports its
peak memory (ru_maxrss) plus its helper process's (which checks half of the big files
while the import reads the other half): the most both can hold at once. Server times are in-process through the whole Django stack.

    .venv/bin/python bench/bench_kbo.py --enterprises 1900000 \\
        --pg postgres://postgres@127.0.0.1:54330/postgres [--work DIR] [--runs 200]
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMPORT = """
import resource, sys, time
from territoria.cli import manage
started = time.perf_counter()
manage(["import_kbo", sys.argv[1], "--max-struck-off-share", "1"])
own, helper = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(f"BENCH {time.perf_counter() - started:.1f} {own + helper}")
"""

# Magnets of 3 to 6 clauses over NACE, territory and organisation type.
MAGNETS = {
    "walloon-food-smes": {"all": [{"concept": "territory:BE-WAL"}, {"concept": "nace:C10"}, {"not": {"concept": "org-type:self-employed"}}]},
    "it-in-namur-or-liege": {"all": [{"concept": "nace:K62"}, {"any": [{"concept": "territory:BE-WNA"}, {"concept": "territory:BE-WLG"}]}]},
    "manufacturing-not-food": {"all": [{"concept": "nace:C"}, {"not": {"concept": "nace:C10"}}, {"concept": "territory:BE-WAL"}]},
    "construction-or-trade-hainaut": {"all": [{"any": [{"concept": "nace:F"}, {"concept": "nace:G"}]}, {"concept": "territory:BE-WHT"}, {"not": {"concept": "org-type:non-profit"}}]},
    "nonprofit-health-education": {"all": [{"concept": "org-type:non-profit"}, {"any": [{"concept": "nace:R"}, {"concept": "nace:Q"}, {"concept": "nace:P"}]}]},
    "old-and-new-it": {"all": [{"any": [{"concept": "nace:K62"}, {"concept": "nace:2008-J62"}]}, {"not": {"concept": "territory:BE-WAL"}}, {"not": {"concept": "org-type:self-employed"}}]},
}  # fmt: skip
FACETS = ["nace", "territory", "org-type"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def timed(call: Any, runs: int) -> tuple[float, float, float]:
    for _ in range(min(3, runs)):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95), percentile(times, 0.99)


def verdict(value: float, target: float) -> str:
    return f"{value / target:5.2f} of target {'meets' if value <= target else 'MISSES'}"


def run_import(url: str, extract: Path, data_dir: Path) -> tuple[float, int]:
    env = {**os.environ, "DATABASE_URL": url, "TERRITORIA_DATA_DIR": str(data_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
    result = subprocess.run(
        [sys.executable, "-c", IMPORT, str(extract)], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"import failed:\n{result.stderr[-3000:]}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH"))
    _label, seconds, peak_kb = line.split()
    summary = next((ln for ln in result.stdout.splitlines() if ln.startswith("KBO ")), "")
    print(f"    {summary}")
    return float(seconds), int(peak_kb)


def prepare_database(url: str, data_dir: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url, "TERRITORIA_DATA_DIR": str(data_dir)}
    for command in (["migrate", "-v0"], ["load_territory"], ["load_reference"]):
        subprocess.run(
            [sys.executable, "-m", "territoria", "manage", *command],
            env=env, check=True, capture_output=True,
        )  # fmt: skip


def fresh_pg(maintenance: str, name: str) -> str:
    import psycopg

    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return maintenance.rsplit("/", 1)[0] + "/" + name


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--pg", help="a PostgreSQL URL to its maintenance database")
    parser.add_argument("--work", type=Path, help="folder for extracts and databases")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--phases", default="2,3,4,5", help="which of the phases 2 to 5 to run (default: all)"
    )
    parser.add_argument(
        "--no-import",
        action="store_true",
        help="measure the queries on the work folder's register.sqlite3 as it is",
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="territoria-bench-kbo-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    print(f"machine: {os.cpu_count()} cores; work folder {work}")

    from territoria.ecosystem.kbo.generator import generate

    full, update = work / f"full-{args.enterprises}", work / f"update-{args.enterprises}"
    if not (full / "meta.csv").exists():
        started = time.perf_counter()
        generate(full, args.enterprises, seed=args.seed)
        print(
            f"generated {args.enterprises:,} enterprises in {time.perf_counter() - started:.0f} s"
        )
    if not (update / "meta.csv").exists():
        generate(update, args.enterprises, seed=args.seed, update_share=0.01)
    print(f"extract: {sum(p.stat().st_size for p in full.iterdir()) / 1e9:.2f} GB")

    print("\n1. Import")
    sqlite_url = f"sqlite:///{work}/register.sqlite3"
    databases = [("SQLite", sqlite_url, 15 * 60)]
    if args.pg and not args.no_import:
        databases.append(("PostgreSQL", fresh_pg(args.pg, "territoria_bench_kbo"), 20 * 60))
    if args.no_import:
        databases = []
        print("  (skipped: --no-import)")
    else:
        for suffix in ("", "-wal", "-shm", ".kbo-import.lock"):
            Path(f"{work}/register.sqlite3{suffix}").unlink(missing_ok=True)
    for label, url, target in databases:
        prepare_database(url, work)
        seconds, peak = run_import(url, full, work)
        print(
            f"  {label:<10} full   {seconds / 60:6.1f} min  peak {peak / 1e6:4.2f} GB  "
            f"time {verdict(seconds, target)}; memory {verdict(peak / 1e6, 4)}"
        )
        seconds, peak = run_import(url, update, work)
        print(
            f"  {label:<10} update {seconds:6.1f} s    peak {peak / 1e6:4.2f} GB  "
            f"time {verdict(seconds, 60)}"
        )

    os.environ.update(DATABASE_URL=sqlite_url, TERRITORIA_DATA_DIR=str(work))
    os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
    import django

    django.setup()
    from territoria.core.staticfiles import collect_static
    from territoria.taxonomy import containers, index, snapshot

    collect_static()  # the pages name their static files by their hashed names

    print("\n2. Bitmap index (SQLite database)")
    container = containers.get("organisation")
    state = index.current_state()
    before = rss_kb()
    started = time.perf_counter()
    built = index.build(container, state)
    build_s = time.perf_counter() - started
    memory = (rss_kb() - before) / 1e6
    snapshot.save(container, built)
    size = snapshot.path_of(container).stat().st_size / 1e6
    del built
    index.forget()
    started = time.perf_counter()
    loaded = snapshot.load(container, state)
    load_s = time.perf_counter() - started
    assert loaded is not None
    print(f"  build {build_s:6.1f} s  {verdict(build_s, 60)}; about {memory:.2f} GB in memory")
    print(f"  load  {load_s:6.2f} s  {verdict(load_s, 5)}; snapshot {size:.0f} MB")
    index._cache[container.code] = loaded

    phases = set(args.phases.split(","))
    if "3" in phases:
        magnets(args, work, container)
    if "4" in phases:
        pages(args)
    if "5" in phases:
        export()
    return 0


def magnets(args: argparse.Namespace, work: Path, container: Any) -> None:
    import duckdb

    from territoria.taxonomy import index
    from territoria.taxonomy.engine import engine
    from territoria.taxonomy.expressions import parse

    print("\n3. Magnets, each with exact counts for 3 facets")
    catalog = index.catalog()
    ids = catalog.ids_by_code
    schemes = {
        code: [pk for pk, r in catalog.rows.items() if r["scheme__code"] == code] for code in FACETS
    }
    wanted = sorted(pk for code in FACETS for pk in schemes[code])
    # What a collapsed facet tree shows: each scheme's top concepts (those whose broader
    # concept the index does not hold), which the baselines then count alone too.
    held = index.for_container(container).by_concept
    tops = sorted(pk for pk in wanted if pk in held and catalog.rows[pk]["parent_id"] not in held)
    rows = concept_arrays(container, catalog)
    duck = duckdb.connect(str(work / "baseline.duckdb"))
    duck.execute("CREATE OR REPLACE TABLE org (id BIGINT, concepts INTEGER[])")
    load_duck(duck, rows, work)
    pg = pg_baseline(args, rows)
    results: dict[str, list[tuple[float, float]]] = {
        "territoria": [],
        "territoria, top values": [],
        "postgresql": [],
        "duckdb": [],
        "postgresql, top values": [],
        "duckdb, top values": [],
    }
    for name, expression in MAGNETS.items():
        parsed = parse(expression)

        def ours(parsed: Any = parsed) -> tuple[int, dict[int, int]]:
            with index.pinned():
                found = engine.matching(container, parsed)
                return len(found), engine.facet_counts_of(container, found, FACETS)

        def ours_shown(parsed: Any = parsed) -> tuple[int, dict[int, int]]:
            """Each facet's top values, as a collapsed facet tree shows them."""
            with index.pinned():
                found = engine.matching(container, parsed)
                return len(found), engine.facet_counts_of(container, found, FACETS, expanded=())

        count, counts = ours()
        listed = set(wanted)
        expected = {pk: n for pk, n in counts.items() if pk in listed}
        duck_sql = facet_sql(
            expression,
            ids,
            "list_has_all(concepts, [{}])",
            "list_has_any(concepts, [{}])",
            wanted,
            "duckdb",
        )
        got = dict(duck.execute(duck_sql).fetchall())
        assert got == expected, f"{name}: DuckDB disagrees"
        shown = ours_shown()[1]
        duck_tops = facet_sql(
            expression,
            ids,
            "list_has_all(concepts, [{}])",
            "list_has_any(concepts, [{}])",
            tops,
            "duckdb",
        )
        assert dict(duck.execute(duck_tops).fetchall()) == shown, f"{name}: DuckDB disagrees"
        line = [f"  {name:<30} {count:>9,} found"]
        for label, call in (
            ("territoria", ours),
            ("territoria, top values", ours_shown),
            ("duckdb", lambda q=duck_sql: duck.execute(q).fetchall()),
            ("duckdb, top values", lambda q=duck_tops: duck.execute(q).fetchall()),
        ):
            # The baselines take seconds a query: fewer runs (their p99 is then their worst).
            runs = args.runs if label.startswith("territoria") else max(10, args.runs // 20)
            p50, _p95, p99 = timed(call, runs)
            results[label].append((p50, p99))
            line.append(f"{label} p50 {p50:7.2f} p99 {p99:7.2f}")
        for label, concepts, answer in (
            ("postgresql", wanted, expected),
            ("postgresql, top values", tops, shown),
        ):
            if pg is None:
                break
            pg_sql = facet_sql(
                expression, ids, "concepts @> ARRAY[{}]", "concepts && ARRAY[{}]", concepts, "pg"
            )
            with pg.cursor() as cursor:
                cursor.execute(pg_sql)
                assert dict(cursor.fetchall()) == answer, f"{name}: PostgreSQL disagrees"

                def pg_call(q: str = pg_sql) -> None:
                    cursor.execute(q)
                    cursor.fetchall()

                p50, _p95, p99 = timed(pg_call, max(10, args.runs // 20))
            results[label].append((p50, p99))
            line.append(f"{label} p50 {p50:7.2f} p99 {p99:7.2f}")
        print("  ".join(line) + " ms")
    for ours_label in ("territoria", "territoria, top values"):
        ours_p50 = statistics.median(p for p, _ in results[ours_label])
        ours_p99 = max(p for _, p in results[ours_label])
        print(
            f"  {ours_label}: median p50 {ours_p50:.2f} ms {verdict(ours_p50, 5)}; "
            f"worst p99 {ours_p99:.2f} ms {verdict(ours_p99, 30)}"
        )
        # Each against the baselines counting the same values.
        suffix = ", top values" if ours_label.endswith("top values") else ""
        for label in (f"postgresql{suffix}", f"duckdb{suffix}"):
            if results[label]:
                ratios = [
                    theirs[0] / max(mine[0], 1e-6)
                    for mine, theirs in zip(results[ours_label], results[label], strict=True)
                ]
                print(
                    f"    {label} p50 / {ours_label} p50: min {min(ratios):.1f}x, "
                    f"median {statistics.median(ratios):.1f}x (target >= 10x)"
                )


def concept_arrays(container: Any, catalog: Any) -> list[tuple[int, list[int]]]:
    """Each public organisation with every concept tagging it and their ancestors: the
    denormalised table the baselines query."""
    from django.contrib.contenttypes.models import ContentType

    from territoria.taxonomy import index
    from territoria.taxonomy.models import Tag

    public = index.for_container(container).universe
    content_type = ContentType.objects.get_for_model(container.model)
    found: dict[int, set[int]] = {}
    tags = Tag.objects.filter(content_type=content_type).values_list("object_id", "concept_id")
    ancestors: dict[int, list[int]] = {}
    for object_id, concept_id in tags.iterator(chunk_size=50_000):
        if object_id in public:
            if concept_id not in ancestors:
                ancestors[concept_id] = catalog.ancestors(concept_id)
            found.setdefault(object_id, set()).update(ancestors[concept_id])
    return [(pk, sorted(found.get(pk, ()))) for pk in public]


def load_duck(duck: Any, rows: list[tuple[int, list[int]]], work: Path) -> None:
    path = work / "baseline.jsonl"
    with path.open("w") as stream:
        for pk, concepts in rows:
            stream.write(json.dumps({"id": pk, "concepts": concepts}) + "\n")
    duck.execute(
        f"INSERT INTO org SELECT id, concepts FROM read_json('{path}', columns = {{'id': 'BIGINT', 'concepts': 'INTEGER[]'}})"
    )  # noqa: S608


def pg_baseline(args: argparse.Namespace, rows: list[tuple[int, list[int]]]) -> Any:
    if not args.pg:
        return None
    import psycopg

    url = args.pg.rsplit("/", 1)[0] + "/territoria_bench_kbo"
    try:
        connection = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:  # --no-import: the baseline's table alone
        connection = psycopg.connect(fresh_pg(args.pg, "territoria_bench_kbo"), autocommit=True)
    connection.execute("DROP TABLE IF EXISTS bench_org")
    connection.execute(
        "CREATE TABLE bench_org (id bigint PRIMARY KEY, concepts integer[] NOT NULL)"
    )
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY bench_org (id, concepts) FROM STDIN") as copy,
    ):
        for pk, concepts in rows:
            copy.write_row((pk, concepts))
    connection.execute("CREATE INDEX bench_org_concepts ON bench_org USING gin (concepts)")
    connection.execute("VACUUM ANALYZE bench_org")
    connection.execute("SET work_mem = '256MB'")
    connection.execute("SET max_parallel_workers_per_gather = 2")
    return connection


def facet_sql(
    expression: dict[str, Any],
    ids: dict[str, int],
    has_all: str,
    has_any: str,
    wanted: list[int],
    dialect: str,
) -> str:
    """The facet counts of `expression`'s rows in SQL, `has_all`/`has_any` writing a test
    of the concepts array in the dialect."""

    def compile_(node: dict[str, Any]) -> str:
        if "concept" in node:
            return has_all.format(ids[node["concept"]])
        if "not" in node:
            return f"NOT ({compile_(node['not'])})"
        if "any" in node and all("concept" in item for item in node["any"]):
            return has_any.format(", ".join(str(ids[i["concept"]]) for i in node["any"]))
        joiner = " AND " if "all" in node else " OR "
        return (
            "(" + joiner.join(compile_(item) for item in node.get("all") or node.get("any")) + ")"
        )

    condition = compile_(expression)
    table = "bench_org" if dialect == "pg" else "org"
    listed = ", ".join(map(str, wanted))
    return (
        f"SELECT c, count(*) FROM (SELECT unnest(concepts) AS c FROM {table} WHERE {condition}) t "  # noqa: S608
        f"WHERE c IN ({listed}) GROUP BY c"
    )


def pages(args: argparse.Namespace) -> None:
    from django.test import Client

    print("\n4. Pages and API (server time, in-process)")
    client = Client()
    word = "boulangerie"
    cases = [
        ("directory, all organisations, with facets", "/ecosystem/", 150),
        (
            f"directory, search '{word}' + 2 facets",
            f"/ecosystem/?q={word}&c=territory:BE-WAL&c=org-type:non-profit",
            150,
        ),
        (
            "records API, where + refine + facets",
            "/api/explore/v2.1/catalog/datasets/organisations/records?"
            "where=founded_on%20%3E%3D%20date%272015-01-01%27&refine=territory:Wallonie"
            "&facet=nace&facet=org_type&limit=20",
            100,
        ),
    ]
    for label, url, target in cases:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        p50, p95, _p99 = timed(lambda u=url: client.get(u), max(20, args.runs // 4))
        print(f"  {label:<45} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {verdict(p95, target)}")


def export() -> None:
    import tracemalloc

    from django.test import Client

    print("\n5. CSV export of every Walloon organisation")
    url = "/api/explore/v2.1/catalog/datasets/organisations/exports/csv?refine=territory:Wallonie"
    tracemalloc.start()
    started = time.perf_counter()
    response = Client().get(url)
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {rows:,} rows in {seconds:.1f} s: {rows / seconds:,.0f} rows/s; Python peak {peak / 1e6:.0f} MB; process {rss_kb() / 1e6:.2f} GB"
    )


if __name__ == "__main__":
    random.seed(0)
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(main())
