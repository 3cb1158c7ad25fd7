"""CSV imports of students: create, preview, run (in chunks, resumable), export the rejected rows.

The admin and ``manage.py import_students`` both go through these functions, and every chunk goes
through the set-based enrollment of ``bulk.py``: thousands of rows cost a few queries, not a service
call each.

What an import may change for someone who already is a student (the rule, conservative on purpose:
a spreadsheet is often an old copy, and the student may have said otherwise since):
- their first or last name only where we have none;
- marketing consent only towards "no": a row that says no withdraws it, a row that says yes never
  turns it on for an existing student (they may have withdrawn it; only they can give it back);
- never their address or time zone, never an existing enrollment's cohort or start;
- milestones reached are recorded (once each), as the events API would.
A row that changes nothing is skipped with "already enrolled", so importing a file twice changes
nothing the second time.
"""

import csv
import io
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from campaigns import bulk, services, tasks
from campaigns.events import EngineEvent
from campaigns.import_files import FIELD_LABELS, ImportFileError, Milestones, guess_mapping, neutralise, parse, read_row
from campaigns.models import (
    Enrollment,
    ImportRowOutcome,
    ImportStatus,
    JourneyEvent,
    MilestoneReached,
    ProgramPage,
    Stage,
    Student,
    StudentImport,
    StudentImportRow,
)
from mailers.runner import enqueue

logger = logging.getLogger(__name__)

CHUNK = 2000
ALREADY_ENROLLED = "Already enrolled in this program; nothing to change."
NO_CONSENT_ON = " (an import never turns marketing consent on for an existing student)"

Progress = Callable[[int, int], None]


@transaction.atomic
def student_import_create(
    *, data: bytes, file_name: str, program: ProgramPage, cohort: str = "", user=None, actor: str
) -> StudentImport:
    """Store an uploaded file with its detected encoding, delimiter and guessed columns.

    Raises ImportFileError (one sentence for the person) when it is not a CSV file we can read.
    """
    parsed = parse(data)
    return StudentImport.objects.create(
        program=program,
        cohort=cohort.strip()[:60],
        file_name=file_name[:255],
        data=data,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        mapping=guess_mapping(parsed.header),
        total_rows=len(parsed.rows),
        started_by=user,
        actor=actor[:150],
    )


def student_import_preview(*, student_import: StudentImport, mapping: dict[str, int], limit: int = 20) -> dict:
    """The header and the first ``limit`` rows, each cell with its problem ("" when fine)."""
    parsed = parse(bytes(student_import.data))
    milestones = Milestones.of(student_import.program)
    column_field = {index: name for name, index in mapping.items()}
    seen: dict[str, int] = {}
    rows = []
    for line, cells in zip(parsed.lines[:limit], parsed.rows[:limit], strict=True):
        person, errors = _read(cells, mapping, milestones, line, seen)
        width = max(len(parsed.header), len(cells))
        rows.append(
            {
                "line": line,
                "cells": [
                    {
                        "value": cells[i] if i < len(cells) else "",
                        "field": column_field.get(i, ""),
                        "error": errors.get(column_field.get(i, ""), ""),
                    }
                    for i in range(width)
                ],
                "errors": errors,
                "missing": {name: message for name, message in errors.items() if name not in mapping},
            }
        )
    header = [
        {"name": name, "field": FIELD_LABELS.get(column_field.get(i, ""), "")} for i, name in enumerate(parsed.header)
    ]
    return {"header": header, "rows": rows, "total": len(parsed.rows)}


@transaction.atomic
def student_import_start(
    *, student_import: StudentImport, mapping: dict[str, int], in_task_runner: bool = True
) -> StudentImport:
    """Fix the columns and queue the run (after commit; the task takes the import's id).

    ``in_task_runner=False``: the caller runs it itself (the command line, which shows its own progress).
    """
    if "email" not in mapping:
        raise ImportFileError("Choose the column that holds the email address.")
    locked = StudentImport.objects.select_for_update().get(pk=student_import.pk)
    if locked.status != ImportStatus.UPLOADED:
        return locked  # a second click on "Import": it is already queued or running
    locked.mapping = mapping
    locked.status = ImportStatus.QUEUED
    locked.save(update_fields=["mapping", "status"])
    if in_task_runner:
        enqueue(tasks.run_student_import, locked.pk)
    return locked


def _read(cells, mapping, milestones, line, seen) -> tuple[dict, dict[str, str]]:
    person, errors = read_row(cells, mapping, milestones)
    key = person.get("email", "").lower()
    if key and not errors:
        if key in seen:
            errors["email"] = f"The same address as row {seen[key]}: only the first is imported."
        else:
            seen[key] = line
    return person, errors


