import pytest
from django.contrib.auth.hashers import make_password

from territoria import cli


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    from territoria import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_password("a long passphrase").startswith("argon2$")


def test_cookies_are_secure_unless_explicitly_relaxed():
    from territoria import settings as project_settings

    # The test run leaves SECURE_COOKIES unset and DEBUG off: production defaults.
    assert project_settings.SESSION_COOKIE_SECURE is True
    assert project_settings.CSRF_COOKIE_SECURE is True
    assert project_settings.SESSION_COOKIE_HTTPONLY is True


def test_serve_refuses_to_start_with_debug_on(settings, capsys, monkeypatch):
    monkeypatch.setenv("TERRITORIA_HTTPS", "true")  # what serve sets, undone after the test
    settings.DEBUG = True
    settings.SECRET_KEY = "x" * 50
    assert cli.serve("127.0.0.1:0", 1, task_workers=0) == 2
    assert "DEBUG is on" in capsys.readouterr().err


def test_serve_refuses_to_start_without_its_own_secret_key(settings, capsys, monkeypatch):
    monkeypatch.setenv("TERRITORIA_HTTPS", "true")  # what serve sets, undone after the test
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY
    assert cli.serve("127.0.0.1:0", 1, task_workers=0) == 2
    assert "SECRET_KEY is not set" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_form_post_without_csrf_token_is_refused(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["staff"])
    response = client.post("/magnets/new/", {"name": "x"})
    assert response.status_code == 403
