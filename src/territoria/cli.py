"""The `territoria` command: demo, serve, export, manage (and the Django commands behind them)."""

import argparse
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

# (user name, role, what the account does in the demo)
DEMO_ACCOUNTS = [
    ("staff", "staff", "Agency staff: manages calls, people, data"),
    ("applicant", "applicant", "Applicant: applies to the open call"),
    ("laureate", "applicant", "Start IA laureate: confirms the coaching"),
    ("expert", "expert", "Expert company: files a coaching report"),
    # Three evaluators: each application of the open call gets three.
    ("evaluator", "evaluator", "Evaluator"),
    ("evaluator2", "evaluator", "Evaluator"),
    ("evaluator3", "evaluator", "Evaluator"),
]


class DemoRefused(Exception):
    """The demo cannot start; the message says why and what to do."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        return manage(argv[1:])
    if argv[:1] == ["export"]:
        return manage(argv)
    if argv[:2] == ["import", "kbo"]:
        return manage(["import_kbo", *argv[2:]])
    parser = argparse.ArgumentParser(
        prog="territoria", description="Territoria, territorial intelligence platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="a fresh demo database with reference data, served on localhost"
    )
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.add_argument(
        "--organisations", type=int, default=3000, help="size of the fictitious ecosystem"
    )
    demo_parser.add_argument(
        "--no-serve", action="store_true", help="prepare the database and stop"
    )
    demo_parser.add_argument(
        "--kbo",
        metavar="DIR",
        help="also import a KBO/BCE open-data extract (folder or zip, real or from "
        "territoria manage generate_kbo)",
    )
    demo_parser.add_argument(
        "--territory",
        metavar="PATH",
        help="a territory profile (territory.toml or its folder); default: TERRITORIA_TERRITORY's",
    )
    serve_parser = commands.add_parser(
        "serve", help="the production server on the configured database"
    )
    serve_parser.add_argument("--bind", default=os.environ.get("TERRITORIA_BIND", "127.0.0.1:8000"))
    serve_parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3"))
    )
    serve_parser.add_argument(
        "--task-workers",
        type=int,
        default=int(os.environ.get("TERRITORIA_TASK_WORKERS", "1")),
        help="background-task workers beside the web server (default: 1)",
    )
    serve_parser.add_argument(
        "--no-worker", action="store_true", help="do not start any background-task worker"
    )
    commands.add_parser("manage", help="any Django management command: territoria manage help")
    commands.add_parser(
        "export", help="export a published dataset to a file: territoria export --help"
    )
    commands.add_parser(
        "import", help="import a KBO/BCE open-data extract: territoria import kbo DIR|ZIP"
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(
            args.port,
            args.organisations,
            serve_after=not args.no_serve,
            territory=args.territory,
            kbo=args.kbo,
        )
    return serve(args.bind, args.workers, task_workers=0 if args.no_worker else args.task_workers)


def manage(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["territoria manage", *args])
    return 0


def demo(
    port: int,
    organisations: int,
    serve_after: bool = True,
    territory: str | None = None,
    kbo: str | None = None,
) -> int:
    data_dir = Path(os.environ.get("TERRITORIA_DATA_DIR") or "./var").resolve()
    database = data_dir / "demo.sqlite3"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # Checked before anything is touched: a running demo keeps its database.
        lock = _claim(data_dir, port if serve_after else None)
        if serve_after:
            _check_port_free(port)
    except DemoRefused as refusal:
        print(f"territoria demo refuses to start: {refusal}", file=sys.stderr)
        return 2
    if territory:
        profile = Path(territory).expanduser().resolve()
        if profile.is_dir():
            profile = profile / "territory.toml"
        if not profile.is_file():
            print(f"territoria demo: no territory profile at {territory}", file=sys.stderr)
            return 2
        os.environ["TERRITORIA_TERRITORY"] = str(profile)
    if kbo:
        # Checked before anything is touched: a wrong path keeps the previous demo.
        from territoria.ecosystem.kbo.reader import Extract, ExtractError

        try:
            Extract(Path(kbo).expanduser()).close()
        except ExtractError as error:
            print(f"territoria demo refuses to start: {error}", file=sys.stderr)
            return 2
    if os.environ.get("TERRITORIA_TERRITORY"):
        # Checked before anything is touched, told in a line rather than a traceback.
        problem = profile_problem(Path(os.environ["TERRITORIA_TERRITORY"]).expanduser())
        if problem:
            print(f"territoria demo refuses to start: {problem}", file=sys.stderr)
            return 2
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ.update(
        {
            "TERRITORIA_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{database}",
            "TERRITORIA_DEMO": "true",
            "SECURE_COOKIES": "false",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]",
            "DJANGO_SETTINGS_MODULE": "territoria.settings",
        }
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Territoria demo: fresh database {database}")
    call_command("migrate", verbosity=0)
    call_command("load_territory")
    call_command("load_reference")
    call_command("load_questionnaires")
    call_command("load_strategy")
    call_command("load_demo", organisations=organisations)
    accounts = _demo_accounts()
    call_command("load_demo_calls", applicant="applicant", expert="expert", laureate="laureate")
    call_command("load_recommendations")
    from django.core.management.base import CommandError

    try:
        call_command("load_demo_assessments", laureate=_demo_laureates())
    except CommandError as reason:  # a demo of a few organisations: no Digiscore history
        print(f"territoria demo: no Digiscore history: {reason}", file=sys.stderr)
    if kbo:
        try:
            call_command("import_kbo", kbo)
        except CommandError as error:
            print(f"territoria demo: the KBO extract was not imported: {error}", file=sys.stderr)
            return 2
    _collect_static()
    if not serve_after:
        return 0
    url = f"http://localhost:{port}/"
    print("\nAccounts (demo only):")
    for username, password, description in accounts:
        print(f"  user {username:<11} password {password:<13} {description}")
    print(f"\nTerritoria demo running at {url}  (Ctrl+C stops it)\n", flush=True)
    try:
        return _run_servers(f"127.0.0.1:{port}", workers=2, task_workers=1)
    finally:
        lock.close()


def _claim(data_dir: Path, port: int | None) -> IO[str]:
    """Hold the data folder for this demo, as long as the process lives (the system frees
    the lock when it ends, however it ends); refuse if another demo holds it."""
    lock = (data_dir / "demo.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise DemoRefused(
            f"another Territoria demo ({holder}) uses the data folder {data_dir}.\n"
            "  Open that one, stop it first (Ctrl+C where it runs), or give this one a folder "
            "and a port of its own:\n"
            f"  TERRITORIA_DATA_DIR={data_dir.parent / 'demo2'} territoria demo --port 8001"
        ) from None
    lock.seek(0)
    lock.truncate()
    where = f", http://localhost:{port}/" if port else ""
    lock.write(f"process {os.getpid()}{where}")
    lock.flush()
    return lock


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise DemoRefused(
                f"port {port} is already in use on this machine (by another program or "
                f"another demo): choose a free one, e.g. territoria demo --port {port + 1}"
            ) from None


def _demo_accounts() -> list[tuple[str, str, str]]:
    from territoria.core.models import Role, User

    created = []
    for username, role, description in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = User(username=username, role=Role(role), email=f"{username}@territoria.example")
        user.set_password(password)
        user.save()  # its e-mail counts as confirmed (accounts.services.vouch_for_new_account)
        created.append((username, password, description))
    return created


def serve(bind: str, workers: int, task_workers: int = 1) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    # Production is reached over HTTPS (through the reverse proxy): redirect plain HTTP and
    # send HSTS, unless TERRITORIA_HTTPS=false says this is a plain-HTTP intranet.
    os.environ.setdefault("TERRITORIA_HTTPS", "true")
    import django

    django.setup()
    from django.conf import settings

    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on: set DEBUG=false for production.")
    if settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        problems.append(
            "SECRET_KEY is not set (or shorter than 32 characters): generate one, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    problem = profile_problem(Path(settings.TERRITORY_FILE))
    if problem:
        problems.append(f"TERRITORIA_TERRITORY: {problem}")
    if problems:
        print("territoria serve refuses to start:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    _collect_static()
    _warm_indexes()
    return _run_servers(bind, workers, task_workers)


def _warm_indexes() -> None:
    """The bitmap indexes built or loaded once, their snapshots written, before the web
    workers start: each worker then loads them from disk in a moment (two million
    organisations take a few seconds to build, a fraction of one to load)."""
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("build_index")
    except DatabaseError as error:  # not migrated yet: the site says so itself
        print(f"territoria serve: the indexes are built on first use ({error})", file=sys.stderr)


def profile_problem(path: Path) -> str:
    """What is wrong with the territory profile file at `path` ("" if nothing): every page
    shows the profile, so a site must not start with one it cannot read."""
    from territoria.core import territory
    from territoria.core.env import ConfigurationError, profile_languages

    try:
        profile_languages(path.resolve())
        territory.read(path.resolve())
    except (ConfigurationError, territory.ProfileError) as error:
        return str(error)
    return ""


def _demo_laureates() -> list[str]:
    """The demo's laureates as `load_demo_assessments` takes them: PK:YEAR each, the year
    their call opened (their Digiscore T0)."""
    from django.utils import timezone

    from territoria.calls.services.impact_charts import laureates
    from territoria.ecosystem.services import public_organisations
    from territoria.maturity.demo import T0_YEARS

    chosen = (
        laureates()
        .filter(organisation__in=public_organisations().filter(enterprise_number__gt=""))
        .values_list("organisation_id", "call__opens_at")
        .order_by("pk")
    )
    years = {pk: timezone.localtime(opened).year for pk, opened in chosen}
    return [f"{pk}:{year}" for pk, year in years.items() if year in T0_YEARS]


def _collect_static() -> None:
    """Static files under hashed names, compressed, in the data folder: what the site serves.
    Skipped in a moment when nothing changed since the last start."""
    from territoria.core.staticfiles import collect_static

    collect_static()


def _gunicorn_command(bind: str, workers: int) -> list[str]:
    """The web server's command line."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "territoria.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # A long export may take a while; behind the buffering proxy no slow client holds
        # a worker that long.
        "--timeout",
        os.environ.get("TERRITORIA_REQUEST_TIMEOUT", "120"),
        # Gunicorn's control socket is one path per user (~/.gunicorn): two servers of one
        # user on a machine would share it.
        "--no-control-socket",
    ]


