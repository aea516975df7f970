"""Background tasks of the core app (run by `territoria manage task_worker`)."""

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(
    subject: str, body: str, from_email: str | None, to: list[str], html: str = ""
) -> int:
    """Send a message rendered beforehand; returns the number sent (0 or 1)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def queue_email(message: EmailMessage) -> None:
    """Hand a rendered message to the task queue: written with the current transaction,
    so a change that rolls back sends nothing, and a slow mail server delays no page."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
    body = str(message.body)
    if message.content_subtype == "html":
        html, body = body, ""
    send_email.enqueue(str(message.subject), body, message.from_email, list(message.to), html)
