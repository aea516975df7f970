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
