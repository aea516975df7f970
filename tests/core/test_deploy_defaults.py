"""`territoria serve` is secure by default: HTTPS redirect and HSTS, with a switch for
plain-HTTP intranets; `check --deploy` has nothing to say about its defaults."""

import subprocess
import sys

import pytest

from tests.processes import site_env

# Its processes run on SQLite files of their own: one run of CI is enough.
pytestmark = pytest.mark.single_database


def _env(tmp_path, **extra: str) -> dict[str, str]:
    """`serve`'s environment, with the HTTPS switch unset unless given."""
    env = site_env(tmp_path, **extra)
    if "TERRITORIA_HTTPS" not in extra:
        env.pop("TERRITORIA_HTTPS")
    return env


def _check_deploy(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def test_check_deploy_is_silent_with_the_serve_defaults(tmp_path):
    output = _check_deploy(_env(tmp_path, TERRITORIA_HTTPS="true"))
    assert "no issues" in output, output


def test_a_plain_http_intranet_is_a_documented_switch(tmp_path):
    output = _check_deploy(_env(tmp_path, TERRITORIA_HTTPS="false"))
    assert "security.W004" in output and "security.W008" in output


@pytest.mark.parametrize("https", ["true", "false"])
def test_the_switch_sets_redirect_and_hsts(tmp_path, https):
    probe = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    done = subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "shell", "--no-imports", "-c", probe],
        env=_env(tmp_path, TERRITORIA_HTTPS=https),
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = "True 31536000 True" if https == "true" else "False 0 False"
    assert done.stdout.strip() == expected, done.stderr


def test_serve_redirects_plain_http_and_sends_hsts_by_default(tmp_path):
    """Through the real server: a request the proxy marks as HTTPS gets HSTS, a plain one
    is redirected to HTTPS."""
    import signal
    import urllib.error
    import urllib.request

    from tests.core.test_cli import free_port, start_serve, wait_until

    env = _env(tmp_path)
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_HSTS_SECONDS", None)
    subprocess.run(
        [sys.executable, "-m", "territoria", "manage", "migrate", "-v0"],
        env=env,
        timeout=120,
        check=True,
    )
    port = free_port()
    server = start_serve(env, port, tmp_path / "serve.log", "--no-worker")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def fetch(headers: dict[str, str]):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/ecosystem/", headers=headers)
        try:
            return opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:
            return answer
        except OSError:
            return None

    try:
        plain = wait_until(lambda: fetch({}), 60)
        assert plain is not None and plain.status == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{port}/ecosystem/"
        secure = fetch({"X-Forwarded-Proto": "https"})
        assert secure.status == 200
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
