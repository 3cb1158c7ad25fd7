"""Writes to students, enrollments and their journey. Keyword-only; each one transaction.

The events API, the CSV import, the admin and ``simulate_cohort`` all enroll and advance
students through these functions, so every change leaves the same journey events.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import links, signals
from campaigns.events import EngineEvent
from campaigns.models import (
    ActionStatus,
    Enrollment,
    JourneyEvent,
    Milestone,
    MilestoneReached,
    ProgramPage,
    ScheduledAction,
    Stage,
    Student,
    validate_time_zone,
)
from campaigns.names import name_problem
from mailers.rendering import absolute
from mailers.services import message_queue, normalize_address

ENGINE_ACTOR = "engine"

# The actions every enrollment gets when it is created; phase apps schedule their own.
ACTION_START = "start"
ACTION_MILESTONE = "milestone"
ACTION_COMPLETE = "complete"


def normalize_email(email: str) -> str:
    return normalize_address(email, field="email")


@transaction.atomic
def student_upsert(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "",
    marketing_consent: bool | None = None,
    keep_existing: bool = False,
    now: datetime | None = None,
) -> Student:
    """Find the student by email (any case) or create them; fill in what is given.

    ``keep_existing``: the details are only for a student created now; someone who already is a student
    keeps their name, time zone and consent. For callers that cannot prove who typed the details (a
    public form, even a confirmed one: the owner of the address confirmed their place, not the name).
    """
    now = now or timezone.now()
    email = normalize_email(email)
    first_name, last_name = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    for field, name in (("first_name", first_name), ("last_name", last_name)):
        if problem := name_problem(name):
            raise ValidationError({field: problem})
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            raise ValidationError({"time_zone": exc.messages}) from None
    student = Student.objects.select_for_update().filter(email__iexact=email).first()
    created = False
    if student is None:
        try:
            with transaction.atomic():  # another request may create the same address meanwhile
                Student.objects.create(email=email, created_at=now)
                created = True
        except IntegrityError:
            pass
        student = Student.objects.select_for_update().get(email__iexact=email)
    if keep_existing and not created:
        return student
    if first_name:
        student.first_name = first_name[:100]
    if last_name:
        student.last_name = last_name[:100]
    if time_zone:
        student.time_zone = time_zone
    if marketing_consent is not None and marketing_consent != student.marketing_consent:
        student.marketing_consent = marketing_consent
        student.marketing_consent_at = now
    student.save()
    return student


@transaction.atomic
def student_enroll(
    *,
    email: str,
    program: ProgramPage,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "",
    marketing_consent: bool | None = None,
    keep_existing: bool = False,
    cohort: str = "",
    starts_at: datetime | None = None,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> Enrollment:
    """The one entry point for "this person joins this program" (events API, import, simulator).

    ``keep_existing`` (see student_upsert): an existing student's name and consent are left as they are.
    """
    student = student_upsert(
        email=email,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        marketing_consent=marketing_consent,
        keep_existing=keep_existing,
        now=now,
    )
    return enrollment_create(
        student=student, program=program, cohort=cohort, starts_at=starts_at, actor=actor, reason=reason, now=now
    )


@transaction.atomic
def enrollment_create(
    *,
    student: Student,
    program: ProgramPage,
    cohort: str = "",
    starts_at: datetime | None = None,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> Enrollment:
    """Enroll once (a repeat returns the existing enrollment) and schedule the journey."""
    now = now or timezone.now()
    existing = Enrollment.objects.filter(student=student, program=program).first()
    if existing is not None:
        return existing
    starts_at = starts_at or now
    try:
        with transaction.atomic():  # a concurrent enrollment of the same pair wins; return it
            enrollment = Enrollment.objects.create(
                student=student,
                program=program,
                cohort=(cohort or f"{starts_at:%Y-%m}")[:60],
                stage=Stage.ENROLLED,
                enrolled_at=now,
                starts_at=starts_at,
            )
    except IntegrityError:
        return Enrollment.objects.get(student=student, program=program)
    JourneyEvent.objects.create(
        student=student,
        enrollment=enrollment,
        program=program,
        kind=EngineEvent.ENROLLED,
        to_stage=Stage.ENROLLED,
        reason=reason or f"enrolled in cohort {enrollment.cohort}",
        actor=actor,
        occurred_at=now,
        data={"cohort": enrollment.cohort, "starts_at": starts_at.isoformat()},
    )
    ScheduledAction.objects.bulk_create(journey_actions(enrollment=enrollment, program=program, now=now))
    if starts_at <= now:
        from campaigns import tasks  # tasks → engine → services: import here to keep the cycle lazy

        tasks.enqueue_advance(enrollment.pk)
    return enrollment


def student_email_queue(
    *,
    student: Student,
    program: ProgramPage | None,
    kind: str,
    idempotency_key: str,
    context: dict,
    now: datetime | None = None,
    send_after: datetime | None = None,
):
    """Queue an email to a student (about a program): their address, name and time zone, and the
    soft references the timeline and the message log use, filled in one place."""
    return message_queue(
        kind=kind,
        to_email=student.email,
        to_name=student.full_name,
        time_zone=student.time_zone,
        idempotency_key=idempotency_key,
        context=context,
        student_id=student.pk,
        program_id=program.pk if program else None,
        program_title=program.title if program else "",
        send_after=send_after,
        now=now,
    )


def journey_record(
    *,
    enrollment: Enrollment,
    kind: str,
    actor: str,
    reason: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> JourneyEvent:
    """A phase app reports what happened ("prompt completed", "support case opened") on the timeline."""
    event = JourneyEvent.objects.create(
        student_id=enrollment.student_id,
        enrollment=enrollment,
        program_id=enrollment.program_id,
        kind=kind,
        reason=reason[:255],
        actor=actor[:150],
        occurred_at=now or timezone.now(),
        data=data or {},
    )
    signals.event_recorded.send(sender=JourneyEvent, event=event)
    return event


@transaction.atomic
def student_sign_out_everywhere(*, student: Student, actor: str, now: datetime | None = None) -> Student:
    """Revoke every personal link the student holds ("sign out everywhere"): their link version goes
    up, so tokens signed with the old one are refused; the next emailed link works. A student-level
    journey event (no enrollment: it concerns every program) says who did it and when."""
    now = now or timezone.now()
    locked = Student.objects.select_for_update().get(pk=student.pk)
    locked.link_version += 1
    locked.links_revoked_at = now
    Student.objects.filter(pk=locked.pk).update(link_version=locked.link_version, links_revoked_at=now)
    JourneyEvent.objects.create(
        student=locked,
        kind=EngineEvent.LINKS_REVOKED,
        reason="signed out everywhere: every personal link sent so far stops working",
        actor=actor[:150],
        occurred_at=now,
        data={"link_version": locked.link_version},
    )
    return locked


def journey_record_many(*, events: list[tuple[Enrollment, dict]], kind: str, actor: str, now: datetime) -> None:
    """The same kind of event for many enrollments at once (the tick's handlers): one INSERT per 1,000."""
    JourneyEvent.objects.bulk_create(
        [
            JourneyEvent(
                student_id=enrollment.student_id,
                enrollment=enrollment,
                program_id=enrollment.program_id,
                kind=kind,
                reason=str(fields.get("reason", ""))[:255],
                actor=actor,
                occurred_at=now,
                data=fields.get("data", {}),
            )
            for enrollment, fields in events
        ],
        batch_size=1000,
    )


def actions_schedule(*, actions: list[ScheduledAction]) -> None:
    """Phase apps schedule their own steps; a step already scheduled for the enrollment is left alone."""
    ScheduledAction.objects.bulk_create(actions, batch_size=1000, ignore_conflicts=True)


def journey_schedule(*, program: ProgramPage, starts_at: datetime) -> list[dict]:
    """The foundation's schedule for an enrollment starting at ``starts_at``: start, each milestone's
    day-offset fallback, graduation; each step's ``kind``, ``key``, ``due_at`` and ``payload``.

    One enrollment gets them as rows (``journey_actions``), many at once as one ``INSERT … SELECT``
    per step (``bulk.enroll_chunk``).
    """
    steps = [{"kind": ACTION_START, "key": ACTION_START, "due_at": starts_at, "payload": {}}]
    for milestone in program.ordered_milestones:
        if milestone.day_offset is not None:
            steps.append(
                {
                    "kind": ACTION_MILESTONE,
                    "key": f"{ACTION_MILESTONE}:{milestone.pk}",
                    "due_at": starts_at + timedelta(days=milestone.day_offset),
                    "payload": {"milestone_id": milestone.pk},
                }
            )
    steps.append(
        {
            "kind": ACTION_COMPLETE,
            "key": ACTION_COMPLETE,
            "due_at": starts_at + timedelta(days=program.duration_days),
            "payload": {},
        }
    )
    return steps


def journey_actions(*, enrollment: Enrollment, program: ProgramPage, now: datetime) -> list[ScheduledAction]:
    """The foundation's schedule for one enrollment, as rows to create."""
    return [
        ScheduledAction(enrollment=enrollment, created_at=now, **step)
        for step in journey_schedule(program=program, starts_at=enrollment.starts_at)
    ]


@transaction.atomic
def enrollment_change_stage(
    *,
    enrollment: Enrollment,
    to_stage: str,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> Enrollment:
    """Move one enrollment to ``to_stage`` (an admin's correction, an API event) and record why."""
    now = now or timezone.now()
    if to_stage not in Stage.values:
        raise ValidationError({"stage": f"{to_stage!r} is not a stage."})
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.stage == to_stage:
        raise ValidationError({"stage": f"The enrollment is already {locked.get_stage_display().lower()}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the stage changes; it goes on the student's timeline."})
    changed = enrollments_change_stage(
        enrollment_ids=[locked.pk], from_stage=locked.stage, to_stage=to_stage, actor=actor, reason=reason, now=now
    )
    enrollment.refresh_from_db()
    assert changed == [locked.pk]
    return enrollment


def enrollments_change_stage(
    *,
    enrollment_ids: Iterable[int],
    from_stage: str,
    to_stage: str,
    actor: str,
    reason: str,
    now: datetime,
    data: dict | None = None,
) -> list[int]:
    """Move every listed enrollment still in ``from_stage`` to ``to_stage``, one event each.

    Set-based so the tick can move thousands per query; the ``from_stage`` filter makes a
    repeat (a second tick, a retried task) change nothing. Call inside a transaction.
    """
    ids = list(
        Enrollment.objects.select_for_update()
        .filter(pk__in=list(enrollment_ids), stage=from_stage)
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    # Events first: they copy student/program from the rows still in ``from_stage``.
    JourneyEvent.objects.insert_stage_changes(
        enrollment_ids=ids,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        actor=actor,
        now=now,
        data=data or {},
    )
    fields = {"stage": to_stage, "updated_at": now}
    if to_stage == Stage.COMPLETED:
        fields["completed_at"] = now
    Enrollment.objects.filter(pk__in=ids, stage=from_stage).update(**fields)
    signals.stages_changed.send(
        sender=Enrollment, enrollment_ids=ids, from_stage=from_stage, to_stage=to_stage, now=now
    )
    return ids


@transaction.atomic
def enrollment_record_milestone(
    *,
    enrollment: Enrollment,
    milestone: Milestone,
    source: str,
    actor: str,
    now: datetime | None = None,
) -> MilestoneReached:
    """The student reached ``milestone`` (idempotent: a repeat returns the first record)."""
    now = now or timezone.now()
    if milestone.program_id != enrollment.program_id:
        raise ValidationError({"milestone": f"{milestone.slug!r} is not a milestone of {enrollment.program.title}."})
    existing = MilestoneReached.objects.filter(enrollment=enrollment, milestone=milestone).first()
    if existing is not None:
        return existing
    if enrollment.stage == Stage.WITHDRAWN:
        raise ValidationError({"enrollment": "The student has withdrawn from this program."})
    if enrollment.stage == Stage.ENROLLED:
        enrollments_change_stage(
            enrollment_ids=[enrollment.pk],
            from_stage=Stage.ENROLLED,
            to_stage=Stage.ACTIVE,
            actor=actor,
            reason=f"reached {milestone.title!r} before the scheduled start",
            now=now,
        )
    milestones_cancel_fallbacks(pairs=[(enrollment.pk, milestone.pk)], now=now)
    reached = milestones_record_reached(pairs=[(enrollment.pk, milestone.pk)], source=source, actor=actor, now=now)
    return reached[0]


def milestones_cancel_fallbacks(*, pairs: Iterable[tuple[int, int]], now: datetime) -> None:
    """The platform reported these (enrollment, milestone) pairs, so their day-offset fallbacks must not fire
    later: one UPDATE per milestone."""
    by_milestone: dict[int, list[int]] = {}
    for e, m in pairs:
        by_milestone.setdefault(m, []).append(e)
    for m, enrollment_ids in by_milestone.items():
        ScheduledAction.objects.filter(
            enrollment_id__in=enrollment_ids, key=f"{ACTION_MILESTONE}:{m}", status=ActionStatus.PENDING
        ).update(status=ActionStatus.CANCELLED, done_at=now)


def enrollments_record_milestones(
    *, pairs: list[tuple[int, int]], source: str, actors: dict[int, str], now: datetime
) -> set[int]:
    """``enrollment_record_milestone`` for many enrollments at once (the events API's batch pass), each event
    in the name of its own sender (``actors``: enrollment id -> actor). Only for enrollments past their
    start: returns the ones that were not active or graduated when locked (not started, withdrawn), which
    the caller takes one at a time, as they need a stage change or an error."""
    enrollment_ids = {e for e, _ in pairs}
    ready = set(
        Enrollment.objects.select_for_update()
        .filter(pk__in=enrollment_ids, stage__in=[Stage.ACTIVE, Stage.COMPLETED])
        .values_list("pk", flat=True)
    )
    already = set(MilestoneReached.objects.filter(enrollment_id__in=ready).values_list("enrollment_id", "milestone_id"))
    fresh = [(e, m) for e, m in dict.fromkeys(pairs) if e in ready and (e, m) not in already]
    milestones_cancel_fallbacks(pairs=fresh, now=now)
    milestones_record_reached(pairs=fresh, source=source, actor="", actors=actors, now=now)
    return enrollment_ids - ready


def milestones_record_reached(
    *, pairs: list[tuple[int, int]], source: str, actor: str, now: datetime, actors: dict[int, str] | None = None
) -> list[MilestoneReached]:
    """Record (enrollment, milestone) pairs not yet reached, one event each; returns the new rows.
    ``actors``: one sender per enrollment (the events API), in place of ``actor``."""
    if not pairs:
        return []
    enrollment_ids = {e for e, _ in pairs}
    # Lock the enrollments first: a platform report and the schedule's fallback for the same
    # milestone then run one after the other, and the second sees the first's row.
    owners = {
        pk: (student_id, program_id)
        for pk, student_id, program_id in Enrollment.objects.select_for_update()
        .filter(pk__in=enrollment_ids)
        .exclude(stage=Stage.WITHDRAWN)
        .values_list("pk", "student_id", "program_id")
    }
    live = set(owners)
    already = set(
        MilestoneReached.objects.filter(enrollment_id__in=enrollment_ids).values_list("enrollment_id", "milestone_id")
    )
    fresh = [(e, m) for e, m in dict.fromkeys(pairs) if (e, m) not in already and e in live]
    if not fresh:
        return []
    milestones = {m.pk: m for m in Milestone.objects.filter(pk__in={m for _, m in fresh})}
    by_milestone: dict[int, list[int]] = {}
    for e, m in fresh:
        by_milestone.setdefault(m, []).append(e)
    # Set-based, one milestone at a time: the tick's fallbacks and an import reach thousands at once.
    for m, ids in by_milestone.items():
        MilestoneReached.objects.insert_for_enrollments(
            enrollment_ids=ids, milestone_id=m, reached_at=now, source=source
        )
        reason = f"reached {milestones[m].title!r} ({source})"
        data = {"milestone": milestones[m].slug, "milestone_id": m, "source": source}
        if actors:
            # One sender per enrollment: the same rows, one executemany instead of a SELECT.
            JourneyEvent.objects.insert_rows(
                rows=[
                    {
                        "student": owners[e][0],
                        "enrollment": e,
                        "program": owners[e][1],
                        "kind": str(EngineEvent.MILESTONE_REACHED),
                        "reason": reason[:255],
                        "actor": actors.get(e, actor)[:150],
                        "occurred_at": now,
                        "data": data,
                    }
                    for e in ids
                ],
            )
        else:
            JourneyEvent.objects.insert_for_enrollments(
                enrollment_ids=ids,
                kind=EngineEvent.MILESTONE_REACHED,
                reason=reason,
                actor=actor,
                now=now,
                data=data,
            )
    order = {pair: i for i, pair in enumerate(fresh)}
    created = sorted(
        (
            r
            for r in MilestoneReached.objects.filter(enrollment_id__in={e for e, _ in fresh})
            if (r.enrollment_id, r.milestone_id) in order
        ),
        key=lambda r: order[(r.enrollment_id, r.milestone_id)],
    )
    signals.milestones_reached.send(sender=MilestoneReached, reached=created, now=now)
    return created


@transaction.atomic
def enrollment_graduate(*, enrollment: Enrollment, actor: str, reason: str = "", now: datetime | None = None):
    """Staff say the student graduated (finished early, or the platform never told us): the same stage
    change the schedule makes, so every phase that starts at graduation starts."""
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.stage == Stage.COMPLETED:
        raise ValidationError({"stage": "This enrollment has graduated already."})
    if locked.stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": "This student withdrew from the program; they cannot graduate from it."})
    return enrollment_change_stage(
        enrollment=locked, to_stage=Stage.COMPLETED, actor=actor, reason=reason or "graduated", now=now
    )


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, actor: str, reason: str = "", now: datetime | None = None):
    """The student leaves the program: no more milestones, prompts or asks for it (every phase checks
    the stage); their other programs are untouched."""
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.stage == Stage.WITHDRAWN:
        raise ValidationError({"stage": "This enrollment is withdrawn already."})
    return enrollment_change_stage(
        enrollment=locked, to_stage=Stage.WITHDRAWN, actor=actor, reason=reason or "withdrew", now=now
    )


# The kind campaigns/views.py registers ("a fresh link to the student's hub"): named here, not imported,
# because services sit below the views.
HUB_LINK_KIND = "hub_link"


@transaction.atomic
def student_hub_link_send(*, student: Student, actor: str, now: datetime | None = None) -> JourneyEvent:
    """Email the student a fresh personal link (staff resending it on request), and say so on their
    timeline. A student-level event: the hub serves every program."""
    now = now or timezone.now()
    token = links.hub_token(student)
    student_email_queue(
        student=student,
        program=None,
        kind=HUB_LINK_KIND,
        idempotency_key=f"hub-link:{student.pk}:{token}",
        context={"hub_url": absolute(links.page_path(token))},  # the very token the key names
        now=now,
    )
    return JourneyEvent.objects.create(
        student=student,
        kind=EngineEvent.HUB_LINK_SENT,
        reason="a fresh personal link was emailed",
        actor=actor[:150],
        occurred_at=now,
        data={},
    )
