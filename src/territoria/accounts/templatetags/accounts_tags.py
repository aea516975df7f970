"""How the accounts pages write what people typed about themselves."""

from django import template

register = template.Library()


@register.filter
def as_spelled(email: str) -> str:
    """An e-mail address with its domain in ASCII (IDNA): "goffіn" with a Cyrillic і shows as
    "xn--…", so nobody passes for a colleague with a look-alike domain."""
    local, _at, domain = (email or "").rpartition("@")
    if not _at or domain.isascii():
        return email
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return f"{local}@{domain.encode('ascii', 'backslashreplace').decode('ascii')}"
