"""Reading settings from environment variables, failing with one line that says what to set.

Every setting the engine reads from the environment goes through these helpers so a
bad value stops start-up with a ``ConfigError`` whose message names the variable and
the fix; ``manage.py``, ``wsgi.py`` and the Celery app print that single line and exit.
"""

import importlib.util
import ipaddress
import os
import re
from datetime import time

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TASK_RUNNERS = ("q2", "celery")

# The development settings' key. It is in the repository, so anyone can sign hub, feedback and
# preference tokens with it: production refuses it (and any key that is not random, see below).
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - refused in production


class ConfigError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed; the message says what to set."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: set {name} to true or false.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number: set {name} to e.g. {default}.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is below {minimum}: set {name} to at least {minimum}.")
    return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def env_weekday(name: str, default: str) -> int:
    """A day of the week by its English name; 0 = Monday, as ``date.weekday()`` counts."""
    raw = (os.environ.get(name, "").strip() or default).lower()
    if raw not in WEEKDAYS:
        raise ConfigError(f"{name}={raw!r} is not a day of the week: set {name} to e.g. {default}.")
    return WEEKDAYS.index(raw)


def env_time(name: str, default: str) -> time:
    raw = os.environ.get(name, "").strip() or default
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a time of day: set {name} like {default}.") from None


def email_settings_from_env(default_provider: str) -> tuple[str, dict]:
    """``EMAIL_PROVIDER`` picks the backend; every ``ANYMAIL_*`` variable goes into ``ANYMAIL``.

    e.g. EMAIL_PROVIDER=postmark ANYMAIL_POSTMARK_SERVER_TOKEN=... ANYMAIL_WEBHOOK_SECRET=user:pass
    """
    explicit = os.environ.get("EMAIL_BACKEND", "").strip()
    anymail = {key[len("ANYMAIL_") :]: value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
    if explicit:  # a dotted path to any Django email backend, for custom set-ups
        return explicit, anymail
    provider = os.environ.get("EMAIL_PROVIDER", "").strip().lower() or default_provider
    builtin = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "log": "mailers.logbackend.EmailBackend",
    }
    if provider in builtin:
        backend = builtin[provider]
    elif re.fullmatch(r"[a-z_]+", provider) and importlib.util.find_spec(f"anymail.backends.{provider}"):
        backend = f"anymail.backends.{provider}.EmailBackend"
    else:
        raise ConfigError(
            f"EMAIL_PROVIDER={provider!r} is unknown: set it to console, smtp, or an anymail provider "
            "(amazon_ses, brevo, mailgun, mailjet, postmark, resend, sendgrid, sparkpost, ...)."
        )
    return backend, anymail


# The merge-field syntax of providers whose batch send anymail supports with our own
# rendered content (no stored template), and that insert values verbatim: batching is on by
# default with these. Values go in pre-escaped for HTML, so a syntax that escapes again
# (SparkPost's double braces) is not used.
BATCH_MERGE_FORMATS = {
    "anymail.backends.mailgun.EmailBackend": "%recipient.{}%",
    "anymail.backends.sendgrid.EmailBackend": "-{}-",
    "anymail.backends.sparkpost.EmailBackend": "{{{{}}}}",
}
# anymail cannot send per-recipient merge data (or metadata) with these without a stored template.
# (Django's own backends know nothing of merge data at all.)
NO_BATCH_BACKENDS = ("postmark", "amazon_ses", "resend", "mailersend", "postal", "scaleway")
NO_BATCH_BACKENDS += ("console", "smtp", "locmem")


