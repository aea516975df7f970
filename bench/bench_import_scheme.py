"""Benchmark: importing concept schemes of any shape while the site keeps answering.

Target (issue "Hardening"): a 5 MB scheme of any shape imports in bounded time and
memory while the site keeps answering. The review's baseline: a 1,500-deep chain wrote
n²/2 closure rows in one transaction (40 s, the site locked; 4,000 deep = 4.2 GB).

For each shape and size, the import runs in a child process (its peak memory is the
child's peak resident set) while this process requests a public page (`/ecosystem/`)
and the sign-in form (a POST, which writes) on the same database, as visitors would.
Printed: import time and peak memory, beside the baseline (the import as it was before
this issue, row by row with the whole closure in memory, run the same way for the
sizes it can manage), and the p95 of the public page during the import beside its p95
when idle, with their ratios.

Shapes: `chain` (each concept the child of the one before: refused past MAX_DEPTH
levels, naming each line), `bush` (20 roots, everything else directly below them) and
`comb` (chains of exactly MAX_DEPTH levels: the deepest allowed, 13 closure rows per
concept, the worst case for the closure).

    .venv/bin/python bench/bench_import_scheme.py [--sizes 1000,5000,10000,40000]
        [--legacy-max 10000] [--megabytes 5]
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HEADER = "notation,parent,label_fr,label_nl,label_de,label_en,definition\n"


def scheme_csv(shape: str, size: int, padding: int = 0) -> str:
    from territoria.taxonomy.models import MAX_DEPTH

    lines = [HEADER]
    text = "x" * padding
    for i in range(size):
        if shape == "chain":
            parent = f"c{i - 1}" if i else ""
        elif shape == "bush":
            parent = f"c{i % 20}" if i >= 20 else ""
        else:  # comb: chains of MAX_DEPTH levels
            parent = f"c{i - 1}" if i % MAX_DEPTH else ""
        lines.append(f"c{i},{parent},Concept {i},Begrip {i},Begriff {i},Concept {i},{text}\n")
    return "".join(lines)


def configure(data_dir: str) -> None:
    os.environ.setdefault("TERRITORIA_DATA_DIR", data_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("SECURE_COOKIES", "false")
    import django

    django.setup()


def legacy_import(scheme, text: str) -> int:
    """The import before this issue: one save per concept and per parent, then every
    ancestor pair built in memory and written in one transaction, with no depth bound."""
    import csv

    from django.db import transaction

    from territoria.taxonomy import index
    from territoria.taxonomy.models import Concept, ConceptClosure

    rows = list(csv.DictReader(io.StringIO(text)))
    with transaction.atomic():
        scheme.save()
        by_notation = {}
        for position, row in enumerate(rows):
            concept = Concept(scheme=scheme, notation=row["notation"], position=position)
            for lang in ("fr", "nl", "de", "en"):
                setattr(concept, f"label_{lang}", row[f"label_{lang}"])
            concept.save()
            by_notation[row["notation"]] = concept
        for row in rows:
            if row["parent"]:
                concept = by_notation[row["notation"]]
                concept.parent = by_notation[row["parent"]]
                concept.save(update_fields=["parent"])
        parents = dict(scheme.concepts.values_list("pk", "parent_id"))
        pairs = []
        for concept_id in parents:
            ancestor, depth = concept_id, 0
            while ancestor is not None:
                pairs.append(
                    ConceptClosure(ancestor_id=ancestor, descendant_id=concept_id, depth=depth)
                )
                ancestor, depth = parents.get(ancestor), depth + 1
        ConceptClosure.objects.filter(descendant__scheme=scheme).delete()
        ConceptClosure.objects.bulk_create(pairs, batch_size=2000)
        index.bump()
    return len(pairs)


def child(way: str, shape: str, size: int, padding: int) -> None:
    """Import one file in this process; print the time, the outcome and the peak memory."""
    configure(os.environ["TERRITORIA_DATA_DIR"])
    from territoria.taxonomy.models import ConceptClosure, ConceptScheme
    from territoria.taxonomy.services import SchemeImportError, import_scheme_csv

    text = scheme_csv(shape, size, padding)
    code = f"bench-{way}-{shape}-{size}-{padding}"
    scheme = ConceptScheme(code=code, title_fr=code, kind=ConceptScheme.Kind.SPECIFIC)
    before = peak_rss_mb()
    started = time.perf_counter()
    outcome = ""
    try:
        if way == "legacy":
            legacy_import(scheme, text)
        else:
            import_scheme_csv(scheme, io.StringIO(text), source=f"{shape}.csv")
    except SchemeImportError as refused:
        outcome = f"refused: {len(refused.problems)} lines named"
    seconds = time.perf_counter() - started
    pairs = ConceptClosure.objects.filter(descendant__scheme__code=code).count()
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "growth_mb": peak - before,
                "pairs": pairs,
                "bytes": len(text.encode()),
                "outcome": outcome or f"{pairs:,} closure rows",
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: its own, unlike getrusage's maxrss,
    which a child inherits from the process that started it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


class Visitors(threading.Thread):
    """Requests a public page and posts the sign-in form in a loop, recording each time
    and each answer that is not the expected one."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.page_ms: list[float] = []
        self.sign_in_ms: list[float] = []
        self.failures: list[str] = []
        self.throttled = 0
        self.running = threading.Event()
        self.running.set()

    def run(self) -> None:
        from django.db import connection
        from django.test import Client

        client = Client(raise_request_exception=False)
        while self.running.is_set():
            self._time(client, "get", "/ecosystem/", self.page_ms, 200)
            data = {"login": f"nobody{len(self.sign_in_ms)}@bench.example", "password": "wrong"}
            self._time(client, "post", "/accounts/login/", self.sign_in_ms, 200, data)
        connection.close()

    def _time(self, client, method, url, into, expected, data=None) -> None:
        started = time.perf_counter()
        response = getattr(client, method)(url, data, REMOTE_ADDR=f"10.9.{len(into) % 250}.1")
        into.append((time.perf_counter() - started) * 1000)
        if response.status_code == 429:  # sign-in limits: an answer, not a failure
            self.throttled += 1
        elif response.status_code != expected:
            self.failures.append(f"{method.upper()} {url}: {response.status_code}")


