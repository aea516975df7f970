import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.processes import site_env

# Its processes run on SQLite files of their own: one run of CI is enough.
pytestmark = pytest.mark.single_database


def test_demo_prepares_a_fresh_database_and_serves_it(tmp_path):
    """`territoria demo` up to serving: migrate, reference data, fictitious ecosystem, accounts."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["TERRITORIA_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "territoria", "demo", "--no-serve", "--organisations", "200"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Reference schemes: 10 schemes" in result.stdout
    assert "Strategy reference: 3 versions" in result.stdout
    assert (tmp_path / "demo.sqlite3").exists()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # a second run starts afresh


def test_demo_imports_a_kbo_extract_and_refuses_a_broken_one_before_touching_anything(tmp_path):
    from territoria.ecosystem.kbo.generator import generate

    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["TERRITORIA_DATA_DIR"] = str(tmp_path)
    extract = generate(tmp_path / "kbo", 300, seed=5)
    command = [sys.executable, "-m", "territoria", "demo", "--no-serve", "--organisations", "50"]
    result = subprocess.run(
        [*command, "--kbo", str(extract)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "300 created" in result.stdout
    with sqlite3.connect(tmp_path / "demo.sqlite3") as database:
        (imported,) = database.execute(
            "SELECT count(*) FROM ecosystem_organisation WHERE source = 'kbo'"
        ).fetchone()
    assert imported == 300
    (extract / "activity.csv").unlink()
    refused = subprocess.run(
        [*command, "--kbo", str(extract)], env=env, capture_output=True, text=True, timeout=300
    )
    assert refused.returncode == 2 and "lacks activity.csv" in refused.stderr
    with sqlite3.connect(tmp_path / "demo.sqlite3") as database:  # the previous demo stays
        (kept,) = database.execute("SELECT count(*) FROM ecosystem_organisation").fetchone()
    assert kept >= 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 120) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http only)
                return int(response.status)
        except OSError:
            time.sleep(0.5)
    return None


def test_a_second_demo_is_refused_and_leaves_the_first_untouched(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["TERRITORIA_DATA_DIR"] = str(tmp_path / "var")
    port = free_port()
    demo = [sys.executable, "-m", "territoria", "demo", "--organisations", "200"]
    first = subprocess.Popen(
        [*demo, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert wait_for(f"http://127.0.0.1:{port}/accounts/login/") == 200
        database = tmp_path / "var" / "demo.sqlite3"
        before = (database.stat().st_ino, database.stat().st_mtime_ns)
        for args in (["--port", str(port)], ["--port", str(free_port())], ["--no-serve"]):
            again = subprocess.run(
                [*demo, *args], env=env, capture_output=True, text=True, timeout=120
            )
            assert again.returncode == 2
            assert "another Territoria demo" in again.stderr and str(port) in again.stderr
        assert (database.stat().st_ino, database.stat().st_mtime_ns) == before
        assert wait_for(f"http://127.0.0.1:{port}/accounts/login/", 10) == 200
        # Another folder on the same port: refused before creating anything.
        elsewhere = {**env, "TERRITORIA_DATA_DIR": str(tmp_path / "other")}
        busy = subprocess.run(
            [*demo, "--port", str(port)], env=elsewhere, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert busy.returncode == 2 and f"port {port} is already in use" in busy.stderr
        assert not (tmp_path / "other" / "demo.sqlite3").exists()
    finally:
        first.send_signal(signal.SIGINT)
        output = first.communicate(timeout=60)[0]
    for username in ("staff", "applicant", "laureate", "expert", "evaluator3"):
        assert f"user {username} " in output


def test_manage_runs_django_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TERRITORIA_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "no issues" in result.stdout


def test_serve_runs_gunicorn_and_the_worker_and_stops_cleanly(tmp_path):
    port = free_port()
    env = site_env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "migrate", "-v0"], env=env, timeout=120
    )
    assert migrate.returncode == 0
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "territoria",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/ecosystem/", 60) == 200
        # The worker beside the web server imports an uploaded scheme file.
        queue = (
            "from territoria.core.models import User; from territoria.taxonomy.services.imports import queue_scheme_import; "
            "u = User.objects.create(username='s', role='staff'); "
            "print(queue_scheme_import(actor=u, scheme_code='domains', scheme_title='Domaines', file_name='d.csv', "
            "data=b'notation,parent,label_fr\\nhealth,,Sant\\xc3\\xa9\\n').pk)"
        )
        shell = [sys.executable, "-m", "territoria", "manage", "shell", "--no-imports", "-c"]
        subprocess.run([*shell, queue], env=env, timeout=120, check=True)
        read = "from territoria.taxonomy.models import SchemeImport; print(SchemeImport.objects.get().status)"
        deadline, state = time.monotonic() + 60, ""
        while time.monotonic() < deadline and state != "done":
            time.sleep(1)
            state = subprocess.run(
                [*shell, read], env=env, timeout=120, capture_output=True, text=True
            ).stdout.strip()
        assert state == "done"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output


def children_of(pid: int) -> dict[int, str]:
    """The processes `pid` started (read from Linux's /proc): process id → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found


def task_workers_of(pid: int) -> set[int]:
    return {child for child, command in children_of(pid).items() if "task_worker" in command}


def wait_until(condition: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    return condition()


def is_running(pid: int) -> bool:
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False


@pytest.fixture
def production(tmp_path):
    """The environment of `territoria serve` on a migrated SQLite database, and a free port."""
    env = site_env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "migrate", "-v0"], env=env, timeout=120
    )
    assert migrate.returncode == 0
    return env, free_port()


