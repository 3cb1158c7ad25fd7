"""The broker away (TASK_RUNNER=celery, Redis stopped): the API keeps answering 202, nothing is lost.

The accepted event is a row before its task is sent; when the send fails, the failure is logged and
the periodic pass processes the row. The same holds for the mail a service queues and the enrollment
a service starts: their passes (``send_due``, the tick) do the work the lost task would have done.
Each test runs a redis-server of its own (tests/private_redis.py), so these run in every pass.
"""

import logging
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import engine
from campaigns.models import Enrollment, Stage
from integrations import services
from integrations.models import InboundEvent, Outcome
from mailers import runner
from mailers import services as mail
from mailers.models import Message, Status
from tests.factories import enroll
from tests.integrations.conftest import student_data
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db


def use_broker(url: str):
    """A Celery app of the test's own on ``url``, made current (enqueue sends through the current app)."""
    from celery import Celery

    app = Celery("outage-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = url
    app.set_current()
    return app


@pytest.fixture
def broker(settings, monkeypatch):
    from celery import current_app

    previous = current_app._get_current_object()
    server = PrivateRedis()
    server.start()
    settings.TASK_RUNNER = "celery"
    monkeypatch.setattr(runner, "_outage", runner._Outage())  # no outage remembered from another test
    app = use_broker(server.url)
    yield server
    app.close()
    previous.set_current()
    server.stop()


def queued(server: PrivateRedis) -> int:
    """Messages waiting on the broker's default queue."""
    import redis

    return redis.Redis.from_url(server.url).llen("celery")


def test_the_api_answers_202_with_the_broker_down_and_the_periodic_pass_processes_the_event(
    post, program, broker, caplog
):
    assert post("enrollment.created", student_data("first@example.org")).status_code == 202
    assert queued(broker) == 1, "with the broker up the task is sent"

    broker.stop()
    with caplog.at_level(logging.WARNING, logger="mailers.runner"):
        answers = [post("enrollment.created", student_data(f"s{i}@example.org")).status_code for i in range(3)]
    assert answers == [202, 202, 202]
    assert "task queue unavailable" in caplog.text and "integrations.tasks.process_due" in caplog.text
    assert caplog.text.count("task queue unavailable") == 1, "an outage is reported, not logged once per request"
    waiting = InboundEvent.objects.filter(outcome=Outcome.PENDING).order_by("pk")
    assert waiting.count() == 4 and not Enrollment.objects.exists()  # nothing ran: no worker in this test

    broker.start()  # back, empty: the messages sent during the outage never reached it
    first, due = waiting.first().next_attempt_at, waiting.last().next_attempt_at
    assert services.events_process_due(now=first - timedelta(seconds=1)) == {}, "each waits out its grace"
    assert services.events_process_due(now=due) == {Outcome.PROCESSED: 4}
    assert Enrollment.objects.count() == 4
    assert services.events_process_due(now=due + timedelta(hours=1)) == {}, "processed once"


def test_the_pass_takes_the_whole_backlog_not_one_chunk(post, program, broker):
    broker.stop()
    for i in range(7):
        assert post("enrollment.created", student_data(f"b{i}@example.org")).status_code == 202
    due = InboundEvent.objects.latest("pk").next_attempt_at
    assert services.events_process_due(now=due, chunk=3) == {Outcome.PROCESSED: 7}
    assert Enrollment.objects.count() == 7


def test_after_a_failed_send_the_queue_is_tried_again_soon(post, program, broker, monkeypatch):
    broker.stop()
    assert post("enrollment.created", student_data("during@example.org")).status_code == 202
    broker.start()
    monkeypatch.setattr(runner._outage, "down_until", time.monotonic() - 1)  # RETRY_AFTER_SECONDS went by
    assert post("enrollment.created", student_data("after@example.org")).status_code == 202
    assert queued(broker) == 1


def test_a_broker_that_never_answers_does_not_hold_the_request(post, program, broker):
    """A broker behind a dead network path accepts nothing and answers nothing: without socket timeouts
    the publish waited forever. The bound here is loose on purpose; the settings give about 3 s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        use_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        assert post("enrollment.created", student_data()).status_code == 202
        assert time.monotonic() - started < 30
    assert InboundEvent.objects.get().outcome == Outcome.PENDING


def test_mail_queued_while_the_broker_is_down_goes_with_the_senders_pass(broker, mailoutbox):
    broker.stop()
    message = mail.message_queue(
        kind="test",
        to_email="ann@example.org",
        idempotency_key="outage-1",
        context={"subject": "Hello", "body": "Hi"},
    )
    assert Message.objects.get(pk=message.pk).status == Status.QUEUED
    assert mail.messages_send_due() == {Status.SENT: 1}
    assert len(mailoutbox) == 1


def test_an_enrollment_started_while_the_broker_is_down_moves_on_at_the_tick(program, broker):
    broker.stop()
    now = timezone.now()
    enrollment = enroll(program=program, now=now, starts_at=now - timedelta(minutes=1))
    assert Enrollment.objects.get(pk=enrollment.pk).stage == Stage.ENROLLED
    engine.tick(now=now)
    assert Enrollment.objects.get(pk=enrollment.pk).stage == Stage.ACTIVE


def test_a_task_no_pass_recovers_still_fails_loudly(broker, django_capture_on_commit_callbacks):
    """A periodic task queued by hand has no pass behind it: a lost send would be lost for good, so it
    raises."""
    from kombu.exceptions import OperationalError

    from testimonials import tasks as testimonial_tasks

    broker.stop()
    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        runner.enqueue(testimonial_tasks.case_webhooks_due)


def test_every_recovering_pass_is_a_periodic_task(settings):
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")  # as a worker does; a test process may not have imported them all yet
    tasks = runner.registered_tasks()
    recovered = {name: fn.recovered_by for name, fn in tasks.items() if fn.recovered_by}
    assert set(recovered) >= {
        "integrations.tasks.process_event",
        "mailers.tasks.send_message",
        "campaigns.tasks.advance_enrollment",
        "testimonials.support.post_case_webhook",
        "testimonials.support.post_case_update_webhook",
    }
    for name, periodic in recovered.items():
        assert periodic in settings.PERIODIC_TASKS and periodic in tasks, f"{name}: {periodic} never runs"
