"""`territoria import kbo` as an operator runs it: a process of its own, killed midway."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from territoria.ecosystem.kbo.generator import generate
from tests.processes import fresh_database, run_script, site_env

pytestmark = pytest.mark.django_db

COUNTS = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*), count(struck_off_on), max(updated_at) FROM ecosystem_organisation")
    organisations = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM taxonomy_tag")
    tags = cursor.fetchone()[0]
    cursor.execute("SELECT status FROM ecosystem_kboimport ORDER BY id")
    runs = [row[0] for row in cursor.fetchall()]
print(organisations[0], organisations[1], organisations[2], tags, ",".join(runs))
"""


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "territoria", "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def counts(env: dict[str, str]) -> list[str]:
    result = run_script(f"import django; django.setup()\n{COUNTS}", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.fixture
def site(tmp_path: Path):
    database = fresh_database(tmp_path, "territoria_kbo")
    env = site_env(
        tmp_path, DATABASE_URL=database.url, DJANGO_SETTINGS_MODULE="territoria.settings"
    )
    for command in (("migrate", "-v0"), ("load_territory",), ("load_reference",)):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr
    yield env
    database.drop()


def test_an_import_killed_midway_leaves_the_previous_state_and_runs_again(site, tmp_path):
    small = generate(tmp_path / "small", 300, seed=11)
    result = manage(site, "import_kbo", str(small))
    assert result.returncode == 0, result.stderr
    before = counts(site)
    assert before[0] == "300" and before[-1] == "done"
    bigger = generate(tmp_path / "bigger", 6000, seed=11)
    process = subprocess.Popen(
        [sys.executable, "-m", "territoria", "manage", "import_kbo", str(bigger)],
        env=site,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    # Killed once it writes organisations: after the reading, inside the transaction.
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 300
    while "organisations" not in seen and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen += line
    assert "organisations" in seen, seen
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    after_kill = counts(site)
    assert after_kill[:4] == before[:4]  # nothing of the killed run is visible
    assert after_kill[-1] == "done,running"
    result = manage(site, "import_kbo", str(bigger))
    assert result.returncode == 0, result.stderr
    done = counts(site)
    # The same numbers and seed: the 300 first enterprises are the same ones, unchanged.
    assert done[0] == "6000" and done[-1] == "done,failed,done"
    result = manage(site, "import_kbo", str(bigger))
    assert "0 created, 0 updated, 6,000 unchanged" in result.stdout


def test_a_missing_file_is_a_clear_error_and_a_failed_exit(site, tmp_path):
    extract = generate(tmp_path / "partial", 20, seed=2)
    (extract / "enterprise.csv").unlink()
    result = manage(site, "import_kbo", str(extract))
    assert result.returncode != 0
    assert "lacks enterprise.csv" in result.stderr and "Traceback" not in result.stderr
    assert counts(site)[0] == "0"
