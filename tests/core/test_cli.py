import os
import subprocess
import sys


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
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/ecosystem/", timeout=5
                ) as response:
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        # The worker beside the web server imports an uploaded scheme file.
        queue = (
            "from territoria.core.models import User; from territoria.taxonomy.services import queue_scheme_import; "
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
