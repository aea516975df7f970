"""Territoria run in a process of its own (a script, `manage`, `serve`), as in production."""

import os
import secrets
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections

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


@dataclass
class FreshDatabase:
    """A database of the test run's kind that nothing else uses, dropped at the end."""

    url: str
    drop: Callable[[], None] = lambda: None


def fresh_database(folder: Path, prefix: str = "territoria_clients") -> FreshDatabase:
    """An SQLite file in `folder`, or a new database on the test run's PostgreSQL server."""
    if connections["default"].vendor != "postgresql":
        return FreshDatabase(f"sqlite:///{folder / (prefix + '.sqlite3')}")
    import psycopg
    from psycopg import sql

    # On the test run's PostgreSQL server, beside its test database.
    settings = connections["default"].settings_dict
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    host, port = settings["HOST"] or "localhost", settings["PORT"] or 5432
    user, password = settings["USER"] or "", settings["PASSWORD"] or ""

    def maintenance(statement: sql.Composed) -> None:
        with psycopg.connect(
            host=host, port=port, user=user or None, password=password or None,
            dbname="postgres", autocommit=True,
        ) as admin:  # fmt: skip
            admin.execute(statement)

    maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    secret = f":{quote(password, safe='')}" if password else ""
    return FreshDatabase(
        f"postgres://{quote(user, safe='')}{secret}@{quote(host, safe='')}:{port}/{name}",
        lambda: maintenance(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        ),
    )
