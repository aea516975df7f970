"""Two `territoria serve` processes on one PostgreSQL and one Redis, behind the reference nginx
(deploy/nginx/territoria.conf): what one server counts, caches, indexes or queues, the
other sees; slow clients wait at the proxy, not at the app servers.

Runs on PostgreSQL only. Needs redis-server (or valkey-server), nginx and openssl: without
them the module is skipped, unless TERRITORIA_REQUIRE_SERVICES=1 (CI) makes that a failure.
The servers use the test database, so the tests commit their data (transactional).
"""

import http.client
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, connections

from territoria.core.models import Role, User
from territoria.taxonomy.models import Concept, ConceptScheme
from territoria.taxonomy.services.schemes import import_scheme_csv
from territoria.taxonomy.services.tagging import set_tags
from tests.factories import organisation
from tests.processes import free_port, unavailable

REPO = Path(__file__).resolve().parents[2]
PROXY_CONF = REPO / "deploy" / "nginx" / "territoria.conf"
SITE = "territoria.example.org"
RATE_LIMIT = 5
PASSWORD = "a long and random enough password"
ENGLISH = {"Accept-Language": "en"}
# Every test: the servers read what the tests commit (and the test database exists then).
pytestmark = pytest.mark.django_db(transaction=True)


def _program(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def _database_url() -> str:
    """The test database, for the servers (pytest-django made and migrated it)."""
    db = connections["default"].settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Cluster:
    """The processes of one deployment, each in a session of its own, and their addresses."""

    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis_port: int = 0
    app_ports: tuple[int, int] = (0, 0)
    http_port: int = 0
    https_port: int = 0

    @property
    def a(self) -> str:
        return f"http://127.0.0.1:{self.app_ports[0]}"

    @property
    def b(self) -> str:
        return f"http://127.0.0.1:{self.app_ports[1]}"

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            else:  # the children it started (gunicorn, the task worker) are gone with it
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def logs(self) -> str:
        return "\n".join(
            f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )


def _wait(ready: Any, what: str, cluster: Cluster, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} did not start within {seconds} s\n{cluster.logs()}")


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http to localhost)
        return bool(response.status == 200)


def _render_proxy_conf(cluster: Cluster, certs: Path) -> str:
    """deploy/nginx/territoria.conf with this machine's addresses, ports and paths."""
    text = PROXY_CONF.read_text()
    a, b = cluster.app_ports
    for old, new in {
        "server app1:8000 ": f"server 127.0.0.1:{a} ",
        "server app2:8000 ": f"server 127.0.0.1:{b} ",
        "listen 80;": f"listen 127.0.0.1:{cluster.http_port};",
        "listen 443 ": f"listen 127.0.0.1:{cluster.https_port} ",
        "/etc/nginx/certs/": f"{certs}/",
    }.items():
        assert old in text, f"{PROXY_CONF} no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text


