"""Typed readers for the environment variables that configure Territoria.

Settings come from the environment only; each reader says what a bad value is.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(ValueError):
    """An environment variable holds a value Territoria cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r}: expected an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


CACHE_TABLE = "territoria_cache"


def cache_settings(url: str) -> dict[str, object]:
    """Django's default cache from a `CACHE_URL`: shared by every server process.

    Empty or `db://` (the default): a table in the database, created by `migrate`;
    `redis://host:6379/0` (or `rediss://`, `valkey://`): Redis or Valkey, for several
    machines; `locmem://`: one process only (tests, scripts).
    """
    scheme = urlsplit(url).scheme.lower() if url else "db"
    if scheme == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme in {"redis", "rediss", "valkey", "valkeys"}:
        location = url.replace("valkey", "redis", 1)
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    raise ConfigurationError(
        f"CACHE_URL={url!r}: expected db://, locmem://, redis://, rediss:// or valkey:// URL"
    )


def email_backend_settings(url: str) -> dict[str, object]:
    """Django e-mail settings from an `EMAIL_URL` such as `smtp+tls://user:pw@host:587`.

    `console://` prints messages (the default), `memory://` keeps them for tests.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port
            or (465 if scheme == "smtps" else 587 if scheme == "smtp+tls" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
        }
    raise ConfigurationError(
        f"EMAIL_URL={url!r}: expected a console://, memory://, smtp://, smtp+tls:// or smtps:// URL"
    )
