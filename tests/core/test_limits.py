"""Request bodies are limited before they are read; password resets are throttled."""

import io
import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory

from territoria.core.middleware import request_size_limit
from tests.accounts.conftest import deliver

GIB = 1024**3


class UnreadableBody(io.RawIOBase):
    """A body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _request(path: str, length: int):
    request = RequestFactory().post(path, data=b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["wsgi.input"] = UnreadableBody()
    return request


@pytest.mark.parametrize("path", ["/calls/applications/1/documents/", "/accounts/login/"])
def test_a_gibibyte_upload_is_refused_before_its_body_is_read(db, path):
    def view(request):
        raise AssertionError("the view ran")

    response = request_size_limit(view)(_request(path, GIB))
    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert "30 Mo" in response.content.decode() or "30 MB" in response.content.decode()


def test_the_api_answers_json(db):
    response = request_size_limit(lambda r: None)(_request("/api/v1/magnets/", GIB))
    assert response.status_code == 413
    assert json.loads(response.content)["error_code"] == "RequestEntityTooLarge"


def test_through_the_whole_stack(client, db):
    response = client.post(
        "/accounts/login/", data=b"x", content_type="text/plain", CONTENT_LENGTH=str(GIB)
    )
    assert response.status_code == 413


def test_a_request_within_the_limit_goes_through(db, settings):
    settings.MAX_REQUEST_BYTES = 100
    seen = []
    response = request_size_limit(lambda r: seen.append(r) or "answered")(
        RequestFactory().post("/x/", data=b"y" * 100, content_type="text/plain")
    )
    assert response == "answered" and seen


@pytest.fixture
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_password_reset_mails_to_one_address_are_throttled(users, _fresh_counts):
    """The review's finding: one person could flood another with reset e-mails."""
    victim = users["applicant"].email
    for n in range(6):
        # From different client addresses: the limit is per recipient.
        client = Client(REMOTE_ADDR=f"198.51.100.{n}")
        client.post("/accounts/password/reset/", {"email": victim})
    sent = [m for m in deliver() if victim in m.to]
    assert len(sent) == 3
    mail.outbox.clear()


RECORDS = "/api/explore/v2.1/catalog/datasets/organisations/records?limit=1"


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [True, False])
def test_the_open_data_quota_counts_each_client_behind_the_proxy(
    client, settings, _fresh_counts, behind_proxy
):
    """Behind nginx every request comes from the proxy's address: the quota is per client
    (the address the proxy wrote last in X-Forwarded-For), not one for everybody."""
    # What BEHIND_PROXY=true sets.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1 if behind_proxy else 0
    settings.OPENDATA_RATE_LIMIT = 2

    def get(client_ip: str) -> int:
        # A client may send its own X-Forwarded-For; the proxy appends the real address.
        forwarded = f"203.0.113.250, {client_ip}"
        return client.get(
            RECORDS, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    # Another client through the same proxy: its own quota only behind the proxy.
    assert get("198.51.100.2") == (200 if behind_proxy else 429)