def student_import_run(
    *, student_import_id: int, chunk: int = CHUNK, progress: Progress | None = None, now: datetime | None = None
) -> StudentImport:
    """Import the rows, one transaction per chunk; safe to run again (it resumes after the last chunk)."""
    student_import = StudentImport.objects.select_related("program").get(pk=student_import_id)
    if student_import.finished:
        return student_import
    now = now or timezone.now()
    StudentImport.objects.filter(pk=student_import.pk).update(
        status=ImportStatus.RUNNING, started_at=student_import.started_at or now
    )
    try:
        parsed = parse(bytes(student_import.data))
        program = student_import.program.specific
        milestones = Milestones.of(program)
        mapping = student_import.mapping
        if "email" not in mapping:
            raise ImportFileError("No column was chosen for the email address.")
        StudentImport.objects.filter(pk=student_import.pk).update(total_rows=len(parsed.rows))
        seen: dict[str, int] = {}
        start = student_import.processed_rows
        for line, cells in zip(parsed.lines[:start], parsed.rows[:start], strict=True):
            _read(cells, mapping, milestones, line, seen)  # resuming: the earlier rows still claim their address
        for offset in range(start, len(parsed.rows), chunk):
            rows = list(zip(parsed.lines[offset : offset + chunk], parsed.rows[offset : offset + chunk], strict=True))
            if not _run_chunk(student_import, program, milestones, mapping, rows, offset, seen, now):
                return StudentImport.objects.get(pk=student_import.pk)  # another run of the same import got here first
            if progress:
                progress(offset + len(rows), len(parsed.rows))
    except ImportFileError as exc:
        return _fail(student_import, str(exc))
    except Exception as exc:
        logger.exception("student import %s failed", student_import.pk)
        return _fail(student_import, f"The import stopped: {exc}")
    StudentImport.objects.filter(pk=student_import.pk).update(status=ImportStatus.DONE, finished_at=timezone.now())
    return StudentImport.objects.get(pk=student_import.pk)


def student_imports_resume(*, now: datetime | None = None) -> int:
    """Run the imports that wait for a task: queued ones (their task may have been lost) and running ones
    that started ``IMPORT_STALLED_SECONDS`` ago or more (their worker may have stopped). A second run of
    an import that is in fact still going costs a read of the file: each chunk is taken under the
    import's row lock only at the offset it expects, so the runs never import a row twice."""
    now = now or timezone.now()
    stalled = now - timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    waiting = StudentImport.objects.filter(
        Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, started_at__lte=stalled)
    ).order_by("pk")
    ids = list(waiting.values_list("pk", flat=True))
    for pk in ids:
        student_import_run(student_import_id=pk)
    return len(ids)


def _fail(student_import: StudentImport, message: str) -> StudentImport:
    StudentImport.objects.filter(pk=student_import.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )
    return StudentImport.objects.get(pk=student_import.pk)


@transaction.atomic
def _run_chunk(student_import, program, milestones, mapping, rows, offset, seen, now) -> bool:
    locked = StudentImport.objects.select_for_update().get(pk=student_import.pk)
    if locked.processed_rows != offset:
        return False
    source, actor = student_import.source, student_import.actor
    skipped: list[dict] = []
    valid: list[tuple[int, dict]] = []
    for line, cells in rows:
        person, errors = _read(cells, mapping, milestones, line, seen)
        if errors:
            reason = "; ".join(f"{FIELD_LABELS[name]}: {message}" for name, message in errors.items())
            skipped.append({"line": line, "outcome": ImportRowOutcome.REJECTED, "reason": reason, "cells": list(cells)})
            continue
        person["cohort"] = person.get("cohort") or student_import.cohort or f"{person.get('starts_at') or now:%Y-%m}"
        valid.append((line, person))

    keys = [person["email"].lower() for _, person in valid]
    before = {
        row[0]: row[1:]
        for row in Student.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=keys)
        .values_list("email_lower", "pk", "first_name", "last_name", "marketing_consent")
    }
    result = bulk.enroll_chunk(
        program=program,
        people=[person for _, person in valid],
        cohort=student_import.cohort,
        starts_at=now,
        actor=actor,
        now=now,
        source=source,
    )
    enrollments = {
        student_id: (pk, stage)
        for pk, student_id, stage in Enrollment.objects.filter(
            program=program, student_id__in=result.student_ids.values()
        ).values_list("pk", "student_id", "stage")
    }
    changed = _update_existing(valid, before, program, actor, source, now)
    reached = _record_milestones(valid, result.student_ids, enrollments, actor, source, now)

    created = updated = 0
    for line, person in valid:
        key = person["email"].lower()
        if key in result.enrolled:
            created += 1
        elif key in changed or enrollments[result.student_ids[key]][0] in reached:
            updated += 1
        else:
            note = NO_CONSENT_ON if person.get("marketing_consent") and not before[key][3] else ""
            if enrollments[result.student_ids[key]][1] == Stage.WITHDRAWN and person.get("milestone_ids"):
                note += " (withdrawn from the program: milestones not recorded)"
            skipped.append({"line": line, "outcome": ImportRowOutcome.UNCHANGED, "reason": ALREADY_ENROLLED + note})
    StudentImportRow.objects.insert_many(rows=[{**row, "student_import": student_import.pk} for row in skipped])
    rejected = sum(1 for row in skipped if row["outcome"] == ImportRowOutcome.REJECTED)
    StudentImport.objects.filter(pk=student_import.pk).update(
        processed_rows=offset + len(rows),
        created_count=F("created_count") + created,
        updated_count=F("updated_count") + updated,
        skipped_count=F("skipped_count") + len(skipped),
        rejected_count=F("rejected_count") + rejected,
    )
    return True


