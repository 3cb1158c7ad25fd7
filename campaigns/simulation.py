"""A synthetic cohort driven through the real engine, for demos, tuning and regression checks.

Students enroll through the same service the events API uses; simulated time advances one
day at a time, the course platform's events (milestones reached early, withdrawals) are
fed through the services, and the engine's tick does everything else. Nothing is shortcut:
the funnel is read back from the journey the engine recorded.

Real students are never touched. Simulated time runs weeks ahead of the clock, so an
unrestricted tick would graduate, ask and email every real student whose steps fall due in
that window: each simulated tick runs on the simulated people's enrollments only, and the
behaviours act only on the cohort. Every simulated person (students, and the friends who
register through their links) is marked ``Student.simulated``: the queues and counts leave
them out. A kept run is a finished snapshot: at its end the simulated people's remaining
steps are cancelled and their unsent messages withheld, so no later tick or sender pass
ever emails them (or the team about them). During the run the mailer is left as it is, so
the funnel is what the engine would really do.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from campaigns import engine, selectors, services
from campaigns.choices import Stage
from campaigns.models import ActionStatus, Enrollment, ProgramPage, ScheduledAction, Student
from mailers import services as mail

SIMULATOR_ACTOR = "simulator"
TAIL_DAYS = 21

# What simulated students do in the phase apps (complete a prompt, give feedback...):
# ``behaviour(program=, cohort=, day=, now=, rng=)`` registered from AppConfig.ready() runs once
# per simulated day, after the platform's events and before the tick.
_BEHAVIOURS: list[Callable] = []
# The simulated people a phase app brings to a cohort besides its students (the friends graduates'
# links bring): ``brought(cohort=) -> (student_ids, emails)``, querysets of ``student_id`` and of
# ``email`` values, read afresh on every tick. The ticks act on those students' enrollments too, and the
# end of the run withholds what is left to send to those addresses. Registered from AppConfig.ready().
_BROUGHT: list[Callable] = []


# (cohort, kind) -> {item id: whether it will never be answered}, decided the first time it is seen.
_NEVER: dict[tuple[str, str], dict[int, bool]] = {}


def never_answers(*, cohort: str, kind: str, item_id: int, rng: random.Random, share: float) -> bool:
    """Whether this simulated prompt/request will never be answered: drawn once, in the order items are
    first seen (creation order), from the run's random stream, so the same seed repeats."""
    decided = _NEVER.setdefault((cohort, kind), {})
    if item_id not in decided:
        decided[item_id] = rng.random() < share
    return decided[item_id]


def person_mark_simulated(*, email: str) -> None:
    """A simulated person's student (if the address has one yet): in no queue and no count."""
    Student.objects.filter(email__iexact=email).update(simulated=True)


def register_behaviour(behaviour: Callable) -> None:
    if behaviour not in _BEHAVIOURS:
        _BEHAVIOURS.append(behaviour)


def register_brought_people(brought: Callable) -> None:
    if brought not in _BROUGHT:
        _BROUGHT.append(brought)


class Rollback(Exception):
    """Raised to undo a simulation that should leave no trace in the database."""


@dataclass
class SimulationResult:
    program: str
    students: int
    cohort: str
    stages: dict[str, int]
    ticks: int
    processed: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"program": self.program, "students": self.students, "stages": self.stages}


@dataclass
class _Plan:
    """What one synthetic student's course platform will report, by simulated day."""

    platform_milestones: dict[int, list[int]]  # day -> milestone ids reported that day
    withdraw_on: int | None


def simulate_cohort(
    *, program: ProgramPage, students: int, seed: int, keep: bool = False, start: datetime | None = None
) -> SimulationResult:
    rng = random.Random(seed)
    start = (start or timezone.now()).replace(microsecond=0)
    run = uuid.uuid4().hex[:8]
    cohort = f"sim-{seed}-{run}"
    result: SimulationResult | None = None
    try:
        with transaction.atomic():
            result = _run(program=program, students=students, rng=rng, start=start, run=run, cohort=cohort)
            if not keep:
                raise Rollback
    except Rollback:
        pass
    assert result is not None
    return result


