import re
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client


def deliver() -> list[mail.EmailMessage]:
    """Run the task worker over what is queued, as `territoria serve` does; the messages sent.

    The worker closes the database connections it finds in a transaction; a test runs inside
    one (on PostgreSQL that would end the test's connection), so it keeps it here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, reload=False, queue_name="*")
    return list(mail.outbox)


def link_in(message: mail.EmailMessage) -> str:
    """The path of the first link to this site in a message."""
    found = re.search(r"https?://[^/\s]+(/\S+)", str(message.body))
    assert found, message.body
    return found.group(1)


@pytest.fixture
def english_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")
