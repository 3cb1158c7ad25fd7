"""A visitor registers on an open program's public page, confirms from the email, and is enrolled;
on a closed program's page they ask to be told when it opens."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from campaigns.models import Enrollment, Student
from mailers.models import Message
from referrals.models import FriendLead
from tests.factories import program_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_path(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to]]
    return urlsplit(re.search(r"https?://\S+/register/confirm/\S+/", message.body).group(0)).path


def test_a_visitor_registers_on_the_program_page_confirms_and_is_enrolled(browser, phone, live_server):
    program = program_page(slug="calm", title="Calm Mornings", milestones=[("first-win", 7)])
    mail.outbox = []
    phone.goto(live_server.url + program.url)
    assert "Registration is open" in phone.inner_text("main")
    phone.fill("#id_first_name", "Jo")
    phone.fill("#id_email", "jo@example.org")
    assert not phone.is_checked("#id_marketing")  # marketing email is a choice of its own
    phone.click("button:has-text('Register')")
    phone.wait_for_selector("text=Check your inbox")
    assert FriendLead.objects.get().status == "pending"
    assert not Student.objects.filter(email="jo@example.org").exists()  # nothing before the confirmation

    phone.goto(live_server.url + confirm_path("jo@example.org"))
    phone.click("button:has-text('Yes, confirm my place')")
    phone.wait_for_selector("text=You're in")
    enrollment = Enrollment.objects.get(student__email="jo@example.org")
    assert enrollment.program_id == program.pk and not enrollment.student.marketing_consent
    # The welcome is queued for them (sent by the mailer at the student's hour, like every program email).
    assert Message.objects.filter(kind="registration_welcome", to_email="jo@example.org").count() == 1


def test_a_visitor_asks_to_be_told_when_a_closed_program_opens(browser, desktop, live_server):
    program = program_page(slug="sleep", title="Sleep School", registration_status="closed")
    mail.outbox = []
    desktop.goto(live_server.url + program.url)
    assert "Registration is closed" in desktop.inner_text("main")
    desktop.fill("#id_email", "wait@example.org")
    desktop.click("button:has-text('Tell me when it opens')")
    desktop.wait_for_selector("text=Check your inbox")
    desktop.goto(live_server.url + confirm_path("wait@example.org"))
    desktop.click("button:has-text('Yes, tell me when it opens')")
    desktop.wait_for_selector("text=We will tell you when it opens")
    lead = FriendLead.objects.get()
    assert lead.status == "waitlist" and lead.confirmed_at is not None
