"""Background tasks of the calls app (run by `territoria manage task_worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from territoria.calls.models import Application
from territoria.calls.times import brussels
from territoria.core.i18n import translated
from territoria.core.models import User


def _language_of(user: User) -> str:
    """The language the person reads the platform's e-mails in (their account's setting)."""
    return user.language or settings.LANGUAGE_CODE


@task()
def send_acknowledgement(application_id: int) -> str:
    """The acknowledgement of a submission, with its reference; returns the address used."""
    application = Application.objects.select_related("call", "created_by", "organisation").get(
        pk=application_id
    )
    to = application.created_by.email
    if not to or application.submitted_at is None:
        return ""
    with translation.override(_language_of(application.created_by)):
        subject = _("Application %(reference)s received") % {"reference": application.reference}
        body = _(
            "Hello,\n\n"
            "Your application to “%(call)s” for %(organisation)s was received on %(when)s.\n"
            "Its reference is %(reference)s: quote it in any exchange with the agency.\n\n"
            "You can follow its status in your space on the platform.\n"
        ) % {
            "call": translated(application.call, "title").text,
            "organisation": application.organisation.display_name,
            "when": brussels(application.submitted_at),
            "reference": application.reference,
        }
    send_mail(subject, body, None, [to])
    return to


@task()
def send_decision(application_id: int) -> str:
    """The jury's decision, with the feedback; never the evaluators' names."""
    application = Application.objects.select_related("call", "created_by").get(pk=application_id)
    to = application.created_by.email
    if not to:
        return ""
    with translation.override(_language_of(application.created_by)):
        subject = _("Application %(reference)s: %(status)s") % {
            "reference": application.reference,
            "status": application.get_status_display(),
        }
        lines = [
            _("Hello,"),
            "",
            _("The jury of “%(call)s” has decided on application %(reference)s: %(status)s.")
            % {
                "call": translated(application.call, "title").text,
                "reference": application.reference,
                "status": application.get_status_display(),
            },
        ]
        if application.granted_amount is not None and application.status == "selected":
            lines.append(_("Amount granted: %s €.") % application.granted_amount)
        if application.status_reason:
            lines += ["", application.status_reason]
        body = "\n".join(lines) + "\n"
    send_mail(subject, body, None, [to])
    return to
