"""Reliability drill: with TASK_RUNNER=celery, a Redis the test starts on its own port is stopped for
30 seconds while events are posted: the API keeps answering 202 and every event is processed exactly
once after Redis returns.

The real parts: gunicorn serving the API, a Celery worker (with beat: the periodic pass) on the
private Redis, the test's PostgreSQL database shared by all three. A poster thread sends signed
enrollments (and a milestone for every other student) before, during and after the outage. Events
posted while Redis was away never reach the queue; the periodic pass picks them up, the whole backlog
in one pass, once Redis and beat are back.
"""

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from campaigns.events import EngineEvent
from campaigns.models import Enrollment, JourneyEvent, Student
from integrations import signing
from integrations.models import InboundEvent, Outcome
from tests.conftest import ROOT, stop_process, subprocess_env
from tests.factories import program_page
from tests.integrations.conftest import SECRET
from tests.private_redis import PrivateRedis, free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BEFORE, OUTAGE, AFTER = 6.0, 30.0, 6.0  # seconds of posting around and during the outage
PAUSE = 0.1  # between two students


def drill_env(broker_url: str) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return subprocess_env(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DEBUG="false",
        DATABASE_URL=url,
        TASK_RUNNER="celery",
        CELERY_BROKER_URL=broker_url,
        # As production requires: the shared cache on the same Redis, so the outage takes it away too, and
        # accepted events share one queued pass (its flag in this cache) instead of one message each.
        CACHE_URL=broker_url.rsplit("/", 1)[0] + "/1",
        EVENTS_API_SECRET=SECRET,
        # The lost tasks' events are due 5 s after they came, and the pass looks every 5 s.
        EVENTS_PENDING_GRACE_SECONDS="5",
        EVENTS_PROCESS_DUE_SECONDS="5",
        ENGINE_TICK_SECONDS="3600",
        MAIL_SEND_DUE_SECONDS="3600",
        EMAIL_PROVIDER="log",
        LOG_LEVEL="WARNING",
    )


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A child in its own process group, its output to a file: the outage makes Celery log tracebacks by
    the page, and a pipe nobody reads would fill and stop the worker mid-drill."""
    with log.open("w") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_healthz(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    stop_process(server)
    pytest.fail(f"gunicorn did not answer /healthz:\n{log.read_text()[-3000:]}")


class Poster(threading.Thread):
    """Signed events to the API until told to stop; each answer kept with the moment it was sent."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.answers, self.stopping = port, [], threading.Event()
        self.students = 0

    def post(self, msg_id: str, event_type: str, data: dict) -> None:
        body = json.dumps({"type": event_type, "data": data}).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.sign(secret=SECRET, msg_id=msg_id, timestamp=timestamp, body=body),
        }
        sent = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("POST", "/api/v1/events", body=body, headers=headers)
            status = conn.getresponse().status
            conn.close()
        except OSError as exc:
            status = f"{type(exc).__name__}: {exc}"
        self.answers.append((sent, time.monotonic(), status))

    def run(self) -> None:
        while not self.stopping.is_set():
            i = self.students
            email = f"drill{i}@example.org"
            self.post(
                f"drill-enroll-{i}",
                "enrollment.created",
                {"student": {"email": email, "first_name": f"S{i}"}, "program": "drill"},
            )
            if i % 2:
                self.post(
                    f"drill-win-{i}",
                    "milestone.reached",
                    {"email": email, "program": "drill", "milestone": "first-win"},
                )
            self.students += 1
            time.sleep(PAUSE)


def test_redis_stopped_for_30_seconds_while_events_are_posted(postgres_db, tmp_path):
    program_page(slug="drill", milestones=[("first-win", 7)])
    redis = PrivateRedis()
    redis.start()
    env = drill_env(redis.url)
    port = free_port()
    bin_dir = Path(sys.executable).parent
    server_log, worker_log = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    server = start([str(bin_dir / "gunicorn"), "cms.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"], env, server_log)
    worker = start(
        [
            str(bin_dir / "celery"),
            "-A",
            "cms",
            "worker",
            "--beat",
            "--concurrency=2",
            "--loglevel=WARNING",
            f"--schedule={tmp_path}/beat",
        ],
        env,
        worker_log,
    )
    poster = Poster(port)
    try:
        wait_for_healthz(port, server, server_log)
        poster.start()
        time.sleep(BEFORE)
        redis.stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE)
        redis.start()  # the same port, empty: what was queued before the outage is gone too
        up_at = time.monotonic()
        time.sleep(AFTER)
        poster.stopping.set()
        poster.join(timeout=60)
        students, answers = poster.students, list(poster.answers)

        during = [a for a in answers if down_at <= a[0] and a[1] <= up_at]
        assert len(during) >= 50, f"only {len(during)} events were posted while Redis was away"
        refused = [a for a in answers if a[2] != 202]
        assert not refused, f"{len(refused)} of {len(answers)} answers were not 202, e.g. {refused[:3]}"

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and worker.poll() is None:
            if InboundEvent.objects.filter(outcome=Outcome.PROCESSED).count() == len(answers):
                break
            time.sleep(1)
        drained = time.monotonic() - up_at
        time.sleep(5)  # a task still in flight would show up as a second processing now
    finally:
        poster.stopping.set()
        stop_process(worker)
        stop_process(server)
        redis.stop()

    outcomes = dict(InboundEvent.objects.values_list("outcome").annotate(n=Count("id")))
    assert outcomes == {Outcome.PROCESSED: len(answers)}, f"{outcomes}; worker:\n{worker_log.read_text()[-6000:]}"
    milestones = students // 2
    assert len(answers) == students + milestones
    # Exactly once: one student, one enrollment, one "enrolled" and at most one milestone entry each.
    assert Student.objects.filter(email__startswith="drill").count() == students
    assert Enrollment.objects.filter(program__slug="drill").count() == students
    kinds = dict(
        JourneyEvent.objects.filter(program__slug="drill")
        .values_list("kind")
        .annotate(n=Count("id"))
        .filter(kind__in=[EngineEvent.ENROLLED, EngineEvent.MILESTONE_REACHED])
    )
    assert kinds == {EngineEvent.ENROLLED: students, EngineEvent.MILESTONE_REACHED: milestones}, kinds
    twice = (
        JourneyEvent.objects.filter(program__slug="drill", kind=EngineEvent.MILESTONE_REACHED)
        .values("enrollment")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    print(
        f"drill: {len(answers)} events ({len(during)} while Redis was away for {OUTAGE:.0f} s), all 202;"
        f" all processed exactly once, {drained:.0f} s after Redis returned"
    )
