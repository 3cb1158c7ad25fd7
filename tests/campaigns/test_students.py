"""Students as first-class records: one per address whatever its case, valid time zones, consent."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import Student

pytestmark = pytest.mark.django_db


def test_email_is_unique_case_insensitively():
    services.student_upsert(email="Ann@Example.org", first_name="Ann")
    again = services.student_upsert(email="ann@example.ORG", last_name="Lee")
    assert Student.objects.count() == 1
    assert (again.first_name, again.last_name) == ("Ann", "Lee")
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(email="ANN@example.org")


def test_model_validation_reports_a_duplicate_on_the_email_field():
    Student.objects.create(email="bo@example.org")
    with pytest.raises(ValidationError) as caught:
        Student(email="BO@example.org").full_clean()
    assert caught.value.message_dict["email"] == ["A student with this email address already exists."]


@pytest.mark.parametrize("bad", ["", "not-an-email", "a@b", "two@@example.org", "<script>@x.org"])
def test_invalid_addresses_are_refused(bad):
    with pytest.raises(ValidationError):
        services.student_upsert(email=bad)
    assert not Student.objects.exists()


def test_time_zone_must_be_a_real_zone():
    with pytest.raises(ValidationError, match="time zone"):
        services.student_upsert(email="tz@example.org", time_zone="Mars/Olympus")
    student = services.student_upsert(email="tz@example.org", time_zone="America/New_York")
    assert student.time_zone == "America/New_York"


def test_consent_changes_are_timestamped():
    now = timezone.now()
    student = services.student_upsert(email="c@example.org", marketing_consent=True, now=now)
    assert student.marketing_consent and student.marketing_consent_at == now
    unchanged = services.student_upsert(email="c@example.org", marketing_consent=True)
    assert unchanged.marketing_consent_at == now
