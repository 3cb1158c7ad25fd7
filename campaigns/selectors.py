"""Reads: mission progress, a student's timeline, a program's funnel."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from campaigns.events import EngineEvent
from campaigns.figures import figure
from campaigns.models import Enrollment, JourneyEvent, MilestoneReached, ProgramPage, Stage, Student

# Funnel steps phase apps add (label, journey event kind), registered from AppConfig.ready();
# the funnel counts enrollments with at least one such event. ``position`` orders them in the
# journey: below GRADUATION they come before "completed" (prompts), from it on after (feedback,
# testimonials, asks).
# A step may instead have a ``counter(enrollments) -> int`` (e.g. link clicks, which are not events).
GRADUATION = 20
_FUNNEL_STEPS: list[tuple[int, str, str, object]] = []


def register_funnel_step(label: str, event_kind: str = "", *, position: int, counter=None) -> None:
    if all(existing != label for _, existing, _, _ in _FUNNEL_STEPS):
        _FUNNEL_STEPS.append((position, label, event_kind, counter))
        _FUNNEL_STEPS.sort(key=lambda step: step[0])


@dataclass(frozen=True)
class MissionProgress:
    statement: str
    goal: int
    unit: str
    deadline: date
    reached: int

    @property
    def percent(self) -> float:
        return min(100.0, round(100.0 * self.reached / self.goal, 1)) if self.goal else 0.0

    def sentence(self) -> str:
        """e.g. "We are out to help 1,000,000 families … by December 2030. 412,300 families so far." """
        return f"We are out to {self.statement} by {self.deadline:%B %Y}. {self.reached:,} {self.unit} so far."

    def figures(self) -> str:
        return f"{figure(self.reached)} of {figure(self.goal)} {self.unit} ({figure(self.percent)}%)"


# Set only by the dashboard and its door lists when staff ask to see the simulated cohorts (the demo,
# simulate_cohort --keep) beside the real ones; nothing that sends, and no public page, ever sets it.
_COUNTING_SIMULATED: ContextVar[bool] = ContextVar("counting_simulated", default=False)


@contextmanager
def counting_simulated(include: bool = True) -> Iterator[None]:
    """Within the block, ``simulated_students()`` excludes nobody: the reads count simulated students too."""
    token = _COUNTING_SIMULATED.set(include)
    try:
        yield
    finally:
        _COUNTING_SIMULATED.reset(token)


def simulated_students():
    """The simulated students' ids as a subquery: few, behind a partial index, so ``exclude(student_id__in=
    simulated_students())`` reads a handful of rows where joining every student to read its flag reads
    them all (the dashboard's counts, the program page's mission). Inside ``counting_simulated()``: none."""
    if _COUNTING_SIMULATED.get():
        return Student.objects.none().values("pk")
    return Student.objects.filter(simulated=True).values("pk")


def program_mission_progress(*, program: ProgramPage) -> MissionProgress:
    """The starting count plus every student who joined and did not withdraw."""
    joined = (
        Enrollment.objects.filter(program_id=program.pk)
        .exclude(stage=Stage.WITHDRAWN)
        .exclude(student_id__in=simulated_students())  # simulate_cohort's students advance no mission
        .count()
    )
    return MissionProgress(
        statement=program.mission_statement,
        goal=program.mission_goal,
        unit=program.mission_unit,
        deadline=program.mission_deadline,
        reached=program.mission_start_count + joined,
    )


def student_timeline(*, student: Student) -> QuerySet[JourneyEvent]:
    """Every event of the student, newest first, across programs."""
    return JourneyEvent.objects.filter(student=student).select_related("program").order_by("-occurred_at", "-id")


def student_messages(*, student: Student):
    """Every email queued for the student, newest first (mailers keeps a soft reference)."""
    from mailers.models import Message

    return Message.objects.filter(student_id=student.pk).order_by("-created_at", "-id")


def program_funnel(
    *, program: ProgramPage, cohort: str | None = None, include_simulated: bool = False
) -> dict[str, int]:
    """How many enrollments ever reached each stage (and each milestone), in journey order.

    Simulated students (``simulate_cohort``) count only when asked for: the simulator reads its own."""
    enrollments = Enrollment.objects.filter(program=program)
    if not include_simulated:
        enrollments = enrollments.exclude(student__simulated=True)
    if cohort:
        enrollments = enrollments.filter(cohort=cohort)
    funnel: dict[str, int] = {Stage.ENROLLED.value: enrollments.count()}
    reached_stage = dict(
        JourneyEvent.objects.filter(enrollment__in=enrollments, kind=EngineEvent.STAGE_CHANGED)
        .values("to_stage")
        .annotate(n=Count("enrollment", distinct=True))
        .values_list("to_stage", "n")
    )
    funnel[Stage.ACTIVE.value] = reached_stage.get(Stage.ACTIVE.value, 0)
    per_milestone = dict(
        MilestoneReached.objects.filter(enrollment__in=enrollments)
        .values("milestone_id")
        .annotate(n=Count("id"))
        .values_list("milestone_id", "n")
    )
    for milestone in program.ordered_milestones:
        funnel[f"milestone:{milestone.slug}"] = per_milestone.get(milestone.pk, 0)
    per_kind = dict(
        JourneyEvent.objects.filter(enrollment__in=enrollments, kind__in=[kind for _, _, kind, _ in _FUNNEL_STEPS])
        .values("kind")
        .annotate(n=Count("enrollment", distinct=True))
        .values_list("kind", "n")
    )
    for position, label, kind, counter in _FUNNEL_STEPS:
        if position < GRADUATION:
            funnel[label] = counter(enrollments) if counter else per_kind.get(kind, 0)
    funnel[Stage.COMPLETED.value] = reached_stage.get(Stage.COMPLETED.value, 0)
    for position, label, kind, counter in _FUNNEL_STEPS:
        if position >= GRADUATION:
            funnel[label] = counter(enrollments) if counter else per_kind.get(kind, 0)
    funnel[Stage.WITHDRAWN.value] = reached_stage.get(Stage.WITHDRAWN.value, 0)
    return funnel
