"""The journey engine as its callers use it: enroll, let time pass through the tick, read the journey."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import engine, services
from campaigns.models import (
    ActionStatus,
    AppendOnlyError,
    Enrollment,
    JourneyEvent,
    MilestoneReached,
    ScheduledAction,
    Stage,
)
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def kinds(enrollment):
    return list(JourneyEvent.objects.filter(enrollment=enrollment).values_list("kind", "to_stage"))


def test_enrollment_schedules_start_milestones_and_graduation(program):
    now = timezone.now()
    enrollment = enroll(program=program, now=now, starts_at=now + timedelta(days=2))
    actions = {a.key: a.due_at for a in enrollment.actions.all()}
    milestones = {m.slug: m.pk for m in program.milestones.all()}
    assert actions == {
        "start": now + timedelta(days=2),
        f"milestone:{milestones['first-win']}": now + timedelta(days=9),
        f"milestone:{milestones['halfway']}": now + timedelta(days=17),
        "complete": now + timedelta(days=32),
    }
    assert enrollment.stage == Stage.ENROLLED
    assert kinds(enrollment) == [("enrolled", "enrolled")]


def test_tick_moves_the_journey_forward_only_when_due(program):
    now = timezone.now()
    enrollment = enroll(program=program, now=now, starts_at=now + timedelta(days=1))

    assert engine.tick(now=now) == {}
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ENROLLED

    assert engine.tick(now=now + timedelta(days=1)) == {"start": 1}
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ACTIVE

    assert engine.tick(now=now + timedelta(days=20)) == {"milestone": 2}
    assert MilestoneReached.objects.filter(enrollment=enrollment).count() == 2

    assert engine.tick(now=now + timedelta(days=31)) == {"complete": 1}
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.COMPLETED
    assert enrollment.completed_at == now + timedelta(days=31)
    assert [k for k, _ in kinds(enrollment)] == [
        "enrolled",
        "stage_changed",
        "milestone_reached",
        "milestone_reached",
        "stage_changed",
    ]
    last = JourneyEvent.objects.filter(enrollment=enrollment).last()
    assert (last.from_stage, last.to_stage, last.actor) == ("active", "completed", "engine")
    assert last.reason == "reached the end of the program"


def test_tick_twice_changes_nothing_the_second_time(program):
    now = timezone.now()
    for i in range(5):
        enroll(program=program, email=f"s{i}@example.org", now=now)
    later = now + timedelta(days=1)
    assert engine.tick(now=later) == {"start": 5}
    events = JourneyEvent.objects.count()
    assert engine.tick(now=later) == {}
    assert JourneyEvent.objects.count() == events


def test_a_replayed_action_does_not_record_the_change_twice(program):
    """A crash after the handler ran but before the row was marked done replays the chunk."""
    now = timezone.now()
    enrollment = enroll(program=program, now=now)
    engine.tick(now=now + timedelta(days=1))
    ScheduledAction.objects.filter(enrollment=enrollment, key="start").update(status=ActionStatus.PENDING)
    engine.tick(now=now + timedelta(days=1))
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="stage_changed").count() == 1


def test_tick_processes_in_chunks(program):
    now = timezone.now()
    for i in range(7):
        enroll(program=program, email=f"c{i}@example.org", now=now)
    assert engine.tick(now=now + timedelta(days=1), chunk=3) == {"start": 7}
    assert Enrollment.objects.filter(stage=Stage.ACTIVE).count() == 7


def test_a_failing_handler_fails_its_rows_without_blocking_the_others(program):
    now = timezone.now()
    enrollment = enroll(program=program, now=now)
    ScheduledAction.objects.create(enrollment=enrollment, kind="boom", key="boom", due_at=now)
    ScheduledAction.objects.create(enrollment=enrollment, kind="nobody-handles-this", key="x", due_at=now)

    def explode(actions, when):
        raise RuntimeError("provider down")

    engine.register_action_handler("boom", explode)
    try:
        result = engine.tick(now=now + timedelta(days=1))
    finally:
        engine._HANDLERS.pop("boom")
    assert result["start"] == 1
    failed = ScheduledAction.objects.get(key="boom")
    assert failed.status == ActionStatus.FAILED
    assert "provider down" in failed.error
    assert ScheduledAction.objects.get(key="x").status == ActionStatus.FAILED
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ACTIVE


def test_milestone_reported_by_platform_cancels_the_fallback_and_is_idempotent(program):
    now = timezone.now()
    enrollment = enroll(program=program, now=now, starts_at=now + timedelta(days=1))
    milestone = program.milestones.get(slug="first-win")
    first = services.enrollment_record_milestone(
        enrollment=enrollment, milestone=milestone, source="platform", actor="api", now=now
    )
    again = services.enrollment_record_milestone(
        enrollment=enrollment, milestone=milestone, source="platform", actor="api", now=now + timedelta(hours=1)
    )
    assert first.pk == again.pk
    enrollment.refresh_from_db()
    # Reaching a milestone means the student has started, whatever the schedule said.
    assert enrollment.stage == Stage.ACTIVE
    fallback = enrollment.actions.get(key=f"milestone:{milestone.pk}")
    assert fallback.status == ActionStatus.CANCELLED
    engine.tick(now=now + timedelta(days=10))
    assert MilestoneReached.objects.filter(enrollment=enrollment, milestone=milestone).count() == 1
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="milestone_reached").count() == 1


def test_milestone_of_another_program_is_refused(program):
    from tests.factories import program_page

    other = program_page(slug="other", milestones=[("elsewhere", 3)])
    enrollment = enroll(program=program)
    with pytest.raises(ValidationError, match="not a milestone"):
        services.enrollment_record_milestone(
            enrollment=enrollment, milestone=other.milestones.get(), source="platform", actor="api"
        )


def test_withdrawn_students_do_not_move_on(program):
    now = timezone.now()
    enrollment = enroll(program=program, now=now)
    engine.tick(now=now + timedelta(days=1))
    services.enrollment_change_stage(
        enrollment=enrollment, to_stage=Stage.WITHDRAWN, actor="api", reason="refunded", now=now + timedelta(days=2)
    )
    engine.tick(now=now + timedelta(days=60))
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.WITHDRAWN
    assert not MilestoneReached.objects.filter(enrollment=enrollment).exists()


def test_stage_change_needs_a_reason_and_a_real_change(program):
    enrollment = enroll(program=program)
    with pytest.raises(ValidationError, match="Say why"):
        services.enrollment_change_stage(enrollment=enrollment, to_stage=Stage.ACTIVE, actor="admin:x", reason=" ")
    with pytest.raises(ValidationError, match="already"):
        services.enrollment_change_stage(enrollment=enrollment, to_stage=Stage.ENROLLED, actor="admin:x", reason="x")
    with pytest.raises(ValidationError, match="not a stage"):
        services.enrollment_change_stage(enrollment=enrollment, to_stage="vip", actor="admin:x", reason="x")
    assert JourneyEvent.objects.filter(enrollment=enrollment).count() == 1


def test_journey_events_are_append_only(program):
    enrollment = enroll(program=program)
    event = JourneyEvent.objects.get(enrollment=enrollment)
    event.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        JourneyEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        JourneyEvent.objects.filter(pk=event.pk).delete()
    assert JourneyEvent.objects.get(pk=event.pk).reason != "rewritten history"


def test_erasing_a_student_removes_their_journey(program):
    enrollment = enroll(program=program)
    enrollment.student.delete()
    assert not JourneyEvent.objects.exists()
    assert not ScheduledAction.objects.exists()


def test_enrolling_twice_returns_the_first_enrollment(program):
    first = enroll(program=program, email="Twice@Example.org")
    second = enroll(program=program, email="twice@example.ORG")
    assert first.pk == second.pk
    assert JourneyEvent.objects.filter(kind="enrolled").count() == 1


def test_signals_let_phase_apps_react_without_the_engine_importing_them(program):
    from campaigns import signals
    from campaigns.models import MilestoneReached

    seen = []

    def on_reached(sender, *, reached, now, **kwargs):
        assert sender is MilestoneReached
        seen.extend(r.milestone.slug for r in reached)

    signals.milestones_reached.connect(on_reached)
    try:
        now = timezone.now()
        enroll(program=program, now=now)
        engine.tick(now=now + timedelta(days=10))
    finally:
        signals.milestones_reached.disconnect(on_reached)
    assert seen == ["first-win"]


def test_an_error_in_a_receiver_rolls_the_engines_change_back(program):
    from campaigns import signals
    from campaigns.models import MilestoneReached

    def broken(sender, **kwargs):
        raise RuntimeError("receiver failed")

    now = timezone.now()
    enrollment = enroll(program=program, now=now)
    milestone = program.milestones.get(slug="first-win")
    signals.milestones_reached.connect(broken)
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            services.enrollment_record_milestone(
                enrollment=enrollment, milestone=milestone, source="test", actor="test", now=now
            )
    finally:
        signals.milestones_reached.disconnect(broken)
    assert not MilestoneReached.objects.filter(enrollment=enrollment).exists()


def test_one_bad_action_does_not_fail_its_whole_batch(program):
    now = timezone.now()
    good = enroll(program=program, email="good@example.org", now=now)
    bad = enroll(program=program, email="bad@example.org", now=now)
    for enrollment in (good, bad):
        ScheduledAction.objects.create(enrollment=enrollment, kind="picky", key="picky", due_at=now)
    done = []

    def picky(actions, when):
        if any(a.enrollment_id == bad.pk for a in actions):
            raise ValueError("cannot handle this one")
        done.extend(a.enrollment_id for a in actions)

    engine.register_action_handler("picky", picky)
    try:
        engine.tick(now=now)
    finally:
        engine._HANDLERS.pop("picky")
    assert done == [good.pk]
    statuses = dict(ScheduledAction.objects.filter(kind="picky").values_list("enrollment_id", "status"))
    assert statuses == {good.pk: ActionStatus.DONE, bad.pk: ActionStatus.FAILED}


def test_a_scoped_tick_acts_only_on_the_enrollments_it_is_given(program):
    now = timezone.now()
    mine = enroll(program=program, email="sim@example.test", now=now, starts_at=now + timedelta(days=1))
    theirs = enroll(program=program, email="real@example.org", now=now, starts_at=now + timedelta(days=1))
    later = now + timedelta(days=40)
    assert engine.tick(now=later, chunk=2, enrollments=Enrollment.objects.filter(pk=mine.pk)) == {
        "start": 1,
        "milestone": 2,
        "complete": 1,
    }
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.stage == Stage.COMPLETED and theirs.stage == Stage.ENROLLED
    assert not theirs.actions.exclude(status=ActionStatus.PENDING).exists()
    assert engine.tick(now=later, enrollments=Enrollment.objects.none()) == {}
    assert engine.tick(now=later)["start"] == 1  # unscoped, the other one's steps run as before
