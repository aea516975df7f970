"""Django settings, read from environment variables only (see core/env.py)."""

from pathlib import Path

import dj_database_url

from territoria.core.env import (
    cache_settings,
    email_backend_settings,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    profile_languages,
    storage_settings,
)
from territoria.core.staticfiles import cache_a_year

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("TERRITORIA_DATA_DIR", "./var")

DEBUG = env_bool("DEBUG", False)
# `territoria serve` refuses to start without a SECRET_KEY of its own; this fallback
# only lets tests, `manage` and `demo` run, and is never accepted by `serve`.
INSECURE_DEFAULT_SECRET_KEY = "territoria-insecure-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or INSECURE_DEFAULT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "territoria.core",
    "territoria.taxonomy",
    "territoria.ecosystem",
    "territoria.accounts",
    "territoria.strategy",
    "territoria.calls",
    "territoria.maturity",
    "territoria.opendata",
    # After the platform's apps, whose templates and translations take precedence.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "territoria.core.middleware.read_only_requests",
    "django.middleware.security.SecurityMiddleware",
    "territoria.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads a form's fields).
    "territoria.core.middleware.request_size_limit",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "territoria.accounts.middleware.two_factor_required",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "territoria.urls"
WSGI_APPLICATION = "territoria.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "territoria.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'territoria.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Django's backend, with reads that never take the write lock and an append-only
    # audit log (see the module).
    DATABASES["default"]["ENGINE"] = "territoria.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the task worker read while the other writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # Writing transactions wait for the one write lock rather than fail half-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# An optional read replica of PostgreSQL: Open Data reads go there inside
# `core.routers.replica_reads()`, everything else (and every write) to "default".
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    # Tests read the test database through it, as a replica would.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["territoria.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# The apps whose records agency staff (role "staff") manage in the back office;
# user accounts stay with superusers.
STAFF_MANAGED_APPS = {"taxonomy", "ecosystem", "accounts", "strategy", "calls", "maturity"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"
# One backend: by e-mail or user name, one password check per attempt (see the module).
AUTHENTICATION_BACKENDS = ["territoria.accounts.backends.SignInBackend"]
# Accounts (django-allauth): people sign in with their e-mail or user name; a new
# account confirms its e-mail through an expiring link before it can sign in.
ACCOUNT_ADAPTER = "territoria.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "territoria.accounts.forms.SignupForm",
    "reset_password": "territoria.accounts.forms.ResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env_int("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 3)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Failed sign-ins are limited per address (10 a minute) and per account (5 in 5 minutes);
# counts live in the shared cache (CACHE_URL), so every server process sees them.
# Password-reset e-mails: 3 an hour and 10 a day to one address, so that nobody can flood
# another person's mailbox, and 20 a minute from one client address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,3/h/key,10/d/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Invitations to evaluators and experts are valid this many days.
INVITATION_DAYS = env_int("TERRITORIA_INVITATION_DAYS", 14)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: French first, then the other languages of Belgium and English.
# The territory profile (core/territory.py): the region this platform serves. Its file
# also sets the languages offered and the default one.
TERRITORY_FILE = env_path(
    "TERRITORIA_TERRITORY",
    str(Path(__file__).resolve().parent / "territories/wallonia/territory.toml"),
)
_LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}
_PROFILE_LANGUAGES = profile_languages(TERRITORY_FILE)
LANGUAGE_CODE = _PROFILE_LANGUAGES[0]  # "fr": texts are written in French first
LANGUAGES = [(code, _LANGUAGE_NAMES[code]) for code in _PROFILE_LANGUAGES[1]]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["territoria.formats"]
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Requests larger than this are refused (413) before their body is read; the reverse proxy
# in deploy/nginx refuses them first with the same limit. Uploads are at most 10 MB each.
MAX_REQUEST_BYTES = env_int("TERRITORIA_MAX_REQUEST_MB", 30) * 1024 * 1024

