"""How django-allauth fits Territoria: e-mails through the task queue, the role chosen at
sign-up, and sign-up open or closed by configuration."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest

from territoria.accounts.backends import account_for
from territoria.core.i18n import current_language
from territoria.core.models import User
from territoria.core.tasks import queue_email


@dataclass(frozen=True)
class Site:
    name: str
    domain: str


def on_site(url: str) -> str:
    """A link for an e-mail, on the site's configured address (TERRITORIA_SITE_URL) rather
    than whatever Host header the request came with."""
    if not settings.SITE_URL:
        return url
    parts = urlsplit(url)
    return f"{settings.SITE_URL.rstrip('/')}{parts.path}{'?' + parts.query if parts.query else ''}"


def mailbox(address: str) -> str:
    """The address as mail servers read it: its domain in IDNA form, which drops soft hyphens
    and folds full-width letters (a full-width "ｅxample.org" is example.org). One mailbox,
    one spelling: the throttles that count e-mails per address count per mailbox."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('idna')}" if at else address
    except UnicodeError:  # not a domain name: the form's validators say so
        return address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Rendered now, in the visitor's language; the worker delivers it.
        request = allauth_context.request
        # The site as e-mails name it: its name, and its configured address if any.
        site = Site(settings.SITE_NAME, urlsplit(settings.SITE_URL).netloc or request.get_host())
        full = {"request": request, "email": email, **context, "current_site": site}
        queue_email(self.render_mail(template_prefix, email, full))

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # Failures count per account, whatever names it (user name or e-mail, any case)
        # and whatever host the request names (allauth's key holds the Host header).
        login = str(credentials.get("email") or credentials.get("username") or "")
        account = account_for(login)
        return f"account:{account.pk}" if account else f"login:{login.strip().lower()}"

    def clean_email(self, email: str) -> str:
        return mailbox(super().clean_email(email))

    def get_email_confirmation_url(self, request: HttpRequest, confirmation: Any) -> str:
        return on_site(super().get_email_confirmation_url(request, confirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "SIGNUP_OPEN", True))

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        saved: User = super().save_user(request, user, form, commit=False)
        saved.role = form.cleaned_data["account_type"]
        saved.first_name = form.cleaned_data["first_name"]
        saved.last_name = form.cleaned_data["last_name"]
        saved.language = current_language()
        saved.signs_up = True  # type: ignore[attr-defined]  # confirms its e-mail (services)
        if commit:
            saved.save()
        return saved
