"""Per-student actions on the student's admin page: mark a milestone reached, graduate, withdraw,
resend the personal link. Each is a POST with CSRF, needs campaigns.change_student, goes through a
service and is journaled with the staff member's name."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from campaigns.models import Enrollment, JourneyEvent, MilestoneReached, Stage
from mailers.models import Message
from tests.factories import StudentFactory, enroll, program_page

pytestmark = pytest.mark.django_db
ACTIONS = ["milestone", "graduate", "withdraw", "resend_link"]


def url(name: str, student_id: int) -> str:
    return reverse(f"campaigns_student:{name}", args=[student_id])


def inspect_page(client, student_id: int) -> str:
    return client.get(reverse("campaigns_student:inspect", args=[student_id])).content.decode()


@pytest.fixture
def two_programs(program):
    """Ann, in two programs: every action is for one of them only."""
    other = program_page(slug="sleep", milestones=[("first-night", 3)])
    focus = enroll(program=program, email="ann@example.org", first_name="Ann")
    sleep = enroll(program=other, email="ann@example.org")
    return focus, sleep


def messages_of(response) -> str:
    return " | ".join(str(m) for m in response.context["messages"])


def test_marking_a_milestone_reached_is_per_enrollment_and_journaled(admin_client, two_programs):
    focus, sleep = two_programs
    assert "Mark reached" in inspect_page(admin_client, focus.student_id)
    response = admin_client.post(
        url("milestone", focus.student_id), {"enrollment": focus.pk, "milestone": "halfway"}, follow=True
    )
    assert "Halfway reached in Program focus" in messages_of(response)
    [reached] = MilestoneReached.objects.all()
    assert reached.enrollment_id == focus.pk and reached.source == "admin"
    [event] = JourneyEvent.objects.filter(kind="milestone_reached")
    assert event.actor == "admin:alice" and event.enrollment_id == focus.pk
    assert not sleep.milestones_reached.exists()
    again = admin_client.post(
        url("milestone", focus.student_id), {"enrollment": focus.pk, "milestone": "halfway"}, follow=True
    )
    assert "reached already" in messages_of(again) and MilestoneReached.objects.count() == 1


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"milestone": "no-such-thing"}, "has no milestone 'no-such-thing'"),
        ({"milestone": "first-night"}, "has no milestone 'first-night'"),  # the other program's
        ({"enrollment": "abc", "milestone": "halfway"}, "Choose one of this student's enrollments"),
        ({"enrollment": "9" * 30, "milestone": "halfway"}, "Choose one of this student's enrollments"),
        ({"enrollment": ""}, "Choose one of this student's enrollments"),
    ],
)
def test_a_bad_milestone_request_is_shown_and_changes_nothing(admin_client, two_programs, data, problem):
    focus, _ = two_programs
    response = admin_client.post(url("milestone", focus.student_id), {"enrollment": focus.pk, **data}, follow=True)
    assert response.status_code == 200 and problem in messages_of(response)
    assert not MilestoneReached.objects.exists() and not JourneyEvent.objects.filter(kind="milestone_reached")


def test_another_students_enrollment_is_refused(admin_client, two_programs):
    focus, _ = two_programs
    bob = enroll(program=focus.program, email="bob@example.org")
    response = admin_client.post(url("graduate", focus.student_id), {"enrollment": bob.pk}, follow=True)
    assert "Choose one of this student's enrollments" in messages_of(response)
    bob.refresh_from_db()
    assert bob.stage == Stage.ENROLLED


def test_graduating_moves_one_enrollment_and_says_who(admin_client, two_programs):
    focus, sleep = two_programs
    response = admin_client.post(url("graduate", focus.student_id), {"enrollment": focus.pk}, follow=True)
    assert "graduated in Program focus" in messages_of(response)
    focus.refresh_from_db()
    sleep.refresh_from_db()
    assert focus.stage == Stage.COMPLETED and focus.completed_at is not None and sleep.stage == Stage.ENROLLED
    [event] = JourneyEvent.objects.filter(kind="stage_changed", to_stage=Stage.COMPLETED)
    assert event.actor == "admin:alice" and event.reason == "graduated in the admin"
    again = admin_client.post(url("graduate", focus.student_id), {"enrollment": focus.pk}, follow=True)
    assert "graduated already" in messages_of(again)
    assert JourneyEvent.objects.filter(kind="stage_changed", to_stage=Stage.COMPLETED).count() == 1


def test_withdrawing_records_the_reason_and_twice_is_an_error(admin_client, two_programs):
    focus, sleep = two_programs
    response = admin_client.post(
        url("withdraw", focus.student_id), {"enrollment": sleep.pk, "reason": "  asked   to stop "}, follow=True
    )
    assert "withdrew in Program sleep" in messages_of(response)
    sleep.refresh_from_db()
    focus.refresh_from_db()
    assert sleep.stage == Stage.WITHDRAWN and focus.stage == Stage.ENROLLED
    [event] = JourneyEvent.objects.filter(kind="stage_changed", to_stage=Stage.WITHDRAWN)
    assert event.actor == "admin:alice" and event.reason == "withdrew in the admin: asked to stop"
    again = admin_client.post(url("withdraw", focus.student_id), {"enrollment": sleep.pk}, follow=True)
    assert "withdrawn already" in messages_of(again)
    graduate = admin_client.post(url("graduate", focus.student_id), {"enrollment": sleep.pk}, follow=True)
    assert "withdrew from the program" in messages_of(graduate)
    milestone = admin_client.post(
        url("milestone", focus.student_id), {"enrollment": sleep.pk, "milestone": "first-night"}, follow=True
    )
    assert "withdrawn from this program" in messages_of(milestone)
    assert JourneyEvent.objects.filter(kind="stage_changed", enrollment=sleep).count() == 1
    assert not MilestoneReached.objects.exists()


def test_resending_the_link_emails_a_working_fresh_one_and_journals_it(
    admin_client, two_programs, django_capture_on_commit_callbacks
):
    focus, _ = two_programs
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("resend_link", focus.student_id), follow=True)
    assert "A fresh personal link is on its way to ann@example.org" in messages_of(response)
    [message] = Message.objects.filter(kind="hub_link")
    assert message.to_email == "ann@example.org"
    [event] = JourneyEvent.objects.filter(kind="hub_link_sent")
    assert event.actor == "admin:alice" and event.enrollment_id is None
    [sent] = [m for m in mail.outbox if m.subject == "Your personal link"]
    path = re.search(r"http://[^/]+(/me/\S+/)", sent.body).group(1)
    assert Client().get(path).status_code == 200


@pytest.fixture
def viewer_client(client, django_user_model):
    """A team member who may open the admin and look at students, not change them."""
    user = django_user_model.objects.create_user(username="viewer", password="x")
    group = Group.objects.create(name="Student viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_student")
    )
    user.groups.add(group)
    client.force_login(user)
    return client


def test_without_change_permission_every_action_is_403_and_hidden(viewer_client, two_programs):
    focus, _ = two_programs
    page = inspect_page(viewer_client, focus.student_id)
    assert "Mark reached" not in page and "Withdraw" not in page and "fresh personal link" not in page
    for name in ACTIONS:
        response = viewer_client.post(url(name, focus.student_id), {"enrollment": focus.pk, "milestone": "halfway"})
        assert response.status_code == 403, name
    focus.refresh_from_db()
    assert focus.stage == Stage.ENROLLED and not MilestoneReached.objects.exists()
    assert not Message.objects.filter(kind="hub_link").exists()
    assert not JourneyEvent.objects.exclude(actor="test").exists()


def test_get_is_405_and_unknown_students_404(admin_client, two_programs):
    focus, _ = two_programs
    for name in ACTIONS:
        assert admin_client.get(url(name, focus.student_id)).status_code == 405, name
        assert admin_client.post(url(name, 999999), {"enrollment": focus.pk}).status_code == 404, name
        assert admin_client.post(url(name, 2**70), {"enrollment": focus.pk}).status_code == 404, name
    assert Enrollment.objects.get(pk=focus.pk).stage == Stage.ENROLLED


def test_actions_need_the_csrf_token(admin_user, two_programs):
    focus, _ = two_programs
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    for name in ACTIONS:
        assert strict.post(url(name, focus.student_id), {"enrollment": focus.pk}).status_code == 403, name
    assert not JourneyEvent.objects.exclude(actor="test").exists()


def test_a_student_without_enrollments_only_gets_the_link_button(admin_client):
    student = StudentFactory()
    page = inspect_page(admin_client, student.pk)
    assert "Email a fresh personal link" in page and "Mark reached" not in page