STATIC_URL = "/static/"
STORAGES = {
    # Uploads ("default", and "private" for applicants' documents): the data folder, or an
    # S3-compatible object store with STORAGE_URL=s3://… (see core/env.py).
    **storage_settings(env_str("STORAGE_URL")),
    # Hashed names, with gzip and brotli copies: collected into STATIC_ROOT by `territoria
    # demo` and `serve` before they start (core/staticfiles.py).
    "staticfiles": {"BACKEND": "territoria.core.staticfiles.CompressedStaticStorage"},
}
STATIC_ROOT = env_path("TERRITORIA_STATIC_ROOT", str(DATA_DIR / "static"))
# Only the hashed names are kept: a name is then always its content, even across upgrades.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Hashed files are cached a year; the rest (the manifest itself) a minute.
WHITENOISE_ADD_HEADERS_FUNCTION = cache_a_year
# Development (DEBUG=true): the apps' files as they are edited, under their plain names,
# with no collection.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {"default": cache_settings(env_str("CACHE_URL"))}

TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

globals().update(email_backend_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Territoria <noreply@localhost>")

# Security: secure by default; `territoria demo` relaxes only what plain HTTP on
# localhost requires (SECURE_COOKIES=false).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# `territoria serve` is reached over HTTPS (TERRITORIA_HTTPS=true, its default): plain-HTTP
# requests are redirected and browsers told to use HTTPS only (HSTS, a year). An intranet
# on plain HTTP sets TERRITORIA_HTTPS=false (and SECURE_COOKIES=false).
HTTPS = env_bool("TERRITORIA_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Browsers' preload list is a one-way commitment for the whole domain: the agency asks for it.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind the reverse proxy (deploy/nginx): HTTPS and the client's address come from it.
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address (for sign-in limits) is the last one the proxy adds.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SESSION_COOKIE_SECURE else "http"
# One policy for every page: no inline scripts, no third-party origins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"django_tasks": {"level": "INFO"}},
}

SITE_NAME = env_str("TERRITORIA_SITE_NAME", "Territoria")
# The public address (https://territoria.example.org/): links in e-mails use it rather than
# the Host header a request came with. Empty: the request's own address (demo, tests).
SITE_URL = env_str("TERRITORIA_SITE_URL", "")
# A banner on every page when the database holds the fictitious demo ecosystem.
DEMO_MODE = env_bool("TERRITORIA_DEMO", False)
MFA_TOTP_ISSUER = SITE_NAME
# Two-factor authentication (TOTP) is required of these roles (TERRITORIA_2FA_ROLES,
# comma-separated), except in the demo and in DEBUG; everyone else may turn it on.
TWO_FACTOR_REQUIRED_ROLES = env_list(
    "TERRITORIA_2FA_ROLES", [] if DEMO_MODE or DEBUG else ["staff", "evaluator"]
)

# Hierarchical facets show at most this many values before "show more".
FACET_LIMIT = 12

# The check recommends the HSTS preload list, which only the domain's owner may decide.
SILENCED_SYSTEM_CHECKS: list[str] = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Concept schemes exported as SKOS get URIs under this base.
CONCEPT_URI_BASE = env_str("TERRITORIA_CONCEPT_URI_BASE", "https://territoria.example/id/scheme/")

# Open Data (its publisher is the territory profile's): how anonymous API clients are limited.
# The date the catalogue was first published (ISO), for the DCAT-AP catalogue's dct:issued.
OPENDATA_CATALOGUE_ISSUED = env_str("OPENDATA_CATALOGUE_ISSUED", "2026-11-23")
OPENDATA_RATE_LIMIT = env_int("OPENDATA_RATE_LIMIT", 1000)
OPENDATA_RATE_WINDOW = env_int("OPENDATA_RATE_WINDOW", 3600)

# Background tasks: a worker holds a job it runs (a scheme import…) for this many seconds
# and renews the hold every quarter of it; another worker takes over a job whose hold has
# lapsed (its worker was killed, or its machine lost). Several renewals long, so that a
# renewal kept waiting by SQLite's write lock during a long import does not lose the job.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 120)
