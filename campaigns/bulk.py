"""Set-based enrollment of many people at once (CSV imports, benchmarks).

Writes the same rows ``services.student_enroll`` writes for one person (student, enrollment,
"enrolled" event, scheduled actions), in batches of one transaction each.
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
from campaigns.services import journey_actions, normalize_email


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
) -> ChunkResult:
    """One transaction: create the missing students and enrollments of ``people``.

    A person may carry its own ``cohort`` and ``starts_at`` (an import's columns); otherwise the
    call's apply. ``source`` (e.g. "import:12") is written on every "enrolled" event. Existing
    students keep their details; existing enrollments are left alone.
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
    Student.objects.bulk_create(
        [
            Student(
                email=p["email"],
                first_name=(p.get("first_name") or "")[:100],
                last_name=(p.get("last_name") or "")[:100],
                time_zone=p.get("time_zone") or "UTC",
                marketing_consent=consent(p.get("marketing_consent")),
                marketing_consent_at=now if consent(p.get("marketing_consent")) else None,
                created_at=now,
            )
            for p in missing
        ],
        batch_size=1000,
        ignore_conflicts=True,  # someone enrolled the same address meanwhile: reuse theirs
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
    emails_by_student = {student_id: key for key, student_id in existing.items()}
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                student_id=student_id,
                program=program,
                cohort=(by_email[key].get("cohort") or cohort)[:60],
                stage=Stage.ENROLLED,
                enrolled_at=now,
                starts_at=by_email[key].get("starts_at") or starts_at,
                updated_at=now,
            )
            for key, student_id in existing.items()
            if student_id not in already
        ],
        batch_size=1000,
    )
    if enrollments and enrollments[0].pk is None:  # backends that cannot return ids from a bulk insert
        enrollments = list(
            Enrollment.objects.filter(
                program=program, student_id__in=[e.student_id for e in enrollments], enrolled_at=now
            )
        )
    JourneyEvent.objects.bulk_create(
        [
            JourneyEvent(
                student_id=e.student_id,
                enrollment=e,
                program=program,
                kind=EngineEvent.ENROLLED,
                to_stage=Stage.ENROLLED,
                reason=f"enrolled in cohort {e.cohort}",
                actor=actor,
                occurred_at=now,
                data={
                    "cohort": e.cohort,
                    "starts_at": e.starts_at.isoformat(),
                    **({"source": source} if source else {}),
                },
            )
            for e in enrollments
        ],
        batch_size=1000,
    )
    actions: list[ScheduledAction] = []
    for enrollment in enrollments:
        actions.extend(journey_actions(enrollment=enrollment, program=program, now=now))
    ScheduledAction.objects.bulk_create(actions, batch_size=1000)
    result.enrolled = {emails_by_student[e.student_id]: e.pk for e in enrollments}
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
