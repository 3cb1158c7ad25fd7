"""The CSV import (set-based: a few statements per chunk) writes, for each new student, what the
one-by-one services write: the same rows in every table, ids and ``auto_now`` times aside. Each
path runs in a savepoint that is rolled back, so both start from the same database."""

import json
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import transaction

from campaigns import services
from campaigns.models import (
    Enrollment,
    JourneyEvent,
    Milestone,
    MilestoneReached,
    ScheduledAction,
    Student,
    StudentImport,
    StudentImportRow,
)
from tests.campaigns.test_imports import csv_bytes, run
from tests.factories import feedback_plan, sharing_prompt

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
ACTOR = "admin:alice"
SOURCE = "<source>"  # the import's own "import:<id>", different in each run
HEADER = ["Email", "First name", "Last name", "Time zone", "Marketing consent", "Cohort", "Start date", "Milestones"]
# (the CSV row, the same person as the services take them, the slugs of the milestones reached)
PEOPLE = [
    (
        ["ann@example.org", "Ann", "Lée", "Europe/Paris", "yes", "", "", "first-win"],
        {"first_name": "Ann", "last_name": "Lée", "time_zone": "Europe/Paris", "marketing_consent": True},
        ["first-win"],
    ),
    (
        ["Bob@Example.org", "Bob", "", "", "no", "", "", "first-win|platform-only"],
        {"first_name": "Bob", "marketing_consent": False},
        ["first-win", "platform-only"],
    ),
    (
        ["ce@example.org", "", "Ñúñez", "America/New_York", "", "2026-spring", "2026-04-01", ""],
        {
            "last_name": "Ñúñez",
            "time_zone": "America/New_York",
            "cohort": "2026-spring",
            "starts_at": datetime(2026, 4, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        },
        [],
    ),
    (["dan@example.org", "", "", "", "", "", "", ""], {}, []),
]
PROJECT_APPS = ("campaigns", "sharing_prompts", "testimonials", "referrals", "integrations", "mailers")


@pytest.fixture
def program(program):
    # Reaching first-win schedules a sharing prompt and a feedback request: the receivers of
    # ``milestones_reached`` run on both paths.
    sharing_prompt(program=program, milestone_slug="first-win")
    feedback_plan(program=program, after_milestone_slug="first-win")
    return program


def by_services(program) -> None:
    milestones = {m.slug: m for m in Milestone.objects.filter(program=program)}
    for cells, person, reached in PEOPLE:
        enrollment = services.student_enroll(email=cells[0], program=program, actor=ACTOR, now=NOW, **person)
        for slug in reached:
            enrollment.refresh_from_db()
            services.enrollment_record_milestone(
                enrollment=enrollment, milestone=milestones[slug], source=SOURCE, actor=ACTOR, now=NOW
            )


def by_import(program) -> None:
    result = run(program, csv_bytes([HEADER, *(cells for cells, _, _ in PEOPLE)]), actor=ACTOR)
    assert result.error == ""
    assert (result.created_count, result.skipped_count) == (len(PEOPLE), 0)


def rows(model, *fields, exclude=()) -> list[tuple]:
    """Every row as a tuple of ``fields`` (related rows by their natural key), sorted."""
    out = []
    for obj in model.objects.all():
        values = []
        for name in fields:
            value = obj
            for part in name.split("__"):
                value = getattr(value, part) if value is not None else None
            if isinstance(value, dict | list):
                value = json.dumps(value, sort_keys=True)
            elif isinstance(value, datetime):
                value = value.astimezone(UTC)
            values.append(value)
        out.append(tuple(values))
    return sorted(out, key=repr)


def snapshot(program) -> dict:
    source = StudentImport.objects.values_list("pk", flat=True).first()

    def unsourced(value):
        # The import's source is "import:<id>"; the services were given SOURCE.
        return value.replace(f"import:{source}", SOURCE) if isinstance(value, str) and source else value

    student_fields = [f.name for f in Student._meta.concrete_fields if f.name not in ("id", "updated_at")]
    snap = {
        "students": rows(Student, *student_fields),
        "enrollments": rows(
            Enrollment, "student__email", "program__slug", "cohort", "stage", "enrolled_at", "starts_at", "completed_at"
        ),
        "events": [
            tuple(unsourced(v) for v in row)
            for row in rows(
                JourneyEvent,
                "student__email",
                "enrollment__student__email",
                "program__slug",
                "kind",
                "from_stage",
                "to_stage",
                "reason",
                "actor",
                "occurred_at",
                "data",
            )
        ],
        "actions": rows(
            ScheduledAction,
            "enrollment__student__email",
            "kind",
            "key",
            "due_at",
            "status",
            "payload",
            "done_at",
            "error",
            "created_at",
        ),
        "milestones": [
            tuple(unsourced(v) for v in row)
            for row in rows(MilestoneReached, "enrollment__student__email", "milestone__slug", "reached_at", "source")
        ],
        # Any other table one path writes and the other does not (a receiver, a contact row, an email).
        "counts": {
            model._meta.label: model.objects.count()
            for label in PROJECT_APPS
            for model in apps.get_app_config(label).get_models()
            if model not in (StudentImport, StudentImportRow)
        },
    }
    return snap


def in_savepoint(write, program) -> dict:
    with transaction.atomic():
        write(program)
        snap = snapshot(program)
        transaction.set_rollback(True)
    return snap


def as_the_import_words_it(snap: dict) -> dict:
    """What the import says differently, on purpose: its source on each "enrolled" event, and one
    reason for the stage change it makes for every enrollment of a chunk that reached a milestone."""
    events = []
    for student, enrollment, program, kind, from_stage, to_stage, reason, actor, occurred_at, data in snap["events"]:
        if kind == "enrolled":
            data = json.dumps({**json.loads(data), "source": SOURCE}, sort_keys=True)
        if kind == "stage_changed" and reason.endswith("before the scheduled start"):
            reason = f"reached a milestone before the scheduled start ({SOURCE})"
            data = json.dumps({"source": SOURCE})
        events.append((student, enrollment, program, kind, from_stage, to_stage, reason, actor, occurred_at, data))
    return {**snap, "events": sorted(events, key=repr)}


def test_the_import_writes_what_the_services_write_for_each_new_student(program):
    expected = as_the_import_words_it(in_savepoint(by_services, program))
    imported = in_savepoint(by_import, program)
    assert len(expected["students"]) == len(PEOPLE)
    assert {kind for *_, kind, _, _, _, _, _, _ in expected["events"]} == {
        "enrolled",
        "stage_changed",
        "milestone_reached",
    }
    assert {a[1] for a in expected["actions"]} >= {
        "start",
        "milestone",
        "complete",
        "sharing_prompt",
        "feedback_request",
    }
    for table in expected:
        assert imported[table] == expected[table], table


def test_the_import_refuses_an_unknown_event_kind_as_the_services_do(program):
    from campaigns.events import UnknownEventKind

    with pytest.raises(UnknownEventKind):
        JourneyEvent.objects.insert_for_enrollments(
            enrollment_ids=[1], kind="enroled", reason="", actor=ACTOR, now=NOW, data={}
        )
