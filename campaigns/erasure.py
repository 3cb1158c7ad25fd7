"""One student's data in the engine's own tables, for a data-rights export or an erasure.

The engine keeps the student row, their enrollments and their journey (counts, funnels and
the journey's shape depend on them) and removes what identifies the person: the address
becomes a placeholder, the names go, and every stored text that quoted them (journey data,
scheduled payloads, import rows and uploaded files) is redacted. ``cms.student_data``
composes this with the other apps' pieces in one transaction.
"""

from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from campaigns.models import Enrollment, JourneyEvent, ScheduledAction, Student, StudentImport, StudentImportRow
from mailers.erasure import placeholder_address, redact


def export_student(*, student: Student) -> dict:
    """The profile, enrollments (with milestones reached) and the whole journey."""
    enrollments = student.enrollments.select_related("program").prefetch_related("milestones_reached__milestone")
    return {
        "profile": {
            "email": student.email,
            "first_name": student.first_name,
            "last_name": student.last_name,
            "time_zone": student.time_zone,
            "marketing_consent": student.marketing_consent,
            "marketing_consent_at": student.marketing_consent_at,
            "created_at": student.created_at,
        },
        "enrollments": [
            {
                "program": e.program.title,
                "cohort": e.cohort,
                "stage": e.stage,
                "enrolled_at": e.enrolled_at,
                "starts_at": e.starts_at,
                "completed_at": e.completed_at,
                "milestones_reached": [
                    {"milestone": m.milestone.title, "reached_at": m.reached_at} for m in e.milestones_reached.all()
                ],
            }
            for e in enrollments
        ],
        "journey": [
            {
                "occurred_at": event.occurred_at,
                "program": event.program.title if event.program else "",
                "kind": event.kind,
                "from_stage": event.from_stage,
                "to_stage": event.to_stage,
                "reason": event.reason,
                "actor": event.actor,
                "data": event.data,
            }
            for event in JourneyEvent.objects.filter(student=student).select_related("program").order_by("id")
        ],
    }


def needles_of(student: Student) -> list[str]:
    """What identifies the student in free text: the address and the names."""
    return [n for n in (student.email, student.full_name, student.first_name, student.last_name) if n]


def is_erased(student: Student) -> bool:
    return student.email == placeholder_address(student.pk)


def erase_student(*, student: Student, needles: list[str], also_journeys_of=(), now=None) -> dict:
    """Anonymise the student and redact the engine's texts that name them; returns counts changed.

    ``needles`` are the strings to redact (the caller gathers them before anything changes, so a
    second run, with the names already gone, still has nothing left to find). ``also_journeys_of``:
    other students whose journey quotes them (the graduate who referred them). Idempotent.
    """
    now = now or timezone.now()
    counts = {}
    address = student.email.lower()
    student.email = placeholder_address(student.pk)
    student.first_name = student.last_name = ""
    student.marketing_consent, student.marketing_consent_at = False, None
    # Every personal link they were sent stops working.
    student.link_version += 1
    student.links_revoked_at = now
    student.save()
    # Journey events are append-only for the engine; an erasure is the one writer allowed to
    # redact them (the rows, their kinds and times stay: the journey's shape is kept).
    changed = 0
    journeys = JourneyEvent.objects.filter(student_id__in={student.pk, *also_journeys_of})
    for event in journeys.only("pk", "reason", "data").iterator():
        reason, data = redact(event.reason, needles), redact(event.data, needles)
        if (reason, data) != (event.reason, event.data):
            models.QuerySet(JourneyEvent).filter(pk=event.pk).update(reason=reason, data=data)
            changed += 1
    counts["journey_events_redacted"] = changed
    changed = 0
    for action in ScheduledAction.objects.filter(enrollment__in=Enrollment.objects.filter(student=student)):
        payload, error = redact(action.payload, needles), redact(action.error, needles)
        if (payload, error) != (action.payload, action.error):
            ScheduledAction.objects.filter(pk=action.pk).update(payload=payload, error=error)
            changed += 1
    counts["scheduled_actions_redacted"] = changed
    counts["import_rows_redacted"] = _redact_imports(address, needles)
    return counts


def _redact_imports(address: str, needles: list[str]) -> int:
    """Import rows kept for the rejected-rows download, and the uploaded files, that carry the address."""
    changed = 0
    rows = StudentImportRow.objects.annotate(text=Cast("cells", models.TextField())).filter(text__icontains=address)
    for row in rows.iterator():
        StudentImportRow.objects.filter(pk=row.pk).update(
            cells=redact(row.cells, needles), reason=redact(row.reason, needles)
        )
        changed += 1
    needle = address.encode()
    for upload in StudentImport.objects.only("pk", "data", "encoding").iterator():
        data = bytes(upload.data or b"")
        if needle not in data.lower():
            continue
        encoding = upload.encoding or "utf-8"
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            encoding, text = "utf-8", data.decode("utf-8", errors="replace")
        StudentImport.objects.filter(pk=upload.pk).update(data=redact(text, needles).encode(encoding, "replace"))
        changed += 1
    return changed
