"""The course creator's admin: authoring programs, and working with students and enrollments."""

import re
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


def staff_client(client, django_user_model, *codenames):
    """A team member in a group with admin access and just these model permissions."""
    from django.contrib.auth.models import Group, Permission

    user = django_user_model.objects.create_user(username="sam", password="pw-sam-12345")
    group = Group.objects.create(name="Team")
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user.groups.add(group)
    client.force_login(user)
    return client


def test_students_enrollments_and_the_journey_log_sit_under_students_in_the_menu(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    for label, url in (
        ("Students", "/admin/students/"),
        ("Enrollments", "/admin/enrollments/"),
        ("Journey log", "/admin/journey/"),
    ):
        assert label in html and url in html
    assert reverse("campaigns_student:index") == "/admin/students/"


def test_the_student_list_searches_and_filters(admin_client):
    StudentFactory(email="ann@example.org", marketing_consent=True)
    StudentFactory(email="bo@example.org", marketing_consent=False)
    url = reverse("campaigns_student:index")
    listing = admin_client.get(url).content.decode()
    assert "ann@example.org" in listing and "bo@example.org" in listing
    assert "Marketing consent" in listing and "Time zone" in listing  # the columns
    without_consent = admin_client.get(url, {"marketing_consent": "false"}).content.decode()
    assert "bo@example.org" in without_consent and "ann@example.org" not in without_consent
    found = admin_client.get(url, {"q": "ann@"}).content.decode()
    assert "ann@example.org" in found and "bo@example.org" not in found


def test_the_enrollment_list_filters_by_program_and_stage(admin_client, program):
    from tests.factories import program_page

    other = program_page(slug="sleep", title="Sleep well")
    focus = enroll(program=program, email="ann@example.org")
    enroll(program=other, email="bo@example.org")
    Enrollment.objects.filter(pk=focus.pk).update(stage=Stage.WITHDRAWN)
    url = reverse("campaigns_enrollment:index")
    by_program = admin_client.get(url, {"program": other.pk}).content.decode()
    assert "bo@example.org" in by_program and "ann@example.org" not in by_program
    by_stage = admin_client.get(url, {"stage": Stage.WITHDRAWN}).content.decode()
    assert "ann@example.org" in by_stage and "bo@example.org" not in by_stage


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("enrollments", "campaigns_enrollment:index"),
        ("feedback", "testimonials_feedbackresponse:index"),
        ("support cases", "testimonials_supportcase:index"),
        ("testimonials", "testimonials_testimonial:index"),
        ("special links", "referrals_referrallink:index"),
        ("rewards", "referrals_reward:index"),
    ],
)
def test_every_listing_of_what_a_student_owns_searches_by_the_person(admin_client, program, name, url):
    """Before: Enrollments searched the cohort only, feedback the cohort, cases and testimonials their
    text. A lookup through the student that does not exist would be a 500 (FieldError) here."""
    enroll(program=program, email="ann.lee@example.org", first_name="Annabel")
    for query in ("ann.lee@", "annabel"):
        response = admin_client.get(reverse(url), {"q": query})
        assert response.status_code == 200, (name, query)


def test_an_enrollment_is_found_by_the_student_s_address_or_name(admin_client, program):
    enroll(program=program, email="ann.lee@example.org", first_name="Annabel")
    enroll(program=program, email="bo@example.org", first_name="Bo")
    url = reverse("campaigns_enrollment:index")
    for query in ("ann.lee@", "annabel", "ANNABEL"):
        found = admin_client.get(url, {"q": query}).content.decode()
        assert "ann.lee@example.org" in found and "bo@example.org" not in found, query


def test_the_journey_log_filters_by_kind_and_shows_an_event(admin_client, program):
    enrollment = enroll(program=program, email="ann@example.org")
    from campaigns import services

    services.student_sign_out_everywhere(student=enrollment.student, actor="admin:alice")
    url = reverse("campaigns_journeyevent:index")

    def kinds(html: str) -> list[str]:
        return re.findall(r"<td[^>]*>\s*(enrolled|links_revoked)\s*</td>", html)

    assert kinds(admin_client.get(url).content.decode()) == ["links_revoked", "enrolled", "enrolled"]  # newest first
    assert kinds(admin_client.get(url, {"kind": "links_revoked"}).content.decode()) == ["links_revoked"]
    event = JourneyEvent.objects.get(kind="links_revoked")
    page = admin_client.get(reverse("campaigns_journeyevent:inspect", args=[event.pk])).content.decode()
    assert "links_revoked" in page and "admin:alice" in page


def test_who_may_see_and_change_students_is_the_model_permissions(client, django_user_model, program):
    enrollment = enroll(program=program, email="ann@example.org")
    student = enrollment.student
    viewer = staff_client(client, django_user_model, "view_student")
    assert viewer.get(reverse("campaigns_student:index")).status_code == 200
    assert viewer.get(reverse("campaigns_student:inspect", args=[student.pk])).status_code == 200
    for refused in (
        reverse("campaigns_student:add"),
        reverse("campaigns_student:edit", args=[student.pk]),
        reverse("campaigns_student:delete", args=[student.pk]),
        reverse("campaigns_enrollment:index"),  # no enrollment permission at all
        reverse("campaigns_journeyevent:index"),
    ):
        response = viewer.get(refused)
        # Wagtail's admin answers PermissionDenied with a redirect home and a message.
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"), refused
    posted = viewer.post(reverse("campaigns_student:edit", args=[student.pk]), {"email": "x@example.org"})
    assert posted.status_code == 302
    student.refresh_from_db()
    assert student.email == "ann@example.org"


def test_someone_who_may_change_enrollments_changes_a_stage_but_cannot_delete(client, django_user_model, program):
    enrollment = enroll(program=program, email="ann@example.org")
    editor = staff_client(client, django_user_model, "change_enrollment")
    url = reverse("campaigns_enrollment:edit", args=[enrollment.pk])
    response = editor.post(url, {"cohort": "", "stage": "withdrawn", "stage_change_reason": "asked to stop"})
    assert response.status_code == 302 and response["Location"] == reverse("campaigns_enrollment:index")
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.WITHDRAWN
    assert JourneyEvent.objects.filter(enrollment=enrollment, actor="admin:sam").exists()
    deleted = editor.post(reverse("campaigns_enrollment:delete", args=[enrollment.pk]))
    assert deleted.status_code == 302 and Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_the_journey_log_is_read_only_whatever_the_permissions(client, django_user_model, program):
    enroll(program=program)
    event = JourneyEvent.objects.first()
    # Even a group holding every journey permission only looks.
    codenames = [f"{action}_journeyevent" for action in ("add", "change", "delete", "view")]
    team = staff_client(client, django_user_model, *codenames)
    assert team.get(reverse("campaigns_journeyevent:index")).status_code == 200
    assert team.get(reverse("campaigns_journeyevent:inspect", args=[event.pk])).status_code == 200
    for refused in (
        reverse("campaigns_journeyevent:add"),
        reverse("campaigns_journeyevent:edit", args=[event.pk]),
        reverse("campaigns_journeyevent:delete", args=[event.pk]),
    ):
        assert team.post(refused, {"kind": "forged"}).status_code == 302, refused
    assert not JourneyEvent.objects.filter(kind="forged").exists() and JourneyEvent.objects.filter(pk=event.pk).exists()