def _start_nginx(cluster: Cluster, nginx: str, openssl: str) -> None:
    home = cluster.folder / "nginx"
    certs = home / "certs"
    certs.mkdir(parents=True)
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={SITE}", "-keyout", str(certs / "privkey.pem"),
         "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (home / "territoria.conf").write_text(_render_proxy_conf(cluster, certs))
    # What Debian's /etc/nginx/nginx.conf holds around the site file, in this folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {home / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )  # fmt: skip
    (home / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {home / 'nginx.pid'};\n"
        f"error_log {home / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {home / 'access.log'};\n{temp}\n"
        f"    include {home / 'territoria.conf'};\n}}\n"
    )
    cluster.start(
        "nginx",
        [nginx, "-p", str(home), "-e", str(home / "error.log"), "-c", str(home / "nginx.conf"),
         "-g", "daemon off;"],
    )  # fmt: skip

    def listening() -> bool:
        with socket.create_connection(("127.0.0.1", cluster.https_port), timeout=1):
            return True

    _wait(listening, "nginx", cluster, 20)


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("several servers share PostgreSQL (run with DATABASE_URL=postgres://…)")
    redis_server = _program("redis-server", "valkey-server")
    nginx, openssl = _program("nginx"), _program("openssl")
    if not (redis_server and nginx and openssl):
        unavailable("needs redis-server (or valkey-server), nginx and openssl")
    assert redis_server and nginx and openssl
    deployment = Cluster(tmp_path_factory.mktemp("deployment"))
    deployment.redis_port = free_port()
    deployment.app_ports = (free_port(), free_port())
    deployment.http_port, deployment.https_port = free_port(), free_port()
    try:
        deployment.start(
            "redis",
            [redis_server, "--port", str(deployment.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(deployment.folder)],
        )  # fmt: skip
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "CACHE_URL", "STORAGE_URL"}
        }
        env.update(
            {
                "DATABASE_URL": _database_url(),
                "DATABASE_CONN_MAX_AGE": "0",
                "CACHE_URL": f"redis://127.0.0.1:{deployment.redis_port}/0",
                "SECRET_KEY": uuid.uuid4().hex * 2,
                "DEBUG": "false",
                "TERRITORIA_DATA_DIR": str(deployment.folder / "data"),
                "ALLOWED_HOSTS": f"127.0.0.1,localhost,{SITE}",
                # The tests also talk to each app server directly, over plain HTTP.
                "SECURE_COOKIES": "false",
                "SECURE_SSL_REDIRECT": "false",
                "BEHIND_PROXY": "true",
                "OPENDATA_RATE_LIMIT": str(RATE_LIMIT),
                "OPENDATA_RATE_WINDOW": "3600",
                "TERRITORIA_2FA_ROLES": "",
                "EMAIL_URL": "console://",
            }
        )
        for name, port in zip("ab", deployment.app_ports, strict=True):
            # A home of its own: gunicorn keeps a control socket there, one per server.
            home = deployment.folder / f"home-{name}"
            home.mkdir()
            deployment.start(
                f"serve-{name}",
                [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1"],
                {**env, "HOME": str(home)},
            )  # fmt: skip
        _start_nginx(deployment, nginx, openssl)
        for base in (deployment.a, deployment.b):
            _wait(lambda base=base: _answers(f"{base}/accounts/login/"), base, deployment)
        yield deployment
    finally:
        deployment.stop()
        with django_db_blocker.unblock():
            _wait_for_connections_to_close()


def _wait_for_connections_to_close() -> None:
    """The test database is dropped at the end of the session: no server may hold it."""
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A visitor with its cookies (sent to both servers: same host name), no redirects followed."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def request(
        self, url: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, Any, str]:
        headers = {**ENGLISH, **({"Content-Type": content_type} if content_type else {})}
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, answer.read().decode()

    def csrf(self) -> str:
        return next(cookie.value or "" for cookie in self.cookies if cookie.name == "csrftoken")

    def post(
        self, url: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, Any, str]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in {**fields, "csrfmiddlewaretoken": self.csrf()}.items()
        ]
        for name, (file_name, content) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(url, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def sign_in(self, base: str, username: str, password: str) -> tuple[int, str]:
        self.request(f"{base}/accounts/login/")
        status, _headers, page = self.post(
            f"{base}/accounts/login/", {"login": username, "password": password}
        )
        return status, page


def _account(username: str, role: str, settings: Any) -> User:
    # The servers check passwords with the production hasher, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User(username=username, role=role, email=f"{username}@test.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as answer:
        return answer.code


def test_both_servers_share_one_state_quotas_index_caches_and_imports(cluster, settings):
    """The steps run in one test: no flush of the test database comes between them. A flush
    gives the content types new ids, which each server process keeps once read (as every
    Django process does; in production these ids never change)."""
    _a_tag_change_is_counted_at_once_by_both_servers(cluster)
    _an_import_queued_on_one_server_is_done_by_a_worker_and_shown_on_the_other(cluster, settings)
    _failed_sign_ins_on_one_server_count_on_the_other(cluster, settings)
    _the_open_data_quota_is_one_count_for_both_servers(cluster)


def _the_open_data_quota_is_one_count_for_both_servers(cluster: Cluster) -> None:
    window = 3600
    if time.time() % window > window - 10:  # the count starts afresh with each window
        time.sleep(window - time.time() % window + 0.5)
    url = "/api/explore/v2.1/catalog/datasets"
    statuses = [_status(cluster.a + url) for _ in range(3)]
    statuses += [_status(cluster.b + url) for _ in range(3)]
    assert statuses == [200] * RATE_LIMIT + [429]
    assert redis.Redis(port=cluster.redis_port).keys("*opendata-rate:*")  # counted in Redis


def _magnet(base: str, code: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/magnets/evaluate",
        data=json.dumps(
            {"expression": {"concept": code}, "container": "organisation",
             "facets": ["deploy-test"]}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
        answer: dict[str, Any] = json.load(response)
    return answer


def _a_tag_change_is_counted_at_once_by_both_servers(cluster: Cluster) -> None:
    scheme = ConceptScheme.objects.create(code="deploy-test", title_fr="Déploiement")
    import_scheme_csv(scheme, io.StringIO("notation,parent,label_fr\nai,,IA\niot,,IdO\n"))
    ai, iot = Concept.objects.filter(scheme=scheme).order_by("notation")
    alpha, beta = organisation("Alpha SRL"), organisation("Beta SRL")
    set_tags(alpha, [ai])
    set_tags(beta, [iot])
    for base in (cluster.a, cluster.b):  # each builds its bitmap index
        assert _magnet(base, "deploy-test:ai")["count"] == 1
    set_tags(beta, [ai, iot])  # committed elsewhere: one new index token in the database
    for base in (cluster.b, cluster.a):
        answer = _magnet(base, "deploy-test:ai")
        assert answer["count"] == 2
        counts = {value["concept"]: value["count"] for value in answer["facets"]["deploy-test"]}
        assert counts == {"deploy-test:ai": 2, "deploy-test:iot": 1}


def _failed_sign_ins_on_one_server_count_on_the_other(cluster: Cluster, settings: Any) -> None:
    _account("target", Role.APPLICANT, settings)
    browser = Browser()
    # 5 failures for one account in 5 minutes at most (settings.ACCOUNT_RATE_LIMITS).
    for base in (cluster.a, cluster.a, cluster.a, cluster.b, cluster.b):
        status, page = browser.sign_in(base, "target", "not the password")
        assert status == 200 and "Too many failed" not in page
    status, page = browser.sign_in(cluster.a, "target", PASSWORD)
    assert status == 200 and "Too many failed login attempts" in page


def _an_import_queued_on_one_server_is_done_by_a_worker_and_shown_on_the_other(
    cluster: Cluster, settings: Any
) -> None:
    _account("deploy-staff", Role.STAFF, settings)
    browser = Browser()
    status, _page = browser.sign_in(cluster.a, "deploy-staff", PASSWORD)
    assert status == 302
    browser.request(f"{cluster.a}/taxonomies/import/")
    csv = "notation,parent,label_fr\nhealth,,Santé\ntelecare,health,Télésoins\n".encode()
    status, headers, _page = browser.post(
        f"{cluster.a}/taxonomies/import/",
        {"scheme_code": "deploy-import", "scheme_title": "Domaines"},
        {"file": ("domains.csv", csv)},
    )
    assert status == 302, _page
    deadline, page = time.monotonic() + 30, ""
    while time.monotonic() < deadline and "2 concepts created" not in page:
        time.sleep(0.5)
        status, _headers, page = browser.request(cluster.b + headers["Location"])
        assert status == 200  # signed in on A, the session holds on B
    assert "2 concepts created, 0 updated." in page, cluster.logs()
    assert Concept.objects.filter(scheme__code="deploy-import").count() == 2


def _tls(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname=SITE)


class SlowUpload(threading.Thread):
    """A client sending a request body one byte a second, as long as the test lasts, to
    a view that reads the whole body before it answers (the JSON API)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.sock = _tls(port)
        self.done = threading.Event()
        self.sent = 0

    def run(self) -> None:
        self.sock.sendall(
            f"POST /api/v1/magnets/evaluate HTTP/1.1\r\nHost: {SITE}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n".encode()
        )
        while not self.done.wait(1):
            self.sock.sendall(b"x")
            self.sent += 1

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)
        self.sock.close()


def _timed_get(port: int, path: str = "/accounts/login/") -> tuple[int, float]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    started = time.monotonic()
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        conn.request("GET", path, headers={"Host": SITE, **ENGLISH})
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.monotonic() - started


def test_an_app_server_alone_is_held_by_one_slow_client(cluster):
    """Why the proxy: gunicorn's synchronous worker waits for a slow client's request."""
    slow = socket.create_connection(("127.0.0.1", cluster.app_ports[0]), timeout=10)
    try:
        slow.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no end yet
        time.sleep(0.3)
        with pytest.raises(TimeoutError):
            urllib.request.urlopen(cluster.a + "/accounts/login/", timeout=2)  # noqa: S310
    finally:
        slow.close()
    _wait(lambda: _answers(cluster.a + "/accounts/login/"), "server A again", cluster, 20)


def test_slow_clients_wait_at_the_proxy_not_at_the_app_servers(cluster):
    slow = [SlowUpload(cluster.https_port), SlowUpload(cluster.https_port)]
    for client in slow:
        client.start()
    try:
        time.sleep(2.5)  # each app server (one worker) would now be held by one of them
        for _ in range(4):  # round robin: both app servers answer
            status, seconds = _timed_get(cluster.https_port)
            assert status == 200 and seconds < 2, f"{seconds:.1f} s"
        assert all(client.is_alive() and client.sent >= 2 for client in slow)
    finally:
        for client in slow:
            client.stop()
    redirect = http.client.HTTPConnection("127.0.0.1", cluster.http_port, timeout=10)
    redirect.request("GET", "/calls/", headers={"Host": SITE})
    answer = redirect.getresponse()
    assert answer.status == 301 and answer.getheader("Location") == f"https://{SITE}/calls/"
    redirect.close()


def test_a_request_larger_than_the_upload_limit_is_refused_before_its_body(cluster):
    sock = _tls(cluster.https_port)
    try:
        started = time.monotonic()
        sock.sendall(
            f"POST /taxonomies/import/ HTTP/1.1\r\nHost: {SITE}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {2**30}\r\n\r\n".encode()
        )
        head = sock.recv(200)
    finally:
        sock.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    assert time.monotonic() - started < 2
    # The proxy's limit is the app's own (TERRITORIA_MAX_REQUEST_MB).
    limit = f"client_max_body_size {django_settings.MAX_REQUEST_BYTES // 2**20}m;"
    assert limit in PROXY_CONF.read_text()