def _run(*, program, students, rng, start, run, cohort) -> SimulationResult:
    milestones = program.ordered_milestones
    starts_at = start + timedelta(days=1)  # the cohort starts tomorrow: the tick activates it
    plans: dict[int, _Plan] = {}
    for i in range(students):
        email = f"sim.{run}.{i}@example.test"  # example.test: reserved, undeliverable (RFC 2606)
        if Student.objects.filter(email__iexact=email).exists():
            raise RuntimeError(f"{email} already belongs to a student; a simulation only creates its own")
        enrollment = services.student_enroll(
            email=email,
            program=program,
            first_name=f"Student{i}",
            time_zone=rng.choice(["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]),
            marketing_consent=rng.random() < 0.9,
            cohort=cohort,
            starts_at=starts_at,
            actor=SIMULATOR_ACTOR,
            now=start,
        )
        person_mark_simulated(email=email)
        plans[enrollment.pk] = _plan_student(rng=rng, milestones=milestones, duration=program.duration_days)
    # The simulated people the ticks may act on: this cohort, and the friends its graduates bring.
    brought = [people(cohort=cohort) for people in _BROUGHT]
    ours = models.Q(cohort=cohort)
    for student_ids, _ in brought:
        ours |= models.Q(student_id__in=student_ids)
    mine = Enrollment.objects.filter(student__simulated=True).filter(ours)

    # Three weeks past graduation: feedback, testimonials and asks happen after the program.
    last_day = program.duration_days + TAIL_DAYS
    processed: dict[str, int] = {}
    ticks = 0
    for day in range(0, last_day + 1):
        now = start + timedelta(days=day, hours=12)
        _platform_events(day=day, plans=plans, milestones={m.pk: m for m in milestones}, now=now)
        for behaviour in _BEHAVIOURS:
            behaviour(program=program, cohort=cohort, day=day, now=now, rng=rng)
        for kind, count in engine.tick(now=now, enrollments=mine).items():
            processed[kind] = processed.get(kind, 0) + count
        ticks += 1
    _settle(enrollments=mine, emails=[emails for _, emails in brought])
    return SimulationResult(
        program=program.slug,
        students=students,
        cohort=cohort,
        stages=selectors.program_funnel(program=program, cohort=cohort, include_simulated=True),
        ticks=ticks,
        processed=processed,
    )


def _settle(*, enrollments, emails: list) -> None:
    """The end of the run: what is left of the simulated people's journeys never happens for real.
    ``emails``: querysets of the addresses of the people phase apps brought (see register_brought_people)."""
    ScheduledAction.objects.filter(enrollment__in=enrollments, status=ActionStatus.PENDING).update(
        status=ActionStatus.CANCELLED, error="simulated student: the simulation is over"
    )
    first, *others = emails or [None]
    mail.messages_withhold(
        student_ids=enrollments.values("student_id"), to_emails=first, reason="simulated person: never sent"
    )
    for addresses in others:
        mail.messages_withhold(to_emails=addresses, reason="simulated person: never sent")


def _plan_student(*, rng: random.Random, milestones, duration: int) -> _Plan:
    """Most students keep going; some withdraw; the platform reports some milestones early."""
    withdraw_on = rng.randint(2, duration) if rng.random() < 0.12 else None
    reported: dict[int, list[int]] = {}
    previous_day = 1
    for milestone in milestones:
        scheduled = milestone.day_offset
        if scheduled is None:
            # No fallback schedule: only the platform can report it (and some never get there).
            if rng.random() < 0.8:
                day = rng.randint(previous_day, duration)
                reported.setdefault(day, []).append(milestone.pk)
                previous_day = day
            continue
        if rng.random() < 0.3 and scheduled > previous_day:
            day = rng.randint(previous_day, scheduled)
            reported.setdefault(day, []).append(milestone.pk)
        previous_day = max(previous_day, scheduled)
    return _Plan(platform_milestones=reported, withdraw_on=withdraw_on)


def _platform_events(*, day: int, plans: dict[int, _Plan], milestones: dict, now: datetime) -> None:
    for enrollment_id, plan in plans.items():
        if plan.withdraw_on == day:
            enrollment = Enrollment.objects.get(pk=enrollment_id)
            if enrollment.stage in (Stage.ENROLLED, Stage.ACTIVE):
                services.enrollment_change_stage(
                    enrollment=enrollment,
                    to_stage=Stage.WITHDRAWN,
                    actor=SIMULATOR_ACTOR,
                    reason="left the program (simulated platform event)",
                    now=now,
                )
        for milestone_id in plan.platform_milestones.get(day, []):
            enrollment = Enrollment.objects.get(pk=enrollment_id)
            if enrollment.stage != Stage.WITHDRAWN:
                services.enrollment_record_milestone(
                    enrollment=enrollment,
                    milestone=milestones[milestone_id],
                    source="platform",
                    actor=SIMULATOR_ACTOR,
                    now=now,
                )
