"""The task seam: ids only, sent after commit, same call on either engine."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Stage
from mailers import runner
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_enrolling_into_a_started_cohort_activates_after_commit(program, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment = enroll(program=program, now=now, starts_at=now - timedelta(minutes=1))
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ENROLLED  # nothing is queued before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: django-q2 (sync in tests) runs the task
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ACTIVE


def test_future_cohorts_wait_for_the_tick(program, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enroll(program=program)
    assert callbacks == []


def test_enqueue_takes_ids_only():
    with pytest.raises(TypeError, match="ids"):
        runner.enqueue(tasks.advance_enrollment, {"id": 1})


def test_enqueue_refuses_unregistered_functions():
    with pytest.raises(ValueError, match="not a registered task"):
        runner.enqueue(print, 1)


def test_tasks_are_registered_under_their_dotted_path():
    assert runner.registered_tasks()["campaigns.tasks.tick"] is tasks.tick
    assert tasks.advance_enrollment.task_name == "campaigns.tasks.advance_enrollment"


def test_the_celery_path_sends_by_name(settings, django_capture_on_commit_callbacks):
    settings.TASK_RUNNER = "celery"
    with mock.patch("celery.current_app.send_task") as send, django_capture_on_commit_callbacks(execute=True):
        runner.enqueue(tasks.advance_enrollment, 42)
    send.assert_called_once_with("campaigns.tasks.advance_enrollment", args=[42])


def test_q2_schedule_holds_the_tick_after_migrate(settings):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="campaigns.tasks.tick")
    assert schedule.func == "campaigns.tasks.tick"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1
    settings.PERIODIC_TASKS = {"campaigns.tasks.tick": 300}
    runner.sync_periodic_schedule()
    assert Schedule.objects.get(name="campaigns.tasks.tick").minutes == 5
    assert Schedule.objects.filter(name="campaigns.tasks.tick").count() == 1


def test_q2_scheduler_runs_the_tick(program):
    """django-q2's own scheduler loop picks the schedule up and the tick runs (sync mode)."""
    from django_q.models import Schedule
    from django_q.scheduler import scheduler

    now = timezone.now()
    enrollment = enroll(program=program, now=now - timedelta(days=2), starts_at=now - timedelta(days=1))
    Schedule.objects.filter(name="campaigns.tasks.tick").update(next_run=now - timedelta(seconds=1))
    scheduler()
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ACTIVE
