import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


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
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "TERRITORIA_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3",
            "SECRET_KEY": "s" * 50,
            "DEBUG": "false",
        }
    )
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
