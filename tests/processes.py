"""Territoria run in a process of its own (a script, `manage`, `serve`), as in production."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

# Set for this test process only: the settings module, and the browser tests' permission
# for Django's async-unsafe calls (which `check --deploy` refuses).
NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def site_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Production settings on a SQLite file of `tmp_path`, plain HTTP on localhost."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        {
            "TERRITORIA_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/site.sqlite3",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "TERRITORIA_HTTPS": "false",
            "CACHE_URL": "db://",
            "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
            **extra,
        }
    )
    return env


def run_script(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Python code run with Django's settings from `env`; its output kept."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "territoria.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],  # the repository: `tests` imports
    )


def unavailable(reason: str) -> None:
    """Skip a test whose outside program is missing, or fail it where CI promises every one
    (TERRITORIA_REQUIRE_SERVICES=1)."""
    if os.environ.get("TERRITORIA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (TERRITORIA_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
