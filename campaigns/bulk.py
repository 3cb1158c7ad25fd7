"""Set-based enrollment of many people at once (CSV imports, benchmarks).

Writes the same rows ``services.student_enroll`` writes for one person (student, enrollment,
"enrolled" event, scheduled actions), in batches of one transaction each.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

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
            created += _bulk_enroll_chunk(program, chunk, cohort, starts_at, actor, now)
            chunk = []
    if chunk:
        created += _bulk_enroll_chunk(program, chunk, cohort, starts_at, actor, now)
    return created


@transaction.atomic
def _bulk_enroll_chunk(program, people, cohort, starts_at, actor, now) -> int:
    by_email: dict[str, dict] = {}
    for person in people:
        email = normalize_email(person["email"])
        if person.get("time_zone"):
            validate_time_zone(person["time_zone"])
        for field in ("first_name", "last_name"):
            # The same rule as every other way in: an imported name reaches inboxes and pages too.
            if problem := name_problem(person.get(field) or ""):
                raise ValidationError({field: f"{email}: {problem}"})
        by_email.setdefault(email.lower(), {**person, "email": email})
    existing = _student_ids_by_lower_email(by_email)
    missing = [p for key, p in by_email.items() if key not in existing]
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
    existing.update(_student_ids_by_lower_email({p["email"].lower() for p in missing}))
    already = set(
        Enrollment.objects.filter(program=program, student_id__in=existing.values()).values_list(
            "student_id", flat=True
        )
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                student_id=student_id,
                program=program,
                cohort=cohort,
                stage=Stage.ENROLLED,
                enrolled_at=now,
                starts_at=starts_at,
                updated_at=now,
            )
            for student_id in existing.values()
            if student_id not in already
        ],
        batch_size=1000,
    )
    JourneyEvent.objects.bulk_create(
        [
            JourneyEvent(
                student_id=e.student_id,
                enrollment=e,
                program=program,
                kind="enrolled",
                to_stage=Stage.ENROLLED,
                reason=f"enrolled in cohort {cohort}",
                actor=actor,
                occurred_at=now,
                data={"cohort": cohort, "starts_at": starts_at.isoformat()},
            )
            for e in enrollments
        ],
        batch_size=1000,
    )
    actions: list[ScheduledAction] = []
    for enrollment in enrollments:
        actions.extend(journey_actions(enrollment=enrollment, program=program, now=now))
    ScheduledAction.objects.bulk_create(actions, batch_size=1000)
    return len(enrollments)


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
