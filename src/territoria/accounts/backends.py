"""Signing in: one account per login text, one password check per attempt."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.internal.userkit import filter_users_by_email, get_user_by_username
from django.http import HttpRequest

from territoria.core.models import User


def account_for(login: str) -> User | None:
    """The account a login text names: by its e-mail (confirmed first) if it has an "@",
    else, or failing that, by its user name."""
    login = login.strip()
    if not login:
        return None
    found: User | None = None
    if "@" in login:
        found = next(iter(filter_users_by_email(login, prefer_verified=True, for_login=True)), None)
    return found or get_user_by_username(login)


class SignInBackend(AuthenticationBackend):  # type: ignore[misc]
    """allauth's backend, checking the password of one account at most: a known address then
    costs the same hashing as an unknown one (allauth's own backend tries an e-mail both as
    an address and as a user name, which tells who has an account)."""

    def _authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        login = credentials.get("email") or credentials.get("username") or ""
        checked: User | None = self._check_password(
            account_for(str(login)), credentials.get("password") or ""
        )
        return checked
