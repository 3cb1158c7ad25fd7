"""A recipient unsubscribes from a phone; a creator sends themselves a test from the admin."""

import re

import pytest
from django.core import mail

from mailers import tokens
from mailers.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recipient_unsubscribes_and_then_picks_program_emails_only_on_a_phone(phone, live_server):
    token = tokens.make("ann@example.org")
    phone.goto(f"{live_server.url}/mail/unsubscribe/{token}/")
    assert "Unsubscribe ann@example.org?" in phone.inner_text("h1")
    assert not Contact.objects.exists()  # looking at the page changes nothing
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=You're unsubscribed")
    contact = Contact.objects.get(email="ann@example.org")
    assert contact.unsubscribed_at is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.click("text=Choose what you receive")
    phone.check("input[value=program]")
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=Saved")
    contact.refresh_from_db()
    assert contact.wants_program_emails and not contact.wants_referral_asks
    assert phone.is_checked("input[value=program]")


def test_creator_sends_a_test_email_to_themselves(desktop, live_server, admin_user, program):
    desktop.goto(f"{live_server.url}/admin/login/")
    desktop.fill("#id_username", "alice")
    desktop.fill("#id_password", "pw-alice-123")
    desktop.click("button[type=submit]")
    desktop.wait_for_url(f"{live_server.url}/admin/")
    assert "Send a test email" in desktop.content()  # in the admin menu
    desktop.goto(f"{live_server.url}/admin/mail/send-test/")
    desktop.fill("#id_subject", "Hi {{ frist_name }}")
    desktop.click("text=Send test to me")
    desktop.wait_for_selector("text=Unknown merge field {{ frist_name }}")
    assert mail.outbox == []
    desktop.fill("#id_subject", "Hi {{ first_name }}")
    desktop.click("text=Send test to me")
    desktop.wait_for_selector("text=Test sent to alice@example.org")
    assert [m.subject for m in mail.outbox] == ["[Test] Hi there"]
    # And it is in the message log.
    desktop.goto(f"{live_server.url}/admin/mail/messages/")
    assert re.search(r"alice@example.org", desktop.inner_text("main"))