def run_import(way: str, shape: str, size: int, padding: int) -> tuple[dict, Visitors]:
    visitors = Visitors()
    visitors.start()
    time.sleep(0.5)
    done = subprocess.run(
        [sys.executable, __file__, "--child", way, shape, str(size), str(padding)],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    visitors.running.clear()
    visitors.join()
    if done.returncode:
        return {"outcome": f"failed: {done.stderr.strip().splitlines()[-1]}"}, visitors
    return json.loads(done.stdout.strip().splitlines()[-1]), visitors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000,10000,40000")
    parser.add_argument("--legacy-max", type=int, default=10000)
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        way, shape, size, padding = args.child
        child(way, shape, int(size), int(padding))
        return 0

    configure(tempfile.mkdtemp(prefix="territoria-bench-"))
    from django.core.management import call_command
    from django.db import connection

    from territoria.ecosystem.demo import load_demo_ecosystem
    from territoria.taxonomy.services.reference import load_reference_schemes

    call_command("migrate", verbosity=0)
    load_reference_schemes()
    load_demo_ecosystem(organisations=1000)
    connection.close()
    print(f"database: {connection.vendor}; {os.cpu_count()} cores")

    idle = Visitors()
    idle.start()
    time.sleep(10)
    idle.running.clear()
    idle.join()
    idle_p95 = percentile(idle.page_ms, 0.95)
    print(
        f"idle: /ecosystem/ p95 {idle_p95:.0f} ms, sign-in POST p95 "
        f"{percentile(idle.sign_in_ms, 0.95):.0f} ms ({len(idle.page_ms)} pages)\n"
    )

    sizes = [int(size) for size in args.sizes.split(",")]
    # Long labels (the same for every concept) make a file of the size asked, comb-shaped.
    per_row = len(scheme_csv("comb", 1000)) / 1000
    mb_size = 40000
    mb_padding = max(0, int(args.megabytes * 1024 * 1024 / mb_size - per_row))
    cases = [(shape, size, 0) for shape in ("chain", "bush", "comb") for size in sizes]
    cases.append(("comb", mb_size, mb_padding))
    print(
        f"{'shape':<6} {'concepts':>8} {'file':>8}  {'way':<7} {'outcome':<26} "
        f"{'time':>8} {'peak':>8}  {'page p95':>8} {'/idle':>6} {'sign-in p95':>11}  failures"
    )
    for shape, size, padding in cases:
        results = {}
        for way in ("legacy", "now"):
            # The previous import of a deep chain writes n²/2 rows: 1,000 deep is enough.
            legacy_max = 1000 if shape == "chain" else args.legacy_max
            if way == "legacy" and size > legacy_max:
                continue
            result, visitors = run_import(way, shape, size, padding)
            results[way] = result
            page_p95 = percentile(visitors.page_ms, 0.95) if visitors.page_ms else 0
            sign_p95 = percentile(visitors.sign_in_ms, 0.95) if visitors.sign_in_ms else 0
            kb = result.get("bytes", 0) / 1024
            print(
                f"{shape:<6} {size:>8,} {kb:>6.0f}KB  {way:<7} {result['outcome'][:26]:<26} "
                f"{result.get('seconds', 0):>7.2f}s {result.get('peak_mb', 0):>6.0f}MB  "
                f"{page_p95:>6.0f}ms {page_p95 / idle_p95:>6.1f} {sign_p95:>9.0f}ms  "
                f"{len(visitors.failures)}"
                + (f" ({visitors.failures[0]})" if visitors.failures else ""),
                flush=True,
            )
        if "legacy" in results and "seconds" in results["legacy"] and "seconds" in results["now"]:
            legacy, now = results["legacy"], results["now"]
            print(
                f"{'':<6} {'':>8} {'':>8}  now/legacy: time "
                f"{now['seconds'] / legacy['seconds']:.2f}, peak memory "
                f"{now['peak_mb'] / legacy['peak_mb']:.2f}"
            )
    print(f"\nmedian idle page {statistics.median(idle.page_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
