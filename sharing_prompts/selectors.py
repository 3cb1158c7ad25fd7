"""Reads: a student's prompts, and how prompts are doing per program, milestone and cohort."""

import statistics
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sharing_prompts.models import PromptDelivery


def student_prompts(*, student_id: int) -> list[PromptDelivery]:
    """The student's prompts, open ones first, newest first within each group."""
    deliveries = list(PromptDelivery.objects.filter(student_id=student_id).select_related("program"))
    return sorted(deliveries, key=lambda d: (d.completed_at is not None, -d.prompted_at.timestamp()))


def delivery_for_student(*, student_id: int, delivery_id: int) -> PromptDelivery | None:
    """The prompt only if it is this student's: another student's id finds nothing."""
    return PromptDelivery.objects.select_related("program").filter(pk=delivery_id, student_id=student_id).first()


@dataclass(frozen=True)
class PromptStats:
    program_title: str
    milestone: str
    prompted: int
    completed: int
    people_reached: int
    median_time_to_complete: timedelta | None

    @property
    def completion_rate(self) -> float:
        return round(100.0 * self.completed / self.prompted, 1) if self.prompted else 0.0

    @property
    def median_label(self) -> str:
        median = self.median_time_to_complete
        if median is None:
            return "—"
        hours = median.total_seconds() / 3600
        return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def prompt_stats(
    *, program_id: int | None = None, program_ids: Collection[int] | None = None, cohort: str = ""
) -> list[PromptStats]:
    """One row per (program, milestone), then a total row per program (milestone "All milestones").

    ``program_ids`` limits the rows to those programs (the ones the reader may see)."""
    deliveries = PromptDelivery.objects.exclude(student__simulated=True)  # simulate_cohort's people count nowhere
    if program_id:
        deliveries = deliveries.filter(program_id=program_id)
    if program_ids is not None:
        deliveries = deliveries.filter(program_id__in=list(program_ids))
    if cohort:
        deliveries = deliveries.filter(cohort=cohort)
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    rows = deliveries.order_by("program__title", "milestone_slug").values_list(
        "program__title", "milestone_title", "prompted_at", "completed_at", "people_count"
    )
    for program_title, milestone_title, prompted_at, completed_at, people in rows.iterator(chunk_size=5000):
        entry = (prompted_at, completed_at, people)
        groups[(program_title, milestone_title)].append(entry)
        groups[(program_title, "")].append(entry)
    stats = [
        _stats(program, milestone or "All milestones", entries) for (program, milestone), entries in groups.items()
    ]
    # Per program: its milestones, then its total.
    return sorted(stats, key=lambda s: (s.program_title, s.milestone == "All milestones"))


def _stats(program_title: str, milestone: str, entries: list[tuple]) -> PromptStats:
    done = [(prompted, completed, people) for prompted, completed, people in entries if completed is not None]
    durations = [completed - prompted for prompted, completed, _ in done]
    return PromptStats(
        program_title=program_title,
        milestone=milestone,
        prompted=len(entries),
        completed=len(done),
        people_reached=sum(people or 0 for _, _, people in done),
        median_time_to_complete=statistics.median(durations) if durations else None,
    )


def cohorts(*, program_id: int | None = None, program_ids: Collection[int] | None = None) -> list[str]:
    deliveries = PromptDelivery.objects.exclude(student__simulated=True)  # simulate_cohort's people count nowhere
    if program_id:
        deliveries = deliveries.filter(program_id=program_id)
    if program_ids is not None:
        deliveries = deliveries.filter(program_id__in=list(program_ids))
    return list(deliveries.order_by("cohort").values_list("cohort", flat=True).distinct())
