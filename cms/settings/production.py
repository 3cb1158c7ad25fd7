"""Production: everything from the environment; refuses to start without a random SECRET_KEY and a
shared cache (CACHE_URL)."""

from .base import *  # noqa: F403
from .base import SILENCED_SYSTEM_CHECKS
from .env import ConfigError, cache_url_from_env, env_bool, env_int, env_str, production_secret_key

SECRET_KEY = production_secret_key(env_str("SECRET_KEY"))
DEBUG = False

# Production must really send: the console backend would print students' email to a log.
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F405
    raise ConfigError(
        "EMAIL_PROVIDER is not set: set EMAIL_PROVIDER (e.g. postmark, sendgrid, smtp) and its ANYMAIL_* credentials."
    )

# Unsubscribe, preference, hub and special-access links in emails are built from it.
if not env_str("BASE_URL"):
    raise ConfigError("BASE_URL is not set: set BASE_URL to the public address, e.g. https://engine.example.org.")

# Static files straight from the app server (collectstatic at deploy), right after security.
# First of all: SecurityMiddleware's HTTPS redirect reads X-Forwarded-Proto, believed only from a trusted proxy.
MIDDLEWARE = [
    "cms.proxy.TrustedProxyHeadersMiddleware",
    MIDDLEWARE[0],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS by default; a deployment behind plain HTTP (e.g. a local benchmark) sets SECURE=false.
SECURE = env_bool("SECURE", True)
if SECURE and not WAGTAILADMIN_BASE_URL.startswith("https://"):  # noqa: F405
    raise ConfigError("BASE_URL must start with https:// in production (or set SECURE=false behind plain HTTP).")

# Public forms' rate limits live beside the cache: in each process's own memory, two gunicorn workers
# would let twice the limit through. A Redis every process shares is required.
if not cache_url_from_env():
    raise ConfigError(
        "CACHE_URL is not set: set CACHE_URL to a Redis every web process shares, e.g. redis://127.0.0.1:6379/1 "
        "(rate limits are per process without it)."
    )

SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's live preview renders the page in a same-origin iframe, so DENY would break it.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]
