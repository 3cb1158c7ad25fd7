"""What the engine's log says about a bad request: each once, in our format, without Django's frames."""

import subprocess
import sys

from tests.conftest import ROOT, subprocess_env

REQUESTS = """
from django.test import Client
Client(HTTP_HOST="localhost").get("/api/v1/no-such-endpoint")
Client(HTTP_HOST="evil.example").get("/api/v1/no-such-endpoint")
import logging, django_q.conf
queue = logging.getLogger("django-q")
print("django-q:", logging.getLevelName(queue.getEffectiveLevel()), len(queue.handlers), queue.propagate)
"""


def test_the_log_says_each_thing_once(tmp_path):
    """Before, under DEBUG (make run): Django's own console handler and ours both printed each line, a
    bad Host came with its traceback, twice, and django-q2 printed "INFO django-q: Enqueued …" for
    every task through a handler of its own."""
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", LOG_LEVEL="INFO"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", REQUESTS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert log.count("Not Found: /api/v1/no-such-endpoint") == 1, log
    assert log.count("Invalid HTTP_HOST header: 'evil.example'") == 1, log
    assert "Traceback" not in log and "WARNING django.request: Not Found" in log, log
    assert "django-q: WARNING 0 True" in log, log  # failures through our handler; no line per task
