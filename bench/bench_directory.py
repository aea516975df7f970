"""Benchmark: the directory page with facets and magnet evaluation on the demo data.

Targets (issue "Foundation"): directory page with facets p95 < 100 ms server time,
magnet evaluation p95 < 10 ms. "Server time" is measured in-process through the
whole Django stack (middleware, view, template) with the test client, so network
and browser time are left out. Each figure is printed with its ratio to the target.
The directory requests are measured again without the map and composition pictures
(issue 12, "[no pictures]"), to show what they cost.

    .venv/bin/python bench/bench_directory.py [--organisations 3000] [--runs 60]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time


def configure() -> None:
    """Django on DATABASE_URL, or on a temporary SQLite file; migrated."""
    data_dir = tempfile.mkdtemp(prefix="territoria-bench-")
    os.environ.setdefault("TERRITORIA_DATA_DIR", data_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from territoria.core.staticfiles import collect_static

    collect_static()  # the pages name their files through the manifest


def setup(organisations: int) -> None:
    configure()
    from django.db import connection

    from territoria.ecosystem.demo import load_demo_ecosystem
    from territoria.ecosystem.models import Organisation
    from territoria.taxonomy.services.reference import load_reference_schemes

    if not Organisation.objects.exists():
        load_reference_schemes()
        load_demo_ecosystem(organisations=organisations)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"organisations: {Organisation.objects.count():,}")


def measure(label: str, call, runs: int, target_ms: float) -> dict:
    for _ in range(3):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    ratio = p95 / target_ms
    verdict = "meets" if p95 < target_ms else "MISSES"
    print(
        f"{label:<58} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  target {target_ms:5.0f} ms  "
        f"p95/target {ratio:4.2f}  {verdict}"
    )
    return {"label": label, "p50_ms": p50, "p95_ms": p95, "target_ms": target_ms, "ratio": ratio}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    setup(args.organisations)

    from django.test import Client

    from territoria.taxonomy import containers
    from territoria.taxonomy.engine import engine
    from territoria.taxonomy.expressions import parse
    from territoria.taxonomy.models import Magnet

    client = Client()
    first, second = (
        Magnet.objects.get(slug=s)
        for s in ["startups-ia-internationales", "industrie-du-futur-en-pole"]
    )

    def page(url, params=None, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}

        def call():
            response = client.get(url, params or {}, headers=headers)
            assert response.status_code == 200, response.status_code

        return call

    def api(expression):
        body = json.dumps(
            {
                "expression": expression,
                "container": "organisation",
                "facets": ["nace", "territory"],
                "limit": 50,
                "offset": 0,
            }
        )

        def call():
            response = client.post(
                "/api/v1/magnets/evaluate", body, content_type="application/json"
            )
            assert response.status_code == 200, response.content

        return call

    container = containers.get("organisation")

    def engine_count(expression):
        tree = parse(expression)
        return lambda: engine.select(container, tree).count()

    directory_requests = [
        ("directory page, all facets, no filter", page("/ecosystem/")),
        (
            "directory page, search + two facets",
            page("/ecosystem/", {"q": "srl", "c": ["technology:ai", "territory:BE-WLG"]}),
        ),
        (
            "directory fragment (HTMX), three facets",
            page("/ecosystem/", {"c": ["technology:ai", "org-type:startup", "nace:K"]}, htmx=True),
        ),
    ]
    results = [measure(label, call, args.runs, 100) for label, call in directory_requests]
    # The same requests without the map and the composition (issue 12), for comparison:
    # the view's pictures are left out for these runs only.
    from territoria.ecosystem import views

    with_pictures = views._pictures
    views._pictures = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        for label, call in directory_requests:
            measure(f"{label} [no pictures]", call, args.runs, 100)
    finally:
        views._pictures = with_pictures  # type: ignore[assignment]
    results += [
        measure(
            "magnet 1 via API (count, 50 results, 2 facets)", api(first.expression), args.runs, 10
        ),
        measure(
            "magnet 2 via API (count, 50 results, 2 facets)", api(second.expression), args.runs, 10
        ),
        measure("magnet 1, engine count only", engine_count(first.expression), args.runs, 10),
        measure("magnet 2, engine count only", engine_count(second.expression), args.runs, 10),
    ]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    return 0 if all(r["ratio"] < 1 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
