"""Both task engines, for real: a django-q2 cluster and a Celery worker + beat on Redis.

Each starts the engine as a separate process against the test's PostgreSQL database (a
shared, committed database is what lets another process see the rows), then waits for the
periodic tick or an enqueued task to move an enrollment forward.
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from campaigns import bulk, services, tasks
from campaigns.models import Enrollment, Stage
from mailers import runner
from tests.conftest import start_process, stop_process, subprocess_env
from tests.factories import program_page

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied before each run
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def engine_env(**extra) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=url, LOG_LEVEL="INFO", **extra)


def wait_for_stage(enrollment_id: int, stage: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Enrollment.objects.get(pk=enrollment_id).stage == stage:
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    stop_process(proc)
    out = proc.stdout.read() if proc.stdout else ""
    pytest.fail(f"enrollment never reached {stage!r} within {timeout}s; engine output:\n{out[-4000:]}")


def started_enrollment_waiting_for_the_tick(program) -> int:
    """An enrollment whose start is due, enrolled in bulk (which enqueues nothing): only a tick moves it."""
    now = timezone.now()
    bulk.students_bulk_enroll(
        program=program,
        people=[{"email": "waiting@example.org"}],
        starts_at=now - timedelta(minutes=5),
        actor="test",
        now=now - timedelta(minutes=10),
    )
    return Enrollment.objects.get(student__email="waiting@example.org").pk


@pytest.fixture
def program(postgres_db):
    return program_page(slug="engines", milestones=[("first-win", 7)])


@pytest.fixture
def redis_clean(redis_server):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


def test_django_q2_cluster_runs_the_scheduled_tick(program, tmp_path):
    from django_q.models import Schedule

    runner.sync_periodic_schedule()  # a transactional test before this one may have flushed it
    enrollment_id = started_enrollment_waiting_for_the_tick(program)
    Schedule.objects.filter(name="campaigns.tasks.tick").update(next_run=timezone.now() - timedelta(seconds=1))
    # django-q2's guard runs the scheduler once its cycles add up to 30 s (0.5 s each, so half a minute
    # after the cluster starts, which this test used to wait out). With a 30 s cycle the first one does:
    # the cluster's scheduler still finds the due tick in the schedule table and a worker runs it.
    (tmp_path / "q2_scheduler_at_start.py").write_text(
        "from cms.settings.dev import *  # noqa: F403\n\nQ_CLUSTER = {**Q_CLUSTER, 'guard_cycle': 30}  # noqa: F405\n"
    )
    env = engine_env(TASK_RUNNER="q2")
    env["DJANGO_SETTINGS_MODULE"] = "q2_scheduler_at_start"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), str(ROOT), env.get("PYTHONPATH")]))
    proc = start_process([sys.executable, "manage.py", "qcluster"], env)
    try:
        wait_for_stage(enrollment_id, Stage.ACTIVE, timeout=90, proc=proc)
    finally:
        stop_process(proc)


def celery(*args: str) -> subprocess.Popen:
    return start_process(
        [str(Path(sys.executable).parent / "celery"), "-A", "cms", *args],
        engine_env(TASK_RUNNER="celery", CELERY_BROKER_URL=REDIS_URL, ENGINE_TICK_SECONDS="5"),
    )


def test_celery_beat_and_worker_run_the_tick(program, redis_clean):
    enrollment_id = started_enrollment_waiting_for_the_tick(program)
    with tempfile.TemporaryDirectory() as tmp:
        proc = celery("worker", "--beat", "--pool=solo", "--loglevel=INFO", f"--schedule={tmp}/beat-schedule")
        try:
            wait_for_stage(enrollment_id, Stage.ACTIVE, timeout=60, proc=proc)
        finally:
            stop_process(proc)


def test_celery_worker_runs_a_task_enqueued_after_commit(program, redis_clean, settings):
    from cms.celery import app

    settings.TASK_RUNNER = "celery"
    app.conf.broker_url = REDIS_URL
    app.set_current()
    now = timezone.now()
    proc = celery("worker", "--pool=solo", "--loglevel=INFO")
    try:
        with transaction.atomic():
            enrollment = services.enrollment_create(
                student=services.student_upsert(email="now@example.org"),
                program=program,
                starts_at=now - timedelta(minutes=1),
                actor="test",
                now=now,
            )
            runner.enqueue(tasks.advance_enrollment, enrollment.pk)
        wait_for_stage(enrollment.pk, Stage.ACTIVE, timeout=60, proc=proc)
    finally:
        stop_process(proc)
