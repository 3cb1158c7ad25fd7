"""Fast, deterministic settings for the test suite."""

import tempfile
from datetime import time
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER

SECRET_KEY = "test-only-key"  # noqa: S105 - the test settings are never deployed
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
ANYMAIL = {"WEBHOOK_SECRET": "hooks:s3cret"}  # noqa: S105 - test value
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded photos and share cards: a fresh directory per test process (xdist workers never share one).
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="test-media-"))
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The demo's simulated cohort takes seconds: the tests that want it set a small one.
DEMO_SIMULATED_STUDENTS = 0
# Quiet hours depend on the wall clock; tests that exercise them set these explicitly.
MAIL_QUIET_START = MAIL_QUIET_END = time(0, 0)
# Tests see each event's own task (a per-process cache cannot share the coalescing flag anyway).
EVENTS_COALESCE_TASKS = False
