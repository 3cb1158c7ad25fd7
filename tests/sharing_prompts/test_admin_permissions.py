"""Admin access alone shows no program's figures and sends nothing in a program's name: the
sharing-prompt statistics and "send a test" follow the Wagtail page permissions of the programs."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission

from sharing_prompts.models import PromptDelivery
from tests.factories import enroll, program_page, sharing_prompt

pytestmark = pytest.mark.django_db


def refused(response) -> bool:
    """Wagtail's answer to PermissionDenied in its admin: back to the dashboard, with "Sorry, you do
    not have permission to access this area." (a 403 where the request asks for JSON)."""
    return response.status_code == 403 or (response.status_code == 302 and response.url == reverse("wagtailadmin_home"))


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox = []


@pytest.fixture
def programs(db):
    """Program A (the user has no permission on it) and B (the user edits it)."""
    a = program_page(slug="alpha", title="Alpha secrets", milestones=[("first-win", 7)])
    b = program_page(slug="beta", title="Beta open", milestones=[("first-win", 7)])
    for program, cohort in ((a, "alpha-cohort"), (b, "beta-cohort")):
        sharing_prompt(program=program)
        enrollment = enroll(program=program, email=f"s@{program.slug}.example")
        PromptDelivery.objects.create(
            enrollment=enrollment,
            student=enrollment.student,
            program=program,
            milestone_slug="first-win",
            milestone_title="First win",
            cohort=cohort,
            ask="Tell 3 people.",
            target_count=3,
            prompted_at=timezone.now(),
        )
    return a, b


@pytest.fixture
def editor_of_b(django_user_model, programs):
    """Admin access, and edit/publish on program B only (a group permission on B, as Wagtail grants)."""
    from django.contrib.auth.models import Group

    _, b = programs
    group = Group.objects.create(name="Beta editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("change_page", "publish_page"):
        GroupPagePermission.objects.create(group=group, page=b, permission=Permission.objects.get(codename=codename))
    user = django_user_model.objects.create_user("bea", "bea@example.org", "pw-bea-12345")
    user.groups.add(group)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_statistics_show_only_the_programs_the_user_can_edit(editor_of_b, programs):
    a, b = programs
    page = editor_of_b.get(reverse("sharing_prompts_stats"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Beta open" in html and "beta-cohort" in html
    assert "Alpha secrets" not in html and "alpha-cohort" not in html
    assert [row.program_title for row in page.context["rows"]] == ["Beta open", "Beta open"]


def test_statistics_of_a_program_the_user_cannot_edit_are_refused(editor_of_b, programs):
    a, _ = programs
    response = editor_of_b.get(reverse("sharing_prompts_stats"), {"program": a.pk})
    assert refused(response)
    assert "Alpha secrets" not in editor_of_b.get(response.url).content.decode()


@pytest.mark.parametrize("junk", ["²", "٣", "-1", "0", str(2**64), "abc"])
def test_junk_in_the_statistics_filter_is_no_500(editor_of_b, programs, junk):
    page = editor_of_b.get(reverse("sharing_prompts_stats"), {"program": junk})
    assert page.status_code == 200 and "Alpha secrets" not in page.content.decode()


def test_a_superuser_still_sees_every_program(admin_client, programs):
    html = admin_client.get(reverse("sharing_prompts_stats")).content.decode()
    assert "Alpha secrets" in html and "Beta open" in html


def test_send_a_test_email_offers_only_editable_programs_and_refuses_another(editor_of_b, programs):
    a, b = programs
    page = editor_of_b.get(reverse("mailers_send_test"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["program"].queryset) == [b]
    data = {"subject": "Hi {{ first_name }}", "body": "From {{ program_title }}"}
    for program in (a.pk, 2**64, "²"):
        response = editor_of_b.post(reverse("mailers_send_test"), {**data, "program": program})
        assert refused(response)
    assert mail.outbox == []
    sent = editor_of_b.post(reverse("mailers_send_test"), {**data, "program": b.pk})
    assert sent.status_code == 302
    [message] = mail.outbox
    assert message.to == ["bea@example.org"] and "From Beta open" in message.body


def test_send_a_test_email_needs_a_program_the_user_can_edit(django_user_model, programs):
    user = django_user_model.objects.create_user("ada", "ada@example.org", "pw-ada-12345")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert refused(client.get(reverse("mailers_send_test")))
    assert refused(client.post(reverse("mailers_send_test"), {"subject": "Hi", "body": "Hello"}))
    assert mail.outbox == []


def test_send_this_prompt_to_me_for_a_program_the_user_cannot_edit_is_refused(editor_of_b, programs):
    a, b = programs
    for from_preview in ("", "1"):
        response = editor_of_b.post(
            reverse("sharing_prompts_send_test", args=[a.pk]),
            {"milestone_slug": "first-win", "from_preview": from_preview, "email_subject": "Hi", "ask": "Share"},
        )
        assert refused(response)
    assert mail.outbox == []
    assert (
        editor_of_b.post(reverse("sharing_prompts_send_test", args=[b.pk]), {"milestone_slug": "first-win"}).status_code
        == 302
    )
    assert len(mail.outbox) == 1
