"""Settings shared by every environment; everything that varies comes from the environment."""

from datetime import timedelta
from pathlib import Path

from .env import (
    batch_merge_format_from_env,
    cache_from_env,
    cache_url_from_env,
    database_from_env,
    email_settings_from_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time,
    env_weekday,
    task_runner_from_env,
    trusted_proxies_from_env,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cms",
    "integrations",
    "sharing_prompts",
    "testimonials",
    "referrals",
    "campaigns",
    "mailers",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "ninja",  # the events API's docs page, served from ninja's own static files (no CDN)
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /api/v1/ is machine to machine: its requests skip the browsers' middleware below (cms/api_door.py).
    "cms.api_door.ApiDoorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login (Wagtail's /admin/login/ included) before the password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "cms.urls"
# The journey's funnel index includes two columns for PostgreSQL's index-only scans; SQLite keeps the
# index without them (campaigns/models/journey.py), which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Wagtail's page editor can exceed Django's default of 1000 fields per form.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Referral engine")
WAGTAILADMIN_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000")
# The admin would show each team member's Gravatar: a hash of their address sent to a third party on
# every page. A self-hosted tool keeps its users' addresses at home; Wagtail shows its default avatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt"]

# Wagtail 8 runs its own background work through Django's tasks framework; it stays on
# the immediate backend while our engine uses TASK_RUNNER below.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- The journey engine -------------------------------------------------------------
# One seam (mailers/runner.py) chooses the engine that runs our tasks.
TASK_RUNNER = task_runner_from_env()
# How often the periodic tick runs, on either engine.
ENGINE_TICK_SECONDS = env_int("ENGINE_TICK_SECONDS", 60, minimum=5)
# How many due rows one tick claims per transaction.
ENGINE_TICK_CHUNK = env_int("ENGINE_TICK_CHUNK", 2000, minimum=1)
# `make run`'s demo (load_demo): a simulated cohort of this many students, ending today (0: none).
DEMO_SIMULATED_STUDENTS = env_int("DEMO_SIMULATED_STUDENTS", 40, minimum=0)

# --- Inbound events (integrations/) ---------------------------------------------------
# The events API's Standard Webhooks secret, "whsec_<base64>"; without it POST /api/v1/events answers 503.
EVENTS_API_SECRET = env_str("EVENTS_API_SECRET", "")
# A failed event is retried with doubling backoff from this (at most an hour), this many times.
EVENTS_RETRY_BASE_SECONDS = env_int("EVENTS_RETRY_BASE_SECONDS", 60, minimum=1)
EVENTS_MAX_ATTEMPTS = env_int("EVENTS_MAX_ATTEMPTS", 8, minimum=1)
# An event waiting for an earlier one (a milestone before its enrollment) gives up after this.
EVENTS_WAIT_MAX_SECONDS = env_int("EVENTS_WAIT_MAX_SECONDS", 3 * 24 * 3600, minimum=60)
# A pending event waits this long for its task before the periodic pass takes it (the task was lost).
EVENTS_PENDING_GRACE_SECONDS = env_int("EVENTS_PENDING_GRACE_SECONDS", 120, minimum=1)
# The queue's task for one event processes up to this many pending events in one transaction (the
# enrollments of new students set-based); 1: each event on its own.
EVENTS_BATCH_SIZE = env_int("EVENTS_BATCH_SIZE", 500, minimum=1)
# Accepted events share one queued processing pass (a flag in the shared cache) instead of one queue
# message each; on by default when CACHE_URL names a shared cache (a per-process cache cannot share it).
EVENTS_COALESCE_TASKS = env_bool("EVENTS_COALESCE_TASKS", bool(cache_url_from_env()))
# CSV imports: how often a pass runs the imports whose task was lost, and when a running one counts as
# stalled (its worker stopped) so that pass runs it again from its last committed chunk.
IMPORTS_RESUME_SECONDS = env_int("IMPORTS_RESUME_SECONDS", 60, minimum=5)
# A help-desk post (a case opened, words added) whose task never ran is made by a periodic pass after this grace.
HELPDESK_WEBHOOKS_DUE_SECONDS = env_int("HELPDESK_WEBHOOKS_DUE_SECONDS", 60, minimum=5)
HELPDESK_WEBHOOK_GRACE_SECONDS = env_int("HELPDESK_WEBHOOK_GRACE_SECONDS", 300, minimum=0)
# A send that has held a post this long (its worker stopped mid-send) gives it up to the pass.
HELPDESK_WEBHOOK_LEASE_SECONDS = env_int("HELPDESK_WEBHOOK_LEASE_SECONDS", 900, minimum=60)
IMPORT_STALLED_SECONDS = env_int("IMPORT_STALLED_SECONDS", 600, minimum=60)
# How often the periodic pass picks up retries, waiting events and pending events whose task was lost.
EVENTS_PROCESS_DUE_SECONDS = env_int("EVENTS_PROCESS_DUE_SECONDS", 60, minimum=5)
# The course platforms' webhooks (/api/v1/webhooks/<platform>); each answers 503 until its secret is set.
# Stripe: the endpoint's signing secret (whsec_...), checked by the stripe package.
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Optional, a restricted key that may read Checkout Sessions and promotion codes: lets the adapter read a
# session's line items and a promotion code's code when the event does not carry them.
STRIPE_API_KEY = env_str("STRIPE_API_KEY", "")
# Thinkific: the secret its webhooks are signed with (X-Thinkific-Hmac-Sha256).
THINKIFIC_WEBHOOK_SECRET = env_str("THINKIFIC_WEBHOOK_SECRET", "")

# Outbound webhooks (referrals/webhooks/): each request's connect and read timeout, how often the
# periodic pass sends due retries, and how long one pass keeps taking new deliveries.
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOKS_SEND_DUE_SECONDS = env_int("WEBHOOKS_SEND_DUE_SECONDS", 60, minimum=5)
# How often held referral conversions are checked for the end of their refund window.
CONVERSIONS_RELEASE_DUE_SECONDS = env_int("CONVERSIONS_RELEASE_DUE_SECONDS", 3600, minimum=60)
WEBHOOKS_PASS_SECONDS = env_int("WEBHOOKS_PASS_SECONDS", 50, minimum=1)

# --- Mail -----------------------------------------------------------------------------
# Local default: the console (messages appear in `make run`'s output). See README for providers.
EMAIL_BACKEND, ANYMAIL = email_settings_from_env("console")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Programs <hello@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# EMAIL_PROVIDER=log writes accepted messages here (crash drills, local load tests).
MAIL_LOG_PATH = env_str("MAIL_LOG_PATH", str(BASE_DIR / "sent-mail.jsonl"))
# How often the sender's periodic pass runs (deferred mail, retries, crashed sends).
MAIL_SEND_DUE_SECONDS = env_int("MAIL_SEND_DUE_SECONDS", 60, minimum=1)

# The team's own emails (cms/staff_emails/), in the site's time zone (TIME_ZONE): the daily rewards
# digest from STAFF_DIGEST_TIME, the weekly summary on STAFF_WEEKLY_DAY from STAFF_WEEKLY_TIME. The
# periodic pass checks this often whether one is due (each goes once per day / week, however often).
STAFF_DIGEST_TIME = env_time("STAFF_DIGEST_TIME", "08:00")
STAFF_WEEKLY_DAY = env_weekday("STAFF_WEEKLY_DAY", "monday")
STAFF_WEEKLY_TIME = env_time("STAFF_WEEKLY_TIME", "08:00")
STAFF_EMAILS_DUE_SECONDS = env_int("STAFF_EMAILS_DUE_SECONDS", 900, minimum=60)

# Periodic tasks (dotted path -> seconds), run by django-q2's scheduler or Celery beat.
PERIODIC_TASKS = {
    "campaigns.tasks.tick": ENGINE_TICK_SECONDS,
    "mailers.tasks.send_due": MAIL_SEND_DUE_SECONDS,
    "integrations.tasks.process_due": EVENTS_PROCESS_DUE_SECONDS,
    "referrals.tasks.webhooks_send_due": WEBHOOKS_SEND_DUE_SECONDS,
    "referrals.tasks.conversions_release_due": CONVERSIONS_RELEASE_DUE_SECONDS,
    "campaigns.tasks.resume_imports": IMPORTS_RESUME_SECONDS,
    "cms.tasks.staff_emails_due": STAFF_EMAILS_DUE_SECONDS,
    "testimonials.tasks.case_webhooks_due": HELPDESK_WEBHOOKS_DUE_SECONDS,
}
# One contact budget per address, across every kind and program: marketing emails per window.
MAIL_BUDGET_MAX = env_int("MAIL_BUDGET_MAX", 2, minimum=1)
MAIL_BUDGET_DAYS = env_int("MAIL_BUDGET_DAYS", 7, minimum=1)
# Quiet hours in the recipient's own time zone: marketing waits until they end.
MAIL_QUIET_START = env_time("MAIL_QUIET_START", "21:00")
MAIL_QUIET_END = env_time("MAIL_QUIET_END", "08:00")
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8, minimum=1)
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 60, minimum=1)
# Messages claimed per transaction by one sender pass.
MAIL_SEND_CHUNK = env_int("MAIL_SEND_CHUNK", 500, minimum=1)
# Batch sending: the provider's merge-field syntax ({} = the field name; empty = one call
# per message) and the most recipients per call. See README.
MAIL_BATCH_MERGE_FORMAT = batch_merge_format_from_env(EMAIL_BACKEND)
MAIL_BATCH_SIZE = env_int("MAIL_BATCH_SIZE", 500, minimum=1)
# A message handed to the provider must be recorded within this; past it, its worker is presumed dead.
MAIL_SEND_LEASE_SECONDS = env_int("MAIL_SEND_LEASE_SECONDS", 300, minimum=1)
# With a provider that cannot be asked what it accepted: how long to wait for a tracking
# event proving a crashed send went out before sending it again.
MAIL_IN_DOUBT_GRACE_SECONDS = env_int("MAIL_IN_DOUBT_GRACE_SECONDS", 3600, minimum=0)
# Unsubscribe and preference links in an email keep working this long (seconds).
MAIL_LINK_MAX_AGE = env_int("MAIL_LINK_MAX_AGE", 400 * 24 * 3600, minimum=3600)
# Rate limits (and other short-lived counters) live in the cache: per process by default; set
# CACHE_URL=redis://host:6379/1 so every gunicorn worker and machine shares them.
CACHES = {"default": cache_from_env()}
# The public forms' limits (campaigns/ratelimit.py, the `limits` package) count in the same Redis, so
# every worker shares them; without CACHE_URL, in this process's memory.
RATE_LIMIT_STORAGE_URL = cache_url_from_env() or "memory://"
# The reverse proxies in front of the engine (addresses or CIDR networks, comma-separated). Only a
# request from one of them has its X-Forwarded-For read, right to left, skipping the proxies: the
# client address is the first entry that is not one. Empty: REMOTE_ADDR, whatever the client sends.
TRUSTED_PROXIES = trusted_proxies_from_env()
# A click through a special link is a count, not money: on PostgreSQL its insert commits without
# waiting for the WAL flush (as SQLite's WAL + synchronous=NORMAL default already does), so a
# database crash could lose the last fraction of a second of clicks, never corrupt them. Leads,
# enrollments and everything else commit durably. Set CLICK_DURABLE_COMMIT=true to wait for clicks too.
CLICK_DURABLE_COMMIT = env_bool("CLICK_DURABLE_COMMIT", False)
# A student's hub link (no password) works this long after the email that carried it.
HUB_LINK_MAX_AGE = env_int("HUB_LINK_MAX_AGE", 60 * 24 * 3600, minimum=3600)
# Public forms (hub, prompt pages, "send me a new link"): at most this many posts per window per client.
FORM_RATE_LIMIT = env_int("FORM_RATE_LIMIT", 20, minimum=1)
FORM_RATE_WINDOW_SECONDS = env_int("FORM_RATE_WINDOW_SECONDS", 600, minimum=1)
# A feedback score clicked without answers is routed by the score alone after this delay (the
# student may still be writing; a link scanner's clicks are overwritten by the person's own).
FEEDBACK_ROUTE_DELAY_MINUTES = env_int("FEEDBACK_ROUTE_DELAY_MINUTES", 30, minimum=0)
# Share cards' font: a TrueType/OpenType file name or path (Pillow also looks in the system font
# folders). DejaVu Sans (Debian: fonts-dejavu-core) draws accents, Greek, Cyrillic, Arabic and Hebrew;
# empty, or a font that is not found, falls back to Pillow's built-in ASCII font.
SHARE_CARD_FONT = env_str("SHARE_CARD_FONT", "DejaVuSans.ttf")
# Signs support cases posted to a program's help-desk webhook (HMAC-SHA256, X-Signature-SHA256).
HELPDESK_WEBHOOK_SECRET = env_str("HELPDESK_WEBHOOK_SECRET", "")

