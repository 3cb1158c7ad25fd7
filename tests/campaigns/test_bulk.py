"""Bulk enrollment writes what one-by-one enrollment writes, reusing students whatever the case."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import bulk, engine
from campaigns.models import Enrollment, JourneyEvent, ScheduledAction, Stage, Student
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_bulk_enroll_matches_the_one_by_one_path(program):
    now = timezone.now()
    existing = enroll(program=program, email="Known@Example.org", now=now)
    created = bulk.students_bulk_enroll(
        program=program,
        people=[{"email": f"p{i}@example.org", "first_name": f"P{i}"} for i in range(5)]
        + [{"email": "known@example.org"}, {"email": "P0@example.org"}],
        starts_at=now + timedelta(days=1),
        actor="import",
        now=now,
        batch=3,
    )
    assert created == 5
    assert Student.objects.count() == 6  # "known" and "P0" were the same people
    assert Enrollment.objects.count() == 6
    assert JourneyEvent.objects.filter(kind="enrolled", actor="import").count() == 5
    assert ScheduledAction.objects.exclude(enrollment=existing).count() == 5 * existing.actions.count()
    assert engine.tick(now=now + timedelta(days=1)) == {"start": 6}
    assert Enrollment.objects.filter(stage=Stage.ACTIVE).count() == 6


def test_a_bad_row_fails_its_batch_with_a_clear_error(program):
    with pytest.raises(ValidationError, match="not a valid email"):
        bulk.students_bulk_enroll(program=program, people=[{"email": "ok@example.org"}, {"email": "broken"}], actor="x")
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (True, True),
        ("yes", True),
        ("1", True),
        ("TRUE", True),
        ("false", False),
        ("0", False),
        ("", False),
        (None, False),
    ],
)
def test_consent_is_only_what_was_clearly_given(program, given, expected):
    bulk.students_bulk_enroll(
        program=program, people=[{"email": "c@example.org", "marketing_consent": given}], actor="x"
    )
    assert Student.objects.get().marketing_consent is expected
