"""Shared fixtures: the reference schemes, and one user per role (healthchecks-style)."""

import pytest
from django.test import Client

from territoria.core.models import Role, User
from territoria.taxonomy.services.reference import load_reference_schemes

PASSWORD = "correct horse battery staple"
ROLES = ["anonymous", "staff", "applicant", "other_applicant", "evaluator", "expert"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tested in tests/core); tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Two-factor authentication is required of staff and evaluators in production; the
    # tests of accounts turn it on where they test it.
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _fresh_territory_profile():
    # The profile is cached for 30 s per process: a test that saved or switched one
    # (then rolled back) must not hand it to the next.
    from territoria.core import territory

    territory.forget()
    yield
    territory.forget()


@pytest.fixture(autouse=True)
def _fresh_bitmap_indexes():
    # Each test's records are rolled back after it, changes to the index with them: the
    # index a process built during a test must not serve the next (production never sees
    # its own rolled-back changes: an index reads committed rows).
    import shutil

    from django.conf import settings

    from territoria.taxonomy import index

    yield
    index.forget()
    from territoria.opendata import selection

    selection._ids_cache.clear()
    shutil.rmtree(settings.DATA_DIR / "index", ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_schemes()


def make_user(username: str, role: str) -> User:
    """An account as staff make it (its e-mail counts as confirmed)."""
    user = User(username=username, role=role, email=f"{username}@test.example")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(db) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "staff": make_user("staff", Role.STAFF),
        "applicant": make_user("applicant", Role.APPLICANT),
        "other_applicant": make_user("other", Role.APPLICANT),
        "evaluator": make_user("evaluator", Role.EVALUATOR),
        "expert": make_user("expert", Role.EXPERT),
    }


@pytest.fixture
def client_for(users):
    """client_for("staff") → a test client logged in with that role (anonymous: not logged in)."""

    def build(role: str) -> Client:
        client = Client()
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return build


@pytest.fixture(scope="session", autouse=True)
def _static_files():
    """Pages name the collected static files (hashed, compressed), as in production. They
    are collected once per set of sources into a folder of the system's temporary one, which
    later runs and the Territoria processes tests start (they inherit the environment) reuse:
    a first collection compresses for 15 s. A complete folder is never written again, so
    that runs at the same time can read it; a new one starts from links to the last one's
    files, named by their content, and compresses only what changed."""
    import contextlib
    import os
    import shutil
    import tempfile
    import time
    from pathlib import Path

    from django.test.utils import override_settings

    from territoria.core.staticfiles import collect_static, sources_fingerprint

    cache = Path(tempfile.gettempdir()) / f"territoria-static-{os.getuid()}"
    root = cache / sources_fingerprint()[:16] / "static"
    stamps = sorted(cache.glob("*/static.collected"), key=lambda stamp: stamp.stat().st_mtime)
    if not root.with_name("static.collected").exists() and stamps:
        last = stamps[-1].with_name("static")
        for source in last.rglob("*"):
            target = root / source.relative_to(last)
            if source.is_file() and source.name != "staticfiles.json" and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileExistsError):
                    os.link(source, target)
    for stamp in stamps:  # folders no run has started with for 3 hours (a run: < 1 hour)
        if stamp.parent != root.parent and stamp.stat().st_mtime < time.time() - 3 * 3600:
            shutil.rmtree(stamp.parent, ignore_errors=True)
    os.environ["TERRITORIA_STATIC_ROOT"] = str(root)
    with override_settings(STATIC_ROOT=root):
        collect_static()
        root.with_name("static.collected").touch()
        yield


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's, serving static files as production does (WhiteNoise, the collected
    files) rather than through Django's test handler, which knows no hashed name."""
    import os

    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()
