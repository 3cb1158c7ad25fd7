"""Previews and test emails tell the truth: the program's own figures, links that work."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import GroupPagePermission

from campaigns.models import ProgramPage
from mailers.models import Message
from tests.factories import enroll, feedback_plan, program_page, referral_plan, sharing_prompt

pytestmark = pytest.mark.django_db

EMAIL_KEYS = ["feedback_request", "testimonial_request", "referral_ask", "referral_reminder", "friend_joined"]
EMAIL_KEYS += ["friend_welcome"]


@pytest.fixture
def garden(db):
    """A non-demo program: its own mission, unit and figures (nothing like the demo's parents)."""
    program = program_page(
        slug="garden",
        title="Grow Your Own",
        mission_statement="get 5,000 neighbours growing their own vegetables",
        mission_goal=5000,
        mission_unit="gardeners",
        mission_start_count=1234,
    )
    feedback_plan(program=program)
    referral_plan(program=program, reminder_after_days=4, friend_offer_text="a seed kit for their first bed")
    for i in range(3):
        enroll(program=program, email=f"g{i}@example.org")
    return ProgramPage.objects.get(pk=program.pk)


def emails_preview(client, program) -> str:
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[program.pk]) + "?mode=emails")
    assert response.status_code == 200
    return response.content.decode()


def test_the_ask_preview_shows_this_programs_mission_figures_and_a_sample_link_on_this_site(admin_client, garden):
    body = emails_preview(admin_client, garden)
    assert "We are out to get 5,000 neighbours growing their own vegetables." in body
    # 1,234 before the engine + 3 students, toward the goal: the real figures, not an invented 412,300.
    assert "1,237 gardeners so far, toward 5,000." in body
    assert "a seed kit for their first bed" in body
    assert "412,300" not in body and "10,000 people" not in body and "example.org/r/" not in body
    assert "http://testserver/r/SAMPLE" in body or "/r/SAMPLE" in body


def test_the_sample_special_link_is_answered_gracefully(client, garden):
    response = client.get("/r/SAMPLE", follow=True)
    assert response.status_code < 500
    assert response.redirect_chain and "/join/SAMPLE/" in response.redirect_chain[-1][0]


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


@pytest.mark.parametrize("key", EMAIL_KEYS)
def test_send_this_to_me_queues_a_test_whose_links_open_real_pages(admin_client, garden, key):
    mail.outbox = []
    response = admin_client.post(
        reverse("campaigns_email_preview_send", args=[garden.pk]), {"email": key, "from_editor": "0"}
    )
    assert response.status_code == 200 and "as a test" in response.content.decode()
    message = Message.objects.get(kind="test")
    assert message.to_email == "alice@example.org" and message.status == "sent"
    [sent] = mail.outbox
    assert sent.subject.startswith("[Test] ")
    assert "#" not in " ".join(links_in(sent.body)) and "#prompt-page" not in sent.body
    links = links_in(sent.body)
    assert links, sent.body
    client = Client()  # the team member follows them like anyone reading the email
    for link in links:
        page = client.get(urlsplit(link).path, follow=True)
        assert page.status_code == 200, (link, page.status_code)
    if key in ("referral_ask", "referral_reminder"):
        assert "1,237 gardeners so far, toward 5,000." in sent.body or key == "referral_reminder"
        assert "/mail/test-link/special-link/" in sent.body


def test_a_test_link_page_says_what_it_is_and_an_unknown_one_is_a_404(client):
    page = client.get(reverse("mailers:test_link", args=["special-link"]))
    assert page.status_code == 200 and "This is a test link" in page.content.decode()
    assert "friend" in page.content.decode()
    assert client.get(reverse("mailers:test_link", args=["nope"])).status_code == 404


def test_send_this_to_me_needs_edit_permission_csrf_and_a_known_email(admin_client, garden, django_user_model):
    url = reverse("campaigns_email_preview_send", args=[garden.pk])
    assert admin_client.post(url, {"email": "no-such-email"}).status_code == 404
    # Admin access without permission on this program: refused, nothing sent.
    viewer = django_user_model.objects.create_user("vic", "vic@example.org", "pw-vic-12345")
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Admins without pages")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    viewer.groups.add(group)
    other = program_page(slug="other")
    GroupPagePermission.objects.create(group=group, page=other, permission_type="change")
    client = Client()
    client.force_login(viewer)
    assert client.post(url, {"email": "referral_ask"}).status_code in (302, 403)  # Wagtail: back to the dashboard
    # No CSRF token: refused.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(django_user_model.objects.get(username="alice"))
    assert strict.post(url, {"email": "referral_ask"}).status_code == 403
    assert not Message.objects.exists()


def test_send_this_to_me_sends_what_the_editor_previewed_unsaved(admin_client, garden):
    """From the editor's preview, the unsaved form data Wagtail keeps for the preview is what is sent."""
    from tests.factories import program_form
    from tests.referrals.test_editor import PLAN

    plan = garden.referral_plans.get()
    data = program_form(referral_plans=[{**PLAN, "id": str(plan.pk), "ask_subject": "Unsaved: {{ ask_count }}?"}])
    data.update(title="Grow Your Own (unsaved)", slug=garden.slug, **{"referral_plans-INITIAL_FORMS": "1"})
    preview = admin_client.post(reverse("wagtailadmin_pages:preview_on_edit", args=[garden.pk]), data)
    assert preview.json()["is_valid"] is True
    mail.outbox = []
    admin_client.post(
        reverse("campaigns_email_preview_send", args=[garden.pk]), {"email": "referral_ask", "from_editor": "1"}
    )
    [sent] = mail.outbox
    assert sent.subject == "[Test] Unsaved: 1–3?"
    assert "Grow Your Own (unsaved)" in sent.body


def test_a_sharing_prompt_test_email_links_to_pages_not_anchors(admin_client, garden):
    sharing_prompt(program=garden)
    mail.outbox = []
    admin_client.post(reverse("sharing_prompts_send_test", args=[garden.pk]), {"milestone_slug": "first-win"})
    [sent] = mail.outbox
    assert "#prompt-page" not in sent.body and "#hub" not in sent.body
    links = [link for link in links_in(sent.body) if "/mail/test-link/" in link]
    assert links
    for link in links:
        assert Client().get(urlsplit(link).path).status_code == 200


def test_send_a_test_email_fills_merge_fields_with_the_chosen_programs_values(admin_client, garden):
    mail.outbox = []
    body = (
        "{{ program_title }} / {{ mission_statement }} / {{ mission_progress }} / {{ mission_goal }} / "
        "{{ friend_offer }} / {{ thank_you }} / {{ ask_count }} / {{ special_link }} / {{ milestone_title }}"
    )
    response = admin_client.post(
        reverse("mailers_send_test"), {"program": garden.pk, "subject": "Hi {{ first_name }}", "body": body}
    )
    assert response.status_code == 302
    [sent] = mail.outbox
    assert "Grow Your Own / get 5,000 neighbours growing their own vegetables / 1,237 gardeners so far" in sent.body
    assert "5,000 gardeners" in sent.body and "a seed kit for their first bed" in sent.body
    assert "1–3" in sent.body and "/mail/test-link/special-link/" in sent.body and "First Win" in sent.body
    assert "[" not in sent.body.split("--")[0]  # no "[mission progress]" placeholders left
    assert sent.subject == "[Test] Hi Alice" or sent.subject.startswith("[Test] Hi ")