def start_serve(env: dict[str, str], port: int, log: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{port}"]
    with log.open("w") as output:
        return subprocess.Popen(
            [*command, "--workers", "1", *options], env=env, stdout=output, stderr=output
        )


def test_serve_restarts_a_killed_task_worker_and_the_site_stays_up(production, tmp_path):
    env, port = production
    log = tmp_path / "serve.log"
    server = start_serve(env, port, log, "--task-workers", "2")
    site = f"http://127.0.0.1:{port}/ecosystem/"
    try:
        assert wait_for(site, 60) == 200
        workers = wait_until(
            lambda: len(task_workers_of(server.pid)) == 2 and task_workers_of(server.pid)
        )
        assert workers, children_of(server.pid)
        # Both started (under load a worker may still be loading Django when it is killed,
        # and would never say it started).
        assert wait_until(lambda: log.read_text().count("Starting worker worker_id=") == 2)
        killed = min(workers)
        gunicorn = {
            pid for pid, command in children_of(server.pid).items() if "gunicorn" in command
        }
        os.kill(killed, signal.SIGKILL)

        assert wait_for(site, 5) == 200  # the site did not stop with the worker
        replaced = wait_until(lambda: len(task_workers_of(server.pid) - {killed}) == 2, 30)
        assert replaced, children_of(server.pid)
        assert task_workers_of(server.pid) - workers  # a new process, not the old one
        assert wait_until(lambda: log.read_text().count("Starting worker worker_id=") == 3)
        assert {p for p, c in children_of(server.pid).items() if "gunicorn" in c} == gunicorn
        assert wait_for(site, 5) == 200
        assert re.search(
            rf"task worker [12] \(process {killed}\) was killed by SIGKILL; "
            "starting a new one in 1 s",
            log.read_text(),
        )
        everyone = set(children_of(server.pid))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, log.read_text()
    assert not [pid for pid in everyone if is_running(pid)]  # SIGTERM stopped them all
    assert wait_for(site, 1) is None


def test_the_site_stopping_stops_the_task_workers_too(production, tmp_path):
    env, port = production
    log = tmp_path / "serve.log"
    server = start_serve(env, port, log)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/ecosystem/", 60) == 200
        workers = wait_until(lambda: task_workers_of(server.pid))
        assert len(workers) == 1
        (gunicorn,) = (p for p, c in children_of(server.pid).items() if "gunicorn" in c)
        os.kill(gunicorn, signal.SIGTERM)
        server.wait(timeout=60)
    finally:
        if server.poll() is None:  # the test failed: stop it all, as an operator would
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    assert not [pid for pid in workers if is_running(pid)], log.read_text()
    assert "task worker" not in log.read_text()  # stopped, not restarted


def test_a_task_worker_outlasts_a_write_lock_held_past_sqlites_busy_timeout(production, tmp_path):
    """Another worker's long import holds SQLite's one write lock for longer than the 20 s
    busy timeout: an idle worker waits for it (db_worker alone exits), then works on."""
    env, _ = production
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "territoria", "manage", "task_worker", "--no-reload"]
    with log.open("w") as output:
        worker = subprocess.Popen(
            [*command, "--queue-name", "*"], env=env, stdout=output, stderr=output
        )
    try:
        assert wait_until(lambda: "Starting worker" in log.read_text())
        database = sqlite3.connect(
            env["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None
        )
        database.execute("BEGIN IMMEDIATE")
        time.sleep(24)
        database.execute("COMMIT")
        database.close()
        assert worker.poll() is None, log.read_text()
        assert "The database stayed locked" in log.read_text()

        queue = (
            "from territoria.core.models import User; from territoria.taxonomy.services.imports import queue_scheme_import; "
            "u = User.objects.create(username='s', role='staff'); "
            "queue_scheme_import(actor=u, scheme_code='domains', scheme_title='Domaines', file_name='d.csv', "
            "data=b'notation,parent,label_fr\\nhealth,,Sant\\xc3\\xa9\\n')"
        )
        shell = [sys.executable, "-m", "territoria", "manage", "shell", "--no-imports", "-c"]
        subprocess.run([*shell, queue], env=env, timeout=120, check=True)
        read = "from territoria.taxonomy.models import SchemeImport; print(SchemeImport.objects.get().status)"

        def imported() -> bool:
            answer = subprocess.run(
                [*shell, read], env=env, timeout=120, capture_output=True, text=True
            )
            return answer.stdout.strip() == "done"

        assert wait_until(imported, 60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