# --- The admin login throttle (django-axes) --------------------------------------------
# Five wrong passwords lock that account from that address, and that address for every account, for
# 15 minutes (a guesser cannot move on to the next username; the real user elsewhere still gets in).
# The address is found as for rate limits (TRUSTED_PROXIES). `manage.py axes_reset` lifts every
# lockout; `axes_reset_username NAME`, `axes_reset_ip ADDRESS` lift one.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "campaigns.ratelimit.client_address"
# Not reset by a success: with the per-address lockout, a guesser's own valid login would wipe the
# address's failures. Failures are forgotten AXES_COOLOFF_TIME after the last one.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "cms/lockout.html"

# django-q2, the embedded default: the ORM broker keeps the queue in our own database.
Q_CLUSTER = {
    "name": "engine",
    "orm": "default",
    "workers": env_int("Q2_WORKERS", 2, minimum=1),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 5,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "label": "Task queue",
}

# Celery + Redis, the scale-out engine (used when TASK_RUNNER=celery).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_ACKS_LATE = True  # a task killed mid-way is redelivered; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish while the broker is away must not hold the request that committed the row: one retry, and
# socket timeouts (kombu's Redis transport waits forever without them), so a broker that refuses costs
# well under a second and one that does not answer about 6 s; then the send is logged and dropped, and
# the task's periodic pass does the work (mailers/runner.py). 3 s is above the worker's 1 s BRPOP.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Redis brokers through our subclass of kombu's transport: without it a worker that loses Redis while a
# task runs stops for good (cms/celery_transport.py).
if CELERY_BROKER_URL.split("://", 1)[0] in ("redis", "rediss"):
    CELERY_BROKER_TRANSPORT = "cms.celery_transport:Transport"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"without_traceback": {"()": "cms.log_filters.WithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own default gives "django" a console handler of its own under DEBUG, and it also
        # reaches ours: each 404 and each bad Host was printed twice. One handler, the root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
        "django.db.backends": {"level": "WARNING"},
        # One line per background task of Wagtail's own is noise in `make run`'s output.
        "django_tasks": {"level": "WARNING"},
        # django-q2 logs "Enqueued …" for every task at INFO, through a handler of its own when it is
        # imported before this is applied: configured here, it goes through ours, failures still shown.
        "django-q": {"level": "WARNING"},
        # django-axes announces its configuration at every start (each manage.py command).
        "axes": {"level": "WARNING"},
    },
}
