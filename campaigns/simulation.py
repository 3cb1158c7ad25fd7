"""A synthetic cohort driven through the real engine, for demos, tuning and regression checks.

Students enroll through the same service the events API uses; simulated time advances one
day at a time, the course platform's events (milestones reached early, withdrawals) are
fed through the services (or, ``--via api``, posted signed to the events API and processed as its
worker would: ``integrations/simulation.py``), and the engine's tick does everything else. Nothing is shortcut:
the funnel is read back from the journey the engine recorded. The phase apps' behaviours get the platform
too, so the friends' purchases and refunds (``referrals/simulation.py``) are the platform's events, and
they add their own report beside the funnel (the friends' conversions) and the days they need past the
tail (the refund hold).

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

# What simulated students do in the phase apps (complete a prompt, give feedback, friends buy...):
# ``behaviour(program=, cohort=, day=, now=, rng=, platform=)`` registered from AppConfig.ready() runs once
# per simulated day, after the platform's events and before the tick (``platform`` reports what a course
# platform would: a friend's purchase goes through it when it has ``purchase``).
_BEHAVIOURS: list[Callable] = []
# How many days a phase app needs past the tail (referrals: the refund hold, so some are released):
# ``extra_days(program=) -> int``; the run lasts for the longest.
_EXTRA_DAYS: list[Callable] = []
# What a phase app adds to the result besides the funnel: ``report(cohort=) -> (name, dict)``, read once
# at the end of the run (before a rollback), printed by the command and in ``--json``.
_REPORTS: list[Callable] = []
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


def register_extra_days(extra_days: Callable) -> None:
    if extra_days not in _EXTRA_DAYS:
        _EXTRA_DAYS.append(extra_days)


def register_report(report: Callable) -> None:
    if report not in _REPORTS:
        _REPORTS.append(report)


def run_days(program: ProgramPage) -> int:
    """How many simulated days past the first a run lasts: three weeks past graduation (feedback, testimonials
    and asks happen after the program), and what the phase apps need past that (register_extra_days)."""
    return program.duration_days + TAIL_DAYS + max([extra(program=program) for extra in _EXTRA_DAYS] or [0])


def student_address(*, run: str, index: int) -> str:
    """A simulated student's address, never a real inbox. Most are ``@example.test`` (reserved, RFC 2606);
    every other one is at Gmail, so the dotted-Gmail self-referral can be tried, with hyphens and more than 30
    characters: Gmail allows neither in a username, so no such inbox exists there."""
    if index % 2:
        return f"sim-{run}-{index}-not-a-real-inbox@gmail.com"
    return f"sim.{run}.{index}@example.test"


class ServicesPlatform:
    """The course platform's reports, fed straight to the engine's services (the default)."""

    def enroll(self, *, email, program, first_name, time_zone, marketing_consent, cohort, starts_at, now):
        return services.student_enroll(
            email=email,
            program=program,
            first_name=first_name,
            time_zone=time_zone,
            marketing_consent=marketing_consent,
            cohort=cohort,
            starts_at=starts_at,
            actor=SIMULATOR_ACTOR,
            now=now,
        )

    def withdraw(self, *, enrollment, now):
        services.enrollment_change_stage(
            enrollment=enrollment,
            to_stage=Stage.WITHDRAWN,
            actor=SIMULATOR_ACTOR,
            reason="left the program (simulated platform event)",
            now=now,
        )

    def milestone(self, *, enrollment, milestone, now):
        services.enrollment_record_milestone(
            enrollment=enrollment, milestone=milestone, source="platform", actor=SIMULATOR_ACTOR, now=now
        )


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
    reports: dict[str, dict] = field(default_factory=dict)  # the phase apps' (register_report)

    def as_json(self) -> dict:
        return {"program": self.program, "students": self.students, "stages": self.stages, **self.reports}


@dataclass
class _Plan:
    """What one synthetic student's course platform will report, by simulated day."""

    platform_milestones: dict[int, list[int]]  # day -> milestone ids reported that day
    withdraw_on: int | None


def simulate_cohort(
    *,
    program: ProgramPage,
    students: int,
    seed: int,
    keep: bool = False,
    start: datetime | None = None,
    platform=None,
) -> SimulationResult:
    """``platform``: who reports enrollments, milestones and withdrawals (``ServicesPlatform`` by default;
    ``integrations.simulation.ApiPlatform`` posts them to the events API instead). Same seed, same funnel."""
    platform = platform or ServicesPlatform()
    rng = random.Random(seed)
    start = (start or timezone.now()).replace(microsecond=0)
    run = uuid.uuid4().hex[:8]
    cohort = f"sim-{seed}-{run}"
    result: SimulationResult | None = None
    if getattr(platform, "commits", False):
        # The platform is another process writing to this database (a server the events go to): one
        # transaction around the run would hold the rows (on SQLite, the whole database) it must write.
        if not keep:
            raise ValueError("a platform that commits what it is told cannot be rolled back: keep=True")
        return _run(program=program, students=students, rng=rng, start=start, run=run, cohort=cohort, platform=platform)
    try:
        with transaction.atomic():
            result = _run(
                program=program, students=students, rng=rng, start=start, run=run, cohort=cohort, platform=platform
            )
            if not keep:
                raise Rollback
    except Rollback:
        pass
    assert result is not None
    return result


def _run(*, program, students, rng, start, run, cohort, platform) -> SimulationResult:
    milestones = program.ordered_milestones
    starts_at = start + timedelta(days=1)  # the cohort starts tomorrow: the tick activates it
    plans: dict[int, _Plan] = {}
    for i in range(students):
        email = student_address(run=run, index=i)
        if Student.objects.filter(email__iexact=email).exists():
            raise RuntimeError(f"{email} already belongs to a student; a simulation only creates its own")
        enrollment = platform.enroll(
            email=email,
            program=program,
            first_name=f"Student{i}",
            time_zone=rng.choice(["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]),
            marketing_consent=rng.random() < 0.9,
            cohort=cohort,
            starts_at=starts_at,
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

    last_day = run_days(program)
    processed: dict[str, int] = {}
    ticks = 0
    for day in range(0, last_day + 1):
        now = start + timedelta(days=day, hours=12)
        _platform_events(platform, day=day, plans=plans, milestones={m.pk: m for m in milestones}, now=now)
        for behaviour in _BEHAVIOURS:
            behaviour(program=program, cohort=cohort, day=day, now=now, rng=rng, platform=platform)
        for kind, count in engine.tick(now=now, enrollments=mine).items():
            processed[kind] = processed.get(kind, 0) + count
        ticks += 1
    _settle(enrollments=mine, emails=[emails for _, emails in brought])
    reports = dict(report(cohort=cohort) for report in _REPORTS)
    return SimulationResult(
        program=program.slug,
        students=students,
        cohort=cohort,
        stages=selectors.program_funnel(program=program, cohort=cohort, include_simulated=True),
        ticks=ticks,
        processed=processed,
        reports=reports,
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


def _platform_events(platform, *, day: int, plans: dict[int, _Plan], milestones: dict, now: datetime) -> None:
    for enrollment_id, plan in plans.items():
        if plan.withdraw_on == day:
            enrollment = Enrollment.objects.get(pk=enrollment_id)
            if enrollment.stage in (Stage.ENROLLED, Stage.ACTIVE):
                platform.withdraw(enrollment=enrollment, now=now)
        for milestone_id in plan.platform_milestones.get(day, []):
            enrollment = Enrollment.objects.get(pk=enrollment_id)
            if enrollment.stage != Stage.WITHDRAWN:
                platform.milestone(enrollment=enrollment, milestone=milestones[milestone_id], now=now)