def batch_merge_format_from_env(backend: str) -> str:
    """``MAIL_BATCH_MERGE_FORMAT``: the provider's merge field, ``{}`` standing for the name.

    Unset: the provider's own syntax where known (else batching is off); ``off``: off.
    """
    raw = os.environ.get("MAIL_BATCH_MERGE_FORMAT", "").strip()
    if raw.lower() in ("off", "none", "false", "0"):
        return ""
    if not raw:
        return BATCH_MERGE_FORMATS.get(backend, "")
    if raw.count("{}") != 1 or raw.startswith("{}") or raw.endswith("{}") or set(raw) & set("<>&\"'"):
        raise ConfigError(
            f"MAIL_BATCH_MERGE_FORMAT={raw!r} is not a merge field: write the provider's syntax with {{}} "
            "for the name and text on both sides, e.g. %recipient.{}% (Mailgun) or *|{}|* (Mandrill); off disables."
        )
    if any(f".{name}." in backend or backend.endswith(f".{name}") for name in NO_BATCH_BACKENDS):
        raise ConfigError(
            f"MAIL_BATCH_MERGE_FORMAT is set but {backend} cannot batch-send our rendered copy: unset it."
        )
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_env(default_sqlite_path) -> dict:
    """``DATABASE_URL`` when set (PostgreSQL in production), else the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return sqlite_database(default_sqlite_path)
    example = "postgres://USER:PASSWORD@HOST:5432/NAME (or unset it to use SQLite)"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises ValueError/KeyError depending on the flaw
        raise ConfigError(f"DATABASE_URL is malformed ({exc}): set it like {example}.") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ConfigError(f"DATABASE_URL uses an unsupported database ({engine}): set it like {example}.")
    if engine == "django.db.backends.sqlite3":
        return sqlite_database(config["NAME"])
    if not config.get("NAME"):
        raise ConfigError(f"DATABASE_URL names no database: set it like {example}.")
    return config


def sqlite_database(path) -> dict:
    """SQLite tuned for a web process and a worker sharing one file.

    WAL lets readers run beside the single writer; IMMEDIATE transactions take the
    write lock at BEGIN, so two ticks running at once serialise instead of both
    reading the same due rows (SQLite has no SELECT ... FOR UPDATE).
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Keep the connection (and its PRAGMAs) per worker thread instead of opening one per request.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def task_runner_from_env() -> str:
    runner = os.environ.get("TASK_RUNNER", "q2").strip().lower() or "q2"
    if runner not in TASK_RUNNERS:
        raise ConfigError(f"TASK_RUNNER={runner!r} is unknown: set TASK_RUNNER to q2 (default) or celery.")
    return runner


def cache_from_env() -> dict:
    """``CACHE_URL`` (redis:// or rediss://) when set, else this process's memory.

    Redis goes through ``cms.cache.FailSoftRedisCache``: while Redis is away every read is a miss and
    every write is dropped (and logged), so public pages keep answering from the database. The short
    socket timeouts keep a Redis that does not answer at all from holding up each request.
    """
    url = cache_url_from_env()
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {
        "BACKEND": "cms.cache.FailSoftRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


def cache_url_from_env() -> str:
    url = os.environ.get("CACHE_URL", "").strip()
    if url and not url.startswith(("redis://", "rediss://")):
        raise ConfigError(
            f"CACHE_URL must be a redis:// URL (got {url.split(':', 1)[0]}): set it like redis://127.0.0.1:6379/1."
        )
    return url


def trusted_proxies_from_env() -> list[str]:
    """``TRUSTED_PROXIES``: the addresses (or CIDR networks) of the reverse proxies in front of us.

    Only a request that arrives from one of them has its ``X-Forwarded-For`` read (see
    ``campaigns.ratelimit.client_ip``); empty means none: the client's own header is never trusted.
    """
    proxies = []
    for item in env_list("TRUSTED_PROXIES", []):
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"TRUSTED_PROXIES has {item!r}, which is not an address or network: set it like "
                "TRUSTED_PROXIES=10.0.0.5,172.16.0.0/12 (your reverse proxies), or leave it empty."
            ) from None
    return proxies


def production_secret_key(raw: str) -> str:
    """The production key: long, random, and none the repository knows (tokens signed with a known key
    can be forged by anyone who reads the code)."""
    fix = "set SECRET_KEY to a long random string (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    if raw == DEV_SECRET_KEY or raw.startswith("django-insecure-"):
        raise ConfigError(f"SECRET_KEY is the development key from the repository: {fix}")
    if len(raw) < 50:
        raise ConfigError(f"SECRET_KEY is missing or shorter than 50 characters: {fix}")
    # A random key of 50+ characters has dozens of distinct characters; "x" * 60 or a typed phrase does not.
    if len(set(raw)) < 10:
        raise ConfigError(f"SECRET_KEY is not random (fewer than 10 distinct characters): {fix}")
    return raw
