"""Benchmark: the heaviest pages (the dashboard's chart pages) as Chromium loads them, before
and after the static-files work, in one run.

Targets (issue "Fast static files"): the first chart page under 300 ms on localhost and
under 1.5 MB transferred. "Before" is a commit (by default 0f7e4be: the full plotly.min.js
under a plain name, cached 60 s), checked out in a temporary git worktree; "after" is the
working tree. Each gets a demo database (`territoria demo --no-serve`) and is served the
same way, `territoria serve` (gunicorn, 2 workers) on a free port over plain HTTP, run by
the same Python with the tree's `src` first on its path. For each page: bytes transferred
(Chromium's encodedDataLength summed over every response, headers included), the same
bytes uncompressed (Resource Timing's decodedBodySize), and the time to the load event
(Navigation Timing's loadEventEnd; also the first contentful paint and the moment every
chart of the page is drawn, since charts may be drawn after the load event), median of N cold loads (a fresh browser context: empty
cache) and of 2N warm loads (the same context again); "page alone" is the HTML's own
request to response end, the server's share of a load.

    .venv/bin/python bench/bench_static.py [--before 0f7e4be] [--runs 7] [--organisations 200]

The baseline takes Plotly from the `plotly` Python package, which Territoria no longer
depends on: `.venv/bin/pip install plotly` first in a fresh environment.
"""

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PAGES = [
    ("indicator", "/dashboard/indicators/start-ia-laureats/"),
    ("programme (7 charts)", "/dashboard/dw-2016-2024/programmes/digital-wallonia-4-ai/"),
]
TARGET_MS, TARGET_BYTES = 300, 1_500_000
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Site:
    """One tree's demo database, served by `territoria serve` until closed."""

    def __init__(self, tree: Path, data: Path, organisations: int) -> None:
        data.mkdir(parents=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TERRITORIA_", "DJANGO_"))},
            "PYTHONPATH": str(tree / "src"),
            "TERRITORIA_DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{data / 'demo.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "SECURE_COOKIES": "false",
            "TERRITORIA_HTTPS": "false",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
        }
        self.env.pop("DATABASE_URL_REPLICA", None)
        territoria = [sys.executable, "-m", "territoria"]
        started = time.perf_counter()
        subprocess.run(
            [*territoria, "demo", "--no-serve", "--organisations", str(organisations)],
            env=self.env, cwd=tree, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.prepared_s = time.perf_counter() - started
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        self.server = subprocess.Popen(
            [*territoria, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-worker"],
            env=self.env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url + PAGES[0][1], timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise RuntimeError(f"{tree}: the server did not answer") from None
                time.sleep(0.2)
        self.start_s = time.perf_counter() - started

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


NAVIGATION = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return {
        load: nav.loadEventEnd,
        paint: paint ? paint.startTime : 0,
        html: nav.responseEnd - nav.requestStart,
        decoded: nav.decodedBodySize + resources.reduce((sum, r) => sum + r.decodedBodySize, 0),
    };
}"""


CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-chart]")]
    .every(element => element.querySelector(".main-svg"))"""


def load(context, url: str) -> dict:
    """One navigation: bytes on the wire, bytes decoded, load time, encodings used."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire: dict[str, int] = {}
    encodings: dict[str, str] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: wire.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    cdp.on(
        "Network.responseReceived",
        lambda event: encodings.__setitem__(
            event["response"]["url"].rsplit("/", 1)[-1],
            {k.lower(): v for k, v in event["response"]["headers"].items()}.get(
                "content-encoding", "-"
            ),
        ),
    )
    page.goto(url, wait_until="load")
    # Charts may be drawn after the load event (Plotly is fetched once the page shows):
    # the time at which every chart of the page has its SVG.
    page.wait_for_function(CHARTS_DRAWN, polling="raf")
    drawn = page.evaluate("performance.now()")
    page.wait_for_load_state("networkidle")
    figures = {**page.evaluate(NAVIGATION), "charts": drawn}
    page.close()
    return {**figures, "wire": sum(wire.values()), "requests": len(wire), "encodings": encodings}


def measure(browser, url: str, runs: int) -> dict:
    cold, warm = [], []
    for _ in range(runs):
        context = browser.new_context()
        cold.append(load(context, url))
        warm.append(load(context, url))
        warm.append(load(context, url))
        context.close()
    return {"cold": cold, "warm": warm}


def median(loads: list[dict], key: str) -> float:
    return statistics.median(load[key] for load in loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="0f7e4be", help="the baseline commit")
    parser.add_argument("--runs", type=int, default=7, help="cold loads per page and tree")
    parser.add_argument("--organisations", type=int, default=200)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="territoria-bench-static-"))
    before_tree = work / "before"
    subprocess.run(
        ["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", str(before_tree), args.before],
        check=True, capture_output=True,
    )  # fmt: skip
    sites: dict[str, Site] = {}
    try:
        for name, tree in (("before", before_tree), ("after", REPOSITORY)):
            sites[name] = Site(tree, work / f"data-{name}", args.organisations)
            print(
                f"{name:<6} {tree}: demo database in {sites[name].prepared_s:.0f} s, "
                f"server answering {sites[name].start_s:.1f} s after `serve`"
            )
        chromium_args = ["--headless=new", "--disable-gpu", "--no-first-run", "--disable-quic"]
        if os.geteuid() == 0:
            chromium_args.append("--no-sandbox")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args)
            for label, path in PAGES:
                results = {}
                for name, site in sites.items():
                    measure(browser, site.url + path, 1)  # the server's own first-request work
                    results[name] = measure(browser, site.url + path, args.runs)
                report(label, path, results, args.runs)
            browser.close()
    finally:
        for site in sites.values():
            site.close()
        subprocess.run(
            ["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(before_tree)],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)


def report(label: str, path: str, results: dict, runs: int) -> None:
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"\n{label}: {path}  (median of {runs} cold loads, {2 * runs} warm; load {load})")
    print(
        f"{'':<7}{'transferred':>13}{'uncompressed':>14}{'requests':>10}"
        f"{'cold load':>11}{'warm load':>11}{'warm transfer':>15}{'page alone':>12}"
        f"{'first paint':>13}{'charts drawn':>14}"
    )
    rows = {}
    for name, result in results.items():
        cold, warm = result["cold"], result["warm"]
        rows[name] = row = {
            "wire": median(cold, "wire"),
            "decoded": median(cold, "decoded"),
            "requests": median(cold, "requests"),
            "cold": median(cold, "load"),
            "warm": median(warm, "load"),
            "warm_wire": median(warm, "wire"),
            "html": median(cold, "html"),
            "paint": median(cold, "paint"),
            "charts": median(cold, "charts"),
        }
        print(
            f"{name:<7}{row['wire'] / 1e6:>10.3f} MB{row['decoded'] / 1e6:>11.3f} MB"
            f"{row['requests']:>10.0f}{row['cold']:>8.0f} ms{row['warm']:>8.0f} ms"
            f"{row['warm_wire'] / 1e3:>12.1f} KB{row['html']:>9.0f} ms"
            f"{row['paint']:>10.0f} ms{row['charts']:>11.0f} ms"
        )
        scripts = {
            file: encoding
            for file, encoding in cold[-1]["encodings"].items()
            if file.endswith((".js", ".css"))
        }
        print(f"{'':<7}encodings: {scripts}")
    before, after = rows["before"], rows["after"]
    print(
        f"after/before: transferred ×{after['wire'] / before['wire']:.2f}, uncompressed "
        f"×{after['decoded'] / before['decoded']:.2f}, cold load ×{after['cold'] / before['cold']:.2f}, "
        f"warm load ×{after['warm'] / before['warm']:.2f}, first paint "
        f"×{after['paint'] / before['paint']:.2f}, charts drawn ×{after['charts'] / before['charts']:.2f}"
    )
    print(
        f"targets: cold load {after['cold']:.0f} ms / {TARGET_MS} ms = "
        f"×{after['cold'] / TARGET_MS:.2f}; transferred {after['wire'] / 1e6:.3f} MB / "
        f"{TARGET_BYTES / 1e6:.1f} MB = ×{after['wire'] / TARGET_BYTES:.2f}"
    )


if __name__ == "__main__":
    main()
