"""The course creator's admin: authoring programs, and working with students and enrollments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Enrollment, JourneyEvent, ProgramPage, Stage
from tests.factories import StudentFactory, add_url, enroll, program_form

pytestmark = pytest.mark.django_db


def test_creator_publishes_a_program_with_milestones(admin_client):
    response = admin_client.post(add_url(), {**program_form(), "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    program = ProgramPage.objects.get(slug="calm-parents")
    assert program.live
    assert [m.slug for m in program.ordered_milestones] == ["first-win", "halfway"]
    assert program.ordered_milestones[0].day_offset == 7
    page = admin_client.get(program.url)
    assert page.status_code == 200
    assert "help 10,000 parents stay calm" in page.content.decode()
    assert "Registration is closed" in page.content.decode()


def test_saving_a_draft_keeps_the_live_page_unchanged(admin_client):
    admin_client.post(add_url(), {**program_form(), "action-publish": "publish"})
    program = ProgramPage.objects.get(slug="calm-parents")
    edit = reverse("wagtailadmin_pages:edit", args=(program.pk,))
    response = admin_client.post(edit, program_form(mission_unit="families"))
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.mission_unit == "parents"
    assert program.has_unpublished_changes
    assert program.get_latest_revision_as_object().mission_unit == "families"
    assert program.revisions.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mission_goal": "0"}, "mission_goal", "greater than or equal to 1"),
        ({"mission_deadline": "2020-01-01"}, "mission_deadline", "must be in the future"),
        ({"mission_deadline": "not a date"}, "mission_deadline", "Enter a valid date"),
        ({"duration_days": "0"}, "duration_days", "greater than or equal to 1"),
    ],
)
def test_invalid_programs_are_refused_with_field_errors(admin_client, overrides, field, message):
    response = admin_client.post(add_url(), {**program_form(**overrides), "action-publish": "publish"})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_duplicate_milestone_slugs_are_refused(admin_client):
    milestones = [
        {"title": "One", "slug": "same", "description": "", "day_offset": "1"},
        {"title": "Two", "slug": "same", "description": "", "day_offset": "2"},
    ]
    response = admin_client.post(add_url(), {**program_form(milestones=milestones), "action-publish": "publish"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "slugs must be unique" in str(form.formsets["milestones"].errors)
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_deleted_duplicate_milestone_does_not_block_publishing(admin_client):
    milestones = [
        {"title": "One", "slug": "same", "description": "", "day_offset": "1"},
        {"title": "Two", "slug": "same", "description": "", "day_offset": "2", "DELETE": "1"},
    ]
    response = admin_client.post(add_url(), {**program_form(milestones=milestones), "action-publish": "publish"})
    assert response.status_code == 302
    assert [m.slug for m in ProgramPage.objects.get(slug="calm-parents").ordered_milestones] == ["same"]


def test_student_page_shows_the_timeline(admin_client, program):
    now = timezone.now()
    enrollment = enroll(program=program, email="tl@example.org", now=now)
    from campaigns import engine

    engine.tick(now=now + timedelta(days=10))
    url = reverse("campaigns_student:inspect", args=(enrollment.student.pk,))
    html = admin_client.get(url).content.decode()
    assert "Timeline" in html
    assert "enrolled" in html and "stage_changed: enrolled → active" in html
    assert "milestone_reached" in html and "the program started for this cohort" in html


def test_stage_change_in_the_admin_needs_a_reason_and_is_recorded(admin_client, program):
    enrollment = enroll(program=program, email="st@example.org")
    url = reverse("campaigns_enrollment:edit", args=(enrollment.pk,))
    base = {"cohort": enrollment.cohort, "stage": "withdrawn"}
    response = admin_client.post(url, {**base, "stage_change_reason": ""})
    assert response.status_code == 200
    assert "Say why" in str(response.context["form"].errors)
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.ENROLLED

    response = admin_client.post(url, {**base, "stage_change_reason": "asked to pause"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.WITHDRAWN
    event = JourneyEvent.objects.filter(enrollment=enrollment).last()
    assert (event.actor, event.reason, event.from_stage) == ("admin:alice", "asked to pause", "enrolled")


def test_enrollment_created_in_the_admin_goes_through_the_service(admin_client, program):
    student = StudentFactory()
    url = reverse("campaigns_enrollment:add")
    starts = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    response = admin_client.post(
        url, {"student": student.pk, "program": program.pk, "cohort": "spring", "starts_at": starts}
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    enrollment = Enrollment.objects.get(student=student)
    assert enrollment.actions.filter(key="start").exists()
    assert JourneyEvent.objects.get(enrollment=enrollment).actor == "admin:alice"
    again = admin_client.post(
        url, {"student": student.pk, "program": program.pk, "cohort": "spring", "starts_at": starts}
    )
    assert again.status_code == 200
    assert Enrollment.objects.filter(student=student).count() == 1


def test_student_form_rejects_a_duplicate_address_and_a_bad_time_zone(admin_client):
    StudentFactory(email="dup@example.org")
    response = admin_client.post(
        reverse("campaigns_student:add"), {"email": "DUP@example.org", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already exists" in str(errors["email"])
    assert "time zone" in str(errors["time_zone"])


def test_the_journey_log_is_read_only(admin_client, program):
    enroll(program=program)
    assert admin_client.get(reverse("campaigns_journeyevent:index")).status_code == 200
    event = JourneyEvent.objects.first()
    assert admin_client.get(reverse("campaigns_journeyevent:inspect", args=(event.pk,))).status_code == 200
    assert admin_client.get(reverse("campaigns_journeyevent:add")).status_code in (302, 403)
    assert admin_client.get(reverse("campaigns_journeyevent:edit", args=(event.pk,))).status_code in (
        302,
        403,
    )


def test_preview_shows_unpublished_changes_as_a_visitor_would_see_them(admin_client):
    admin_client.post(add_url(), {**program_form(), "action-publish": "publish"})
    program = ProgramPage.objects.get(slug="calm-parents")
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(program.pk,))
    data = program_form(mission_statement="help 20,000 parents stay calm")
    posted = admin_client.post(preview_url, data)
    assert posted.status_code == 200 and posted.json()["is_valid"]
    html = admin_client.get(preview_url).content.decode()
    assert "help 20,000 parents stay calm" in html
    program.refresh_from_db()
    assert program.mission_statement == "help 10,000 parents stay calm"  # the live page is untouched
