"""Set-based enrollment of many people at once (CSV imports, benchmarks).

Writes the same rows ``services.student_enroll`` writes for one person (student, enrollment,
"enrolled" event, scheduled actions), in batches of one transaction each, and in a few statements
per batch whatever its size: the students in one ``executemany``, the rest as ``INSERT … SELECT``
on the managers (tests/campaigns/test_import_matches_services.py compares the two paths). Unlike
``student_enroll`` it queues no task to run a start that is due already: the next tick runs it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from campaigns.events import EngineEvent
from campaigns.models import Enrollment, JourneyEvent, ProgramPage, ScheduledAction, Stage, Student, validate_time_zone
from campaigns.names import name_problem
from campaigns.services import journey_schedule, normalize_email


def students_bulk_enroll(
    *,
    program: ProgramPage,
    people: Iterable[dict],
    cohort: str = "",
    starts_at: datetime | None = None,
    actor: str,
    now: datetime | None = None,
    batch: int = 2000,
) -> int:
    """Enroll many people at once (imports, benchmarks): the same rows ``student_enroll`` writes.

    ``people`` yields dicts with ``email`` and optionally ``first_name``, ``last_name``,
    ``time_zone``, ``marketing_consent``. Existing students are reused (their details left as
    they are), existing enrollments skipped. Each batch is one transaction. Returns how many
    enrollments were created.
    """
    now = now or timezone.now()
    starts_at = starts_at or now
    cohort = (cohort or f"{starts_at:%Y-%m}")[:60]
    created = 0
    chunk: list[dict] = []
    for person in people:
        chunk.append(person)
        if len(chunk) >= batch:
            created += len(
                enroll_chunk(
                    program=program, people=chunk, cohort=cohort, starts_at=starts_at, actor=actor, now=now
                ).enrolled
            )
            chunk = []
    if chunk:
        created += len(
            enroll_chunk(
                program=program, people=chunk, cohort=cohort, starts_at=starts_at, actor=actor, now=now
            ).enrolled
        )
    return created


@dataclass
class ChunkResult:
    """What one chunk did, by lower-cased address: who is new, who was enrolled now."""

    student_ids: dict[str, int] = field(default_factory=dict)  # every address of the chunk
    new_students: set[str] = field(default_factory=set)
    enrolled: dict[str, int] = field(default_factory=dict)  # address -> enrollment id created now


@transaction.atomic
def enroll_chunk(
    *,
    program: ProgramPage,
    people: list[dict],
    cohort: str,
    starts_at: datetime,
    actor: str,
    now: datetime,
    source: str = "",
    reason: str = "",
) -> ChunkResult:
    """One transaction: create the missing students and enrollments of ``people``.

    A person may carry its own ``cohort`` and ``starts_at`` (an import's columns); otherwise the
    call's apply. ``source`` (e.g. "import:12") is written on every "enrolled" event. Existing
    students keep their details; existing enrollments are left alone. ``reason`` replaces "enrolled in
    cohort …" on the "enrolled" events; a person's own ``actor`` (an event's sender) replaces ``actor``.
    """
    cohort = (cohort or f"{starts_at:%Y-%m}")[:60]
    by_email: dict[str, dict] = {}
    for person in people:
        email = normalize_email(person["email"])
        if person.get("time_zone"):
            validate_time_zone(person["time_zone"])
        for name_field in ("first_name", "last_name"):
            # The same rule as every other way in: an imported name reaches inboxes and pages too.
            if problem := name_problem(person.get(name_field) or ""):
                raise ValidationError({name_field: f"{email}: {problem}"})
        by_email.setdefault(email.lower(), {**person, "email": email})
    existing = _student_ids_by_lower_email(by_email)
    missing = [p for key, p in by_email.items() if key not in existing]
    result = ChunkResult()
    Student.objects.insert_new(
        rows=[
            {
                "email": p["email"],
                "first_name": (p.get("first_name") or "")[:100],
                "last_name": (p.get("last_name") or "")[:100],
                "time_zone": p.get("time_zone") or "UTC",
                "marketing_consent": consent(p.get("marketing_consent")),
                "marketing_consent_at": now if consent(p.get("marketing_consent")) else None,
                "created_at": now,
            }
            for p in missing
        ]
    )
    created_now = _student_ids_by_lower_email({p["email"].lower() for p in missing})
    existing.update(created_now)
    result.student_ids = existing
    result.new_students = set(created_now)
    already = set(
        Enrollment.objects.filter(program=program, student_id__in=existing.values()).values_list(
            "student_id", flat=True
        )
    )
    # One group per (cohort, start): every row of a group is the same constants, so the enrollments,
    # their "enrolled" events and each step of their schedule are one INSERT … SELECT per group.
    groups: dict[tuple[str, str], tuple[str, datetime, list[int]]] = {}
    for key, student_id in existing.items():
        if student_id not in already:
            person = by_email[key]
            group_cohort = (person.get("cohort") or cohort)[:60]
            group_start = person.get("starts_at") or starts_at
            groups.setdefault((group_cohort, group_start.isoformat()), (group_cohort, group_start, []))[2].append(
                student_id
            )
    emails_by_student = {student_id: key for key, student_id in existing.items()}
    for group_cohort, group_start, student_ids in groups.values():
        created = Enrollment.objects.insert_for_students(
            student_ids=student_ids, program_id=program.pk, cohort=group_cohort, starts_at=group_start, now=now
        )
        enrollment_ids = [pk for pk, _ in created]
        group_reason = reason or f"enrolled in cohort {group_cohort}"
        group_data = {
            "cohort": group_cohort,
            "starts_at": group_start.isoformat(),
            **({"source": source} if source else {}),
        }
        if any(by_email[emails_by_student[student_id]].get("actor") for _, student_id in created):
            # One sender per person (the events API): the same rows, one executemany instead of a SELECT.
            JourneyEvent.objects.insert_rows(
                rows=[
                    {
                        "student": student_id,
                        "enrollment": pk,
                        "program": program.pk,
                        "kind": str(EngineEvent.ENROLLED),
                        "to_stage": Stage.ENROLLED,
                        "reason": group_reason[:255],
                        "actor": (by_email[emails_by_student[student_id]].get("actor") or actor)[:150],
                        "occurred_at": now,
                        "data": group_data,
                    }
                    for pk, student_id in created
                ],
            )
        else:
            JourneyEvent.objects.insert_for_enrollments(
                enrollment_ids=enrollment_ids,
                kind=EngineEvent.ENROLLED,
                to_stage=Stage.ENROLLED,
                reason=group_reason,
                actor=actor,
                now=now,
                data=group_data,
            )
        for step in journey_schedule(program=program, starts_at=group_start):
            ScheduledAction.objects.insert_for_enrollments(enrollment_ids=enrollment_ids, now=now, **step)
        result.enrolled.update({emails_by_student[student_id]: pk for pk, student_id in created})
    return result


def _student_ids_by_lower_email(keys) -> dict[str, int]:
    """Look students up by lower-cased address (served by the case-insensitive unique index)."""
    return dict(
        Student.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=list(keys))
        .values_list("email_lower", "pk")
    )


def consent(value) -> bool:
    """Consent only when clearly given: "false", "0", "no" and empty are not consent."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "y", "on")
