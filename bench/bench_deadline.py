"""Load script: a deadline rush against `territoria serve` on PostgreSQL, over loopback.

300 applicants (by default) each open their application's last step and submit it,
at random moments within one minute; the call closes 50 seconds into that minute.
The script then reads the database and reports:

- recorded: submissions the server recorded (status submitted, one reference each);
- refused: submissions after the deadline, refused with a message (the draft intact);
- lost: submissions the applicant was told were recorded but are not, or that failed
  (server error, timeout) — must be 0;
- duplicates: references given twice — must be 0;
- the p50 and p95 latency of the submit requests.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_deadline.py [--applicants 300] [--workers 4]

It needs its own database: it creates calls, users and applications there.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from bench_directory import configure

WINDOW = 60.0  # seconds over which the applicants click
DEADLINE_AT = 50.0  # the call closes this long into the window


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(applicants: int) -> tuple[object, list[tuple[int, str]]]:
    """The call, the applicants with a signed-in session each, and complete drafts."""
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from territoria.accounts.models import Affiliation
    from territoria.calls.models import Application, Call, Instrument
    from territoria.core.models import Role, User
    from territoria.ecosystem.models import Organisation

    run = secrets.token_hex(3)
    instrument, _ = Instrument.objects.get_or_create(
        code="tremplin-ia", defaults={"prefix": "TIA", "name": "Tremplin IA", "summary": "Pilote."}
    )
    closes = timezone.now() + datetime.timedelta(days=1)  # set when the rush starts
    call = Call.objects.create(
        instrument=instrument, code=f"rush-{run}", title=f"Rush {run}", summary="Benchmark.",
        opens_at=timezone.now() - datetime.timedelta(days=1), closes_at=closes, is_published=True,
        budget=Decimal(1_000_000), max_amount=Decimal(10_000),
    )  # fmt: skip
    sessions = []
    for i in range(applicants):
        user = User(username=f"rush-{run}-{i}", role=Role.APPLICANT, email=f"r{i}@bench.example")
        user.set_unusable_password()
        user.save()
        organisation = Organisation.objects.create(name=f"Rush {run} {i}", postcode="5000")
        Affiliation.objects.create(user=user, organisation=organisation)
        application = Application.objects.create(
            call=call, organisation=organisation, created_by=user, title="Pilot", summary="Rush.",
            requested_amount=Decimal(5_000), steps_done=len(Application.STEPS),
        )  # fmt: skip
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append((application.pk, session.session_key or ""))
    return call, sessions


def click(port: int, pk: int, session_key: str) -> tuple[str, float, int]:
    """Open the submit step, then submit; returns (outcome, seconds, status)."""
    cookie = f"sessionid={session_key}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "GET", f"/calls/applications/{pk}/step/submit/", headers={"Cookie": cookie}
        )
        page = connection.getresponse()
        body = page.read().decode()
        csrf_cookie = next(
            (v.split(";")[0].split("=", 1)[1] for k, v in page.getheaders() if k.lower() == "set-cookie" and v.startswith("csrftoken=")),
            "",
        )  # fmt: skip
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if page.status != 200 or token is None:
            return "error", 0.0, page.status
        started = time.perf_counter()
        connection.request(
            "POST",
            f"/calls/applications/{pk}/submit/",
            body=f"csrfmiddlewaretoken={token.group(1)}",
            headers={
                "Cookie": f"{cookie}; csrftoken={csrf_cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/",
            },
        )
        answer = connection.getresponse()
        answer.read()
        elapsed = time.perf_counter() - started
        location = answer.getheader("Location", "")
        if answer.status == 302 and location.endswith(f"/applications/{pk}/"):
            return "told recorded", elapsed, answer.status
        if answer.status == 302 and location.endswith("/step/submit/"):
            return "told refused", elapsed, answer.status
        return "error", elapsed, answer.status
    except OSError:
        return "error", 0.0, 0
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=64, help="concurrent clients")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database of its own.", file=sys.stderr)
        return 2
    # The server and this script sign sessions with the same key.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    configure()
    print(f"preparing {args.applicants} applicants …", flush=True)
    port = free_port()
    env = dict(os.environ, DEBUG="false", SECURE_COOKIES="false", ALLOWED_HOSTS="127.0.0.1",
               SECRET_KEY=os.environ["SECRET_KEY"])  # fmt: skip
    venv_bin = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(venv_bin / "territoria"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        call, sessions = prepare(args.applicants)
        import datetime

        from django.utils import timezone

        rng = random.Random(2026)
        start = time.monotonic() + 2
        call.closes_at = timezone.now() + datetime.timedelta(seconds=2 + DEADLINE_AT)  # type: ignore[attr-defined]
        call.save()  # type: ignore[attr-defined]
        moments = {pk: start + rng.uniform(0, WINDOW) for pk, _key in sessions}
        results: dict[int, tuple[str, float, int]] = {}
        lock = threading.Lock()

        def applicant(pk: int, key: str) -> None:
            time.sleep(max(0.0, moments[pk] - time.monotonic()))
            outcome = click(port, pk, key)
            with lock:
                results[pk] = outcome

        print(
            f"rush: {args.applicants} submissions over {WINDOW:.0f} s, deadline at {DEADLINE_AT:.0f} s",
            flush=True,
        )
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            for pk, key in sessions:
                pool.submit(applicant, pk, key)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    from django.db.models import Count

    from territoria.calls.models import Application

    rows = {a.pk: a for a in Application.objects.filter(pk__in=results)}
    recorded = [pk for pk, a in rows.items() if a.status == "submitted"]
    refused = [pk for pk, a in rows.items() if a.status == "draft"]
    lost = [
        pk for pk, (said, _t, _s) in results.items()
        if (said == "told recorded" and rows[pk].status != "submitted") or (said == "error" and rows[pk].status != "submitted")
    ]  # fmt: skip
    misreported = [
        pk
        for pk, (said, _t, _s) in results.items()
        if said == "told refused" and rows[pk].status == "submitted"
    ]
    duplicates = (
        Application.objects.filter(pk__in=recorded).values("reference").annotate(n=Count("pk")).filter(n__gt=1).count()
    )  # fmt: skip
    latencies = sorted(t * 1000 for said, t, _s in results.values() if said != "error")
    errors = sum(1 for said, _t, _s in results.values() if said == "error")
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"recorded   {len(recorded):5d}")
    print(f"refused    {len(refused):5d}  (after the deadline, with a message; drafts intact)")
    print(f"lost       {len(lost):5d}  (must be 0)")
    print(f"misreported {len(misreported):4d}  (told refused but recorded; must be 0)")
    print(f"duplicates {duplicates:5d}  (must be 0)")
    print(f"errors     {errors:5d}  (server errors or timeouts)")
    print(f"submit latency p50 {p50:.1f} ms  p95 {p95:.1f} ms  (n={len(latencies)})")
    return 0 if not lost and not duplicates and not misreported else 1


if __name__ == "__main__":
    sys.exit(main())
