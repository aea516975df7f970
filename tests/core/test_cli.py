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
    assert "Reference schemes: 8 schemes" in result.stdout
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
