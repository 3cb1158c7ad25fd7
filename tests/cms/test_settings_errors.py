"""A bad environment stops start-up with one clear line that says what to set."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env

# Child processes on their own settings: the same whatever database the suite runs on.
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DATABASE_URL": "postgres://user@host:notaport/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"TASK_RUNNER": "rq"}, "TASK_RUNNER"),
        ({"DJANGO_SETTINGS_MODULE": "cms.settings.production"}, "SECRET_KEY"),
        ({"DJANGO_SETTINGS_MODULE": "cms.settings.production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ENGINE_TICK_SECONDS": "soon"}, "ENGINE_TICK_SECONDS"),
        ({"CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL"),
        ({"DJANGO_SETTINGS_MODULE": "cms.settings.production", "SECRET_KEY": "k" * 60}, "EMAIL_PROVIDER"),
        (
            {"DJANGO_SETTINGS_MODULE": "cms.settings.production", "SECRET_KEY": "k" * 60, "EMAIL_PROVIDER": "smtp"},
            "BASE_URL",
        ),
        (
            {
                "DJANGO_SETTINGS_MODULE": "cms.settings.production",
                "SECRET_KEY": "k" * 60,
                "EMAIL_PROVIDER": "smtp",
                "BASE_URL": "http://x.org",
            },
            "BASE_URL",
        ),
        ({"EMAIL_PROVIDER": "pigeon"}, "EMAIL_PROVIDER"),
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
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="x" * 64 + "production-like-secret-key-for-the-deploy-check",
        ALLOWED_HOSTS="engine.example.org",
        BASE_URL="https://engine.example.org",
        EMAIL_PROVIDER="postmark",
        ANYMAIL_POSTMARK_SERVER_TOKEN="test-token",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_task_runner_value_is_named():
    result = manage("check", TASK_RUNNER="sidekiq")
    assert "'sidekiq'" in result.stderr and "q2" in result.stderr and "celery" in result.stderr
