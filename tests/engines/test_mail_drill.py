"""Reliability drill: a Celery worker sending 2,000 messages is SIGKILLed mid-way and started
again; every message ends sent exactly once (the provider's log holds 2,000 distinct messages).
"""

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from mailers import runner, services, tasks
from mailers.models import Message, Status
from tests.conftest import start_process, stop_process, subprocess_env

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"
N = 2000
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def worker_env(log_path: Path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return subprocess_env(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DATABASE_URL=url,
        TASK_RUNNER="celery",
        CELERY_BROKER_URL=REDIS_URL,
        EMAIL_PROVIDER="log",
        MAIL_LOG_PATH=str(log_path),
        MAIL_SEND_LEASE_SECONDS="3",
        MAIL_SEND_DUE_SECONDS="2",
        ENGINE_TICK_SECONDS="3600",
        LOG_LEVEL="WARNING",
    )


def start_worker(env: dict, tmp_path: Path) -> subprocess.Popen:
    celery = str(Path(sys.executable).parent / "celery")
    args = ["-A", "cms", "worker", "--beat", "--concurrency=2", "--loglevel=WARNING", f"--schedule={tmp_path}/beat"]
    return start_process([celery, *args], env)


def logged(log_path: Path) -> list[str]:
    if not log_path.exists():
        return []
    return [json.loads(line)["key"] for line in log_path.read_text().splitlines() if line.strip()]


def test_sigkill_mid_way_sends_every_message_exactly_once(postgres_db, redis_server, tmp_path, settings):
    import redis

    from cms.celery import app

    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.TASK_RUNNER = "celery"
    app.conf.broker_url = REDIS_URL
    app.set_current()
    log_path = tmp_path / "sent.jsonl"
    env = worker_env(log_path)
    now = timezone.now()
    with transaction.atomic():
        ids = [
            services.message_queue(
                kind="test",
                to_email=f"drill{i}@example.org",
                idempotency_key=f"drill-{i}",
                context={"subject": "Drill {{ first_name }}", "body": "Message {{ first_name }}"},
                to_name=f"P{i}",
                send_after=now + timedelta(days=1),
                now=now,
            ).pk
            for i in range(N)
        ]
        # Due now, and one task per message on the queue (the ids only).
        Message.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for pk in ids:
            runner.enqueue(tasks.send_message, pk)

    worker = start_worker(env, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while len(logged(log_path)) < N // 4 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        sent_before_kill = len(logged(log_path))
        assert N // 4 <= sent_before_kill < N, f"the worker did not get a quarter through ({sent_before_kill})"
    finally:
        stop_process(worker, signal.SIGKILL)

    worker = start_worker(env, tmp_path)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if Message.objects.filter(status=Status.SENT).count() == N:
                break
            time.sleep(1)
        time.sleep(3)  # anything still in flight would show up as a duplicate now
    finally:
        stop_process(worker)
    keys = logged(log_path)
    statuses = dict(Message.objects.values_list("status").annotate(n=__import__("django").db.models.Count("id")))
    assert statuses == {Status.SENT: N}, statuses
    assert len(keys) == N, f"{len(keys) - len(set(keys))} duplicates, {N - len(set(keys))} missing"
    assert set(keys) == {f"drill-{i}" for i in range(N)}
    print(f"drill: killed after {sent_before_kill} of {N}; all {N} sent exactly once")