def _update_existing(valid, before, program, actor, source, now) -> set[str]:
    """Fill in missing names and honour an explicit "no" to marketing; returns the addresses changed."""
    changes: dict[str, tuple[Student, list[str]]] = {}
    for _, person in valid:
        key = person["email"].lower()
        if key not in before or key in changes:
            continue
        pk, first_name, last_name, has_consent = before[key]
        what = []
        if not first_name and person.get("first_name"):
            first_name, what = person["first_name"], [*what, "first name filled in"]
        if not last_name and person.get("last_name"):
            last_name, what = person["last_name"], [*what, "last name filled in"]
        if has_consent and person.get("marketing_consent") is False:
            what.append("marketing consent withdrawn")
        if what:
            changes[key] = (Student(pk=pk, first_name=first_name, last_name=last_name), what)
    if not changes:
        return set()
    names = [s for s, what in changes.values() if any("name" in w for w in what)]
    Student.objects.bulk_update(names, ["first_name", "last_name"], batch_size=1000)
    withdrawn = [s.pk for s, what in changes.values() if "marketing consent withdrawn" in what]
    Student.objects.filter(pk__in=withdrawn).update(marketing_consent=False, marketing_consent_at=now, updated_at=now)
    JourneyEvent.objects.bulk_create(
        [
            JourneyEvent(
                student_id=student.pk,
                program=program,
                kind=EngineEvent.DETAILS_UPDATED,
                reason=f"{', '.join(what)} ({source})"[:255],
                actor=actor,
                occurred_at=now,
                data={"source": source, "changes": what},
            )
            for student, what in changes.values()
        ],
        batch_size=1000,
    )
    return set(changes)


def _record_milestones(valid, student_ids, enrollments, actor, source, now) -> set[int]:
    """What ``services.enrollment_record_milestone`` does, for a whole chunk; returns enrollments that got one."""
    wanted = [
        (enrollments[student_ids[person["email"].lower()]][0], m)
        for _, person in valid
        for m in person.get("milestone_ids", [])
    ]
    if not wanted:
        return set()
    live = {pk for pk, stage in enrollments.values() if stage != Stage.WITHDRAWN}
    already = set(
        MilestoneReached.objects.filter(enrollment_id__in={e for e, _ in wanted}).values_list(
            "enrollment_id", "milestone_id"
        )
    )
    fresh = [(e, m) for e, m in dict.fromkeys(wanted) if e in live and (e, m) not in already]
    if not fresh:
        return set()
    services.enrollments_change_stage(
        enrollment_ids={e for e, _ in fresh},
        from_stage=Stage.ENROLLED,
        to_stage=Stage.ACTIVE,
        actor=actor,
        reason=f"reached a milestone before the scheduled start ({source})",
        now=now,
        data={"source": source},
    )
    services.milestones_cancel_fallbacks(pairs=fresh, now=now)
    created = services.milestones_record_reached(pairs=fresh, source=source, actor=actor, now=now)
    return {r.enrollment_id for r in created}


def rejected_rows_csv(*, student_import: StudentImport) -> Iterator[str]:
    """The rejected rows as they were, plus their row number and reason; formula cells neutralised.

    Starts with a BOM so Excel reads it as UTF-8; cells that a spreadsheet would run as a formula get
    a leading quote (the file goes back to the creator, who opens it).
    """
    header = parse(bytes(student_import.data)).header
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(str(cell)) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line([*header, "import row", "reason"])
    rows = student_import.rows.filter(outcome=ImportRowOutcome.REJECTED).order_by("line")
    for row in rows.iterator(chunk_size=1000):
        yield line([*row.cells, row.line, row.reason])
