"""Typed readers for the environment variables that configure Territoria.

Settings come from the environment only; each reader says what a bad value is.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

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


def profile_languages(path: Path) -> tuple[str, list[str]]:
    """The default language and the languages a territory profile offers (settings need
    them before Django starts; `core.territory.read` checks the rest of the file)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError(f"TERRITORIA_TERRITORY={path}: {error}") from None
    languages = data.get("languages", ["fr", "nl", "de", "en"])
    default = data.get("default_language", "fr")
    if not isinstance(languages, list) or set(languages) - {"fr", "nl", "de", "en"}:
        raise ConfigurationError(f"{path}: `languages` must be among fr, nl, de, en")
    # Content is written in French first, its translations beside it (core/i18n.py).
    if default != "fr" or "fr" not in languages:
        raise ConfigurationError(
            f"{path}: `default_language` must be fr (content is written in French first)"
        )
    return default, languages


CACHE_TABLE = "territoria_cache"


def cache_settings(url: str) -> dict[str, object]:
    """Django's default cache from a `CACHE_URL`: shared by every server process.

    Empty or `db://` (the default): a table in the database, created by `migrate`;
    `redis://host:6379/0` (or `rediss://`, `valkey://`): Redis or Valkey, for several
    machines; `locmem://`: one process only (tests, scripts).
    """
    scheme = urlsplit(url).scheme.lower() if url else "db"
    if scheme == "db":
        return {"BACKEND": "territoria.core.cache.DatabaseCache", "LOCATION": CACHE_TABLE}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme in {"redis", "rediss", "valkey", "valkeys"}:
        location = url.replace("valkey", "redis", 1)
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    raise ConfigurationError(
        f"CACHE_URL={url!r}: expected db://, locmem://, redis://, rediss:// or valkey:// URL"
    )


# Where each upload storage keeps its files, under the data folder or the bucket's prefix.
STORAGE_FOLDERS = {"default": "media", "private": "private/documents"}
_S3_OPTIONS = {"endpoint_url": "endpoint_url", "region": "region_name", "addressing_style": None}


def storage_settings(url: str) -> dict[str, dict[str, object]]:
    """The upload storages ("default", and "private" for applicants' documents) from a
    `STORAGE_URL`, for settings.STORAGES.

    Empty or `file://` (the default): folders of the data folder; `file:///srv/files`: of
    that folder (a mount every server shares). `s3://bucket/prefix?endpoint_url=…&region=…`:
    any S3-compatible store, credentials from the URL (`s3://key:secret@bucket/…`) or the
    standard AWS_* environment variables; objects are private, their URLs signed.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower() if url else "file"
    if scheme == "file":
        if parts.netloc or parts.query:
            raise ConfigurationError(f"STORAGE_URL={url!r}: expected file:// or file:///path")
        root = unquote(parts.path) or None
        return {
            alias: {
                "BACKEND": "territoria.core.storage.DataFolderStorage",
                "OPTIONS": {"folder": folder, "root": root},
            }
            for alias, folder in STORAGE_FOLDERS.items()
        }
    if scheme == "s3":
        options = _s3_options(url)
        prefix = unquote(parts.path).strip("/")
        return {
            alias: {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**options, "location": f"{prefix}/{folder}".lstrip("/")},
            }
            for alias, folder in STORAGE_FOLDERS.items()
        }
    raise ConfigurationError(f"STORAGE_URL={url!r}: expected a file:// or s3:// URL")


def _s3_options(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    bucket = parts.netloc.rpartition("@")[2]
    if not bucket:
        raise ConfigurationError(f"STORAGE_URL={url!r}: the bucket is missing (s3://bucket/…)")
    options: dict[str, object] = {
        "bucket_name": bucket,
        "default_acl": "private",
        # url() gives a signed address valid 5 minutes, never a public one.
        "querystring_auth": True,
        "querystring_expire": 300,
        # Like the data folder: a name already taken gets a suffix, nothing is overwritten.
        "file_overwrite": False,
        # A download is spooled to a temporary file past 2 MB, not held in memory.
        "max_memory_size": 2 * 1024 * 1024,
    }
    if parts.username is not None:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key not in _S3_OPTIONS:
            known = ", ".join(_S3_OPTIONS)
            raise ConfigurationError(f"STORAGE_URL: unknown parameter {key!r} (known: {known})")
        options[_S3_OPTIONS[key] or key] = values[-1]
    if "endpoint_url" in options:
        # Self-hosted stores (MinIO, Garage, Ceph…) answer on one host name: path-style.
        options.setdefault("addressing_style", "path")
    return options


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
