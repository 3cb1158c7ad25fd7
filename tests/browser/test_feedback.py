"""Feedback from the email's score links on a phone: the unhappy student is heard and the team sees the
case; the happy student writes a testimonial that appears on the wall once approved."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaigns import engine, services
from mailers import services as mail_services
from mailers.models import Message
from testimonials.models import SupportCase, Testimonial
from tests.factories import enroll, feedback_plan, program_page, testimonial_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def feedback_email(program, email="ann@example.org", first_name="Ann", **plan):
    feedback_plan(program=program, after_milestone_slug="first-win", **plan)
    now = timezone.now()
    enrollment = enroll(
        program=program,
        email=email,
        first_name=first_name,
        now=now - timedelta(days=2),
        starts_at=now - timedelta(days=1),
        marketing_consent=True,
    )
    engine.tick(now=now - timedelta(days=1))
    mail.outbox = []
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(), source="platform", actor="test", now=now
    )
    engine.tick(now=now)
    mail_services.messages_send_due(now=now)
    [message] = [m for m in mail.outbox if "how was" in m.subject]
    return {int(s): urlsplit(u).path for s, u in re.findall(r"(\d+) — (http\S+/feedback/\S+/\d+/)", message.body)}


def admin_login(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_unhappy_student_is_heard_and_the_team_sees_the_case(phone, desktop, live_server, admin_user):
    program = program_page(slug="calm", milestones=[("first-win", 7)])
    # A help desk too; no HELPDESK_WEBHOOK_SECRET here, so each post says why it was not sent.
    links = feedback_email(program, helpdesk_webhook_url="https://helpdesk.example.com/hook")

    phone.goto(live_server.url + links[3])
    assert phone.is_checked("#id_score_3")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("#id_answer_0", "Nothing changed for us, and nobody answered my emails.")
    phone.click("text=Send")
    phone.wait_for_selector("text=Thank you for telling us")
    phone.fill("#id_words", "I felt ignored for three weeks.")
    phone.click("text=Send to the team")
    phone.wait_for_selector("text=We added this to what you told us")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    case = SupportCase.objects.get()
    assert "nobody answered my emails" in case.student_words and "ignored for three weeks" in case.student_words
    assert not Message.objects.filter(kind="testimonial_request").exists()

    admin_login(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/admin/support-cases/")
    assert "Open" in desktop.inner_text("main")
    desktop.goto(f"{live_server.url}/admin/support-cases/edit/{case.pk}/")
    main = desktop.inner_text("main")
    assert "I felt ignored for three weeks." in main
    assert "Posted to the help desk" in main
    assert "Case opened" in main and "Words added" in main and "not sent: set HELPDESK_WEBHOOK_SECRET" in main
    desktop.select_option("#id_assigned_to", label="alice")
    desktop.select_option("#id_status", "made_right")
    desktop.fill("#id_resolution_note", "Called Ann, extended her access.")
    desktop.click("button:has-text('Save')")
    desktop.wait_for_selector("text=Resolved: made right")
    case.refresh_from_db()
    assert case.status == "made_right" and case.assigned_to == admin_user


def test_happy_student_writes_a_testimonial_that_appears_once_approved(phone, desktop, live_server, admin_user):
    program = program_page(slug="calm", milestones=[("first-win", 7)])
    links = feedback_email(program, first_name="Maria")

    phone.goto(live_server.url + links[10])
    phone.fill("#id_answer_0", "Mornings used to be a battle. Now we leave on time and nobody shouts.")
    phone.click("text=Send")
    phone.click("text=Write my testimonial")
    assert "Mornings used to be a battle" in phone.input_value("#id_text")
    phone.check("input[name=consent][value=first_name]")
    phone.click("text=Send my testimonial")
    phone.wait_for_selector("text=The team will check it shortly")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    testimonial = Testimonial.objects.get()

    wall = testimonial_wall(title="What our graduates say")
    phone.goto(live_server.url + wall.url)
    assert "Mornings used to be a battle" not in phone.inner_text("main")  # not approved yet

    admin_login(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/admin/testimonials/edit/{testimonial.pk}/")
    desktop.select_option("#id_status", "approved")
    desktop.click("button:has-text('Save')")
    desktop.wait_for_load_state()
    testimonial.refresh_from_db()
    assert testimonial.status == "approved"

    phone.goto(live_server.url + wall.url)
    assert "Mornings used to be a battle" in phone.inner_text("main")
    assert "Maria" in phone.inner_text("main") and "Lovelace" not in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
