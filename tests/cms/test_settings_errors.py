"""A bad environment stops start-up with one clear line that says what to set."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cms.settings.env import DEV_SECRET_KEY
from tests.conftest import subprocess_env

# Child processes on their own settings: the same whatever database the suite runs on.
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[2]


DEV = "cms.settings.dev"
PROD = "cms.settings.production"
# A key as production wants it: random, made for this run, in no file.
GOOD_KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": PROD,
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "engine.example.org",
    "BASE_URL": "https://engine.example.org",
    "EMAIL_PROVIDER": "postmark",
    "ANYMAIL_POSTMARK_SERVER_TOKEN": "test-token",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], **env)


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DJANGO_SETTINGS_MODULE": DEV, "DATABASE_URL": "postgres://user@host:notaport/db"}, "DATABASE_URL"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "DATABASE_URL": "mysql://root@127.0.0.1/x"}, "DATABASE_URL"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "TASK_RUNNER": "rq"}, "TASK_RUNNER"),
        ({"DJANGO_SETTINGS_MODULE": PROD}, "SECRET_KEY"),
        ({"DJANGO_SETTINGS_MODULE": PROD, "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "ENGINE_TICK_SECONDS": "soon"}, "ENGINE_TICK_SECONDS"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "STAFF_WEEKLY_DAY": "mondai"}, "STAFF_WEEKLY_DAY"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "STAFF_DIGEST_TIME": "8am"}, "STAFF_DIGEST_TIME"),
        ({"DJANGO_SETTINGS_MODULE": DEV, "CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL"),
        ({"DJANGO_SETTINGS_MODULE": PROD, "SECRET_KEY": GOOD_KEY}, "EMAIL_PROVIDER"),
        ({"DJANGO_SETTINGS_MODULE": PROD, "SECRET_KEY": GOOD_KEY, "EMAIL_PROVIDER": "smtp"}, "BASE_URL"),
        (
            {
                "DJANGO_SETTINGS_MODULE": PROD,
                "SECRET_KEY": GOOD_KEY,
                "EMAIL_PROVIDER": "smtp",
                "BASE_URL": "http://x.org",
            },
            "BASE_URL",
        ),
        ({"DJANGO_SETTINGS_MODULE": DEV, "EMAIL_PROVIDER": "pigeon"}, "EMAIL_PROVIDER"),
        # No settings named: no development defaults either.
        ({}, "DJANGO_SETTINGS_MODULE"),
        ({"DJANGO_SETTINGS_MODULE": "cms.settings.prod"}, "DJANGO_SETTINGS_MODULE"),
        # The key from the repository, or any key that is not random, is refused in production.
        ({**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "k" * 60}, "SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "django-insecure-" + GOOD_KEY}, "SECRET_KEY"),
        # Rate limits shared by every worker, or no start.
        ({**PRODUCTION, "CACHE_URL": ""}, "CACHE_URL"),
        ({**PRODUCTION, "TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}, "TRUSTED_PROXIES"),
        ({**PRODUCTION, "TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
    ],
)
def test_bad_environment_fails_in_one_line(env, names):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error:")
    assert names in lines[0] and "set" in lines[0]
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, TRUSTED_PROXIES="10.0.0.0/8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_task_runner_value_is_named():
    result = manage("check", DJANGO_SETTINGS_MODULE=DEV, TASK_RUNNER="sidekiq")
    assert "'sidekiq'" in result.stderr and "q2" in result.stderr and "celery" in result.stderr


BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "manage.py", "check"],
        [sys.executable, "manage.py", "qcluster"],
        [str(BIN / "celery"), "-A", "cms", "report"],
        [sys.executable, "-c", "import cms.wsgi"],
    ],
    ids=["manage.py", "qcluster", "celery", "wsgi"],
)
def test_no_settings_named_means_no_start(argv):
    """Before: every one of these ran on cms.settings.dev (DEBUG on, the repository's key)."""
    result = run(argv)
    assert result.returncode in (2, 3), result.stdout + result.stderr
    assert "configuration error: DJANGO_SETTINGS_MODULE is not set" in result.stderr
    assert "cms.settings.production" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "env",
    [{}, {**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY}, {**PRODUCTION, "CACHE_URL": ""}],
    ids=["no-settings", "dev-key", "no-cache-url"],
)
def test_gunicorn_stops_instead_of_serving(env):
    """gunicorn cms.wsgi: the master stops ("worker failed to boot"), it does not respawn workers forever."""
    result = run([str(BIN / "gunicorn"), "cms.wsgi", "-b", "127.0.0.1:0", "--workers", "1"], **env)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "configuration error:" in result.stderr
    assert "Worker failed to boot" in result.stderr


def test_manage_py_settings_option_names_the_settings():
    result = manage("check", "--settings", DEV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


READ_TOKEN = (
    "import sys; from campaigns.links import read_hub_token; print(read_hub_token(sys.argv[-1]).problem or 'ok')"
)


def test_a_token_signed_with_the_development_key_does_not_open_a_hub_in_production():
    """The forged key: a hub link signed with the key in the repository."""
    from django.core import signing

    from campaigns import links

    forged = signing.dumps(1, salt=links.SALT, key=DEV_SECRET_KEY)
    shell = [sys.executable, "-c", f"import django; django.setup(); {READ_TOKEN}", forged]
    # Under the development settings the forged token is as good as a real one: that is the danger...
    assert run(shell, DJANGO_SETTINGS_MODULE=DEV).stdout.strip() == "ok"
    # ...so production never runs with that key, and under production's own key the token is junk.
    refused = manage("check", **{**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY})
    assert refused.returncode == 2 and "development key" in refused.stderr
    accepted = run(shell, **PRODUCTION)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == "invalid"


def test_make_run_is_the_entry_point_that_names_the_development_settings():
    """`make run` keeps working without DJANGO_SETTINGS_MODULE: it names cms.settings.dev itself."""
    show = 'sh -c "echo settings=$$DJANGO_SETTINGS_MODULE; exit 1" x'
    result = run(["make", "--no-print-directory", "run", "-o", ".venv/.installed", f"PY={show}"])
    assert "settings=cms.settings.dev" in result.stdout, result.stdout + result.stderr