def _task_worker_command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "territoria.cli",
        "manage",
        "task_worker",
        "--no-reload",
        "--queue-name",
        "*",
    ]


class _TaskWorker:
    """One task-worker process the supervisor keeps alive: started again after a back-off
    (1 s, doubling up to 30 s) when it dies, so that a worker failing at once (database
    unreachable) does not spin."""

    FIRST_DELAY, MAX_DELAY = 1.0, 30.0

    def __init__(self, number: int) -> None:
        self.number = number
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = self.restart_at = 0.0
        self.delay = self.FIRST_DELAY

    def keep_alive(self, now: float) -> None:
        if self.process is None:
            if now >= self.restart_at:
                self.process, self.started_at = subprocess.Popen(_task_worker_command()), now
            return
        code = self.process.poll()
        if code is None:
            return
        if now - self.started_at >= self.MAX_DELAY:
            self.delay = self.FIRST_DELAY  # it had been running well: no crash loop
        print(
            f"territoria: task worker {self.number} (process {self.process.pid}) "
            f"{_how_it_ended(code)}; "
            f"starting a new one in {self.delay:g} s (its jobs are taken over when their "
            "lease lapses)",
            file=sys.stderr,
            flush=True,
        )
        self.process, self.restart_at = None, now + self.delay
        self.delay = min(self.delay * 2, self.MAX_DELAY)


def _how_it_ended(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:  # a signal without a name (real-time signals)
        return f"was killed by signal {-code}"


def _run_servers(bind: str, workers: int, task_workers: int) -> int:
    """Gunicorn and, beside it, `task_workers` background-task workers. Gunicorn stopping,
    or a signal (Ctrl+C, SIGTERM), stops everything; a task worker that dies is started
    again without touching the site."""
    site = subprocess.Popen(_gunicorn_command(bind, workers))
    crew = [_TaskWorker(number) for number in range(1, task_workers + 1)]
    signals: list[int] = []

    def stop(signum: int, frame: object) -> None:
        signals.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not signals and site.poll() is None:
            for worker in crew:
                worker.keep_alive(time.monotonic())
            try:
                site.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
    finally:
        processes = [site, *(worker.process for worker in crew if worker.process)]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    codes = [process.returncode or 0 for process in processes]
    # A process we stopped has a negative code (the signal): that is a normal stop.
    return max((code for code in codes if code > 0), default=0)


if __name__ == "__main__":
    sys.exit(main())
