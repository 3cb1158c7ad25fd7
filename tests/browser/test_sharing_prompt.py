"""A student completes a sharing prompt from its email on a phone; the creator's completion rate moves."""

import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaigns import engine, services
from mailers import services as mail_services
from tests.factories import enroll, program_page, sharing_prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_login(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def completion_rate(page, base, program) -> str:
    page.goto(f"{base}/admin/sharing-prompts/?program={program.pk}")
    return page.inner_text("tr[data-milestone='First Win'] [data-rate]")


def test_student_completes_a_prompt_from_the_email_on_a_phone(phone, desktop, live_server, admin_user):
    program = program_page(slug="calm", milestones=[("first-win", 7)])
    sharing_prompt(
        program=program,
        example_reflection="I stayed calm when my son melted down. I am proud of that.",
    )
    now = timezone.now()
    enrollment = enroll(
        program=program, now=now - timedelta(days=2), starts_at=now - timedelta(days=1), marketing_consent=True
    )
    engine.tick(now=now - timedelta(days=1))
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(), source="platform", actor="test", now=now
    )
    mail.outbox = []
    engine.tick(now=now)
    mail_services.messages_send_due(now=now)  # already sent on commit; a second pass sends nothing twice
    [email] = mail.outbox
    link = re.search(r"https?://\S+/prompts/\d+/", email.body).group(0)

    admin_login(desktop, live_server.url)
    assert completion_rate(desktop, live_server.url, program) == "0%"

    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.goto(live_server.url + urlsplit(link).path)
    assert "You reached First Win" in phone.inner_text("h1")
    assert "Tell 3 people close to you how it felt to reach First Win." in phone.inner_text(".ask")

    # The share buttons come before the count, and the box is the student's own: the creator's
    # example is a hint, never the text that goes out; with nothing written, a neutral line goes.
    share_top = phone.locator("[data-share=whatsapp]").bounding_box()["y"]
    assert share_top < phone.locator("#id_people_count").bounding_box()["y"]
    assert phone.input_value("#id_reflection") == ""
    assert "I stayed calm when my son melted down" in phone.inner_text("#reflection-help")
    for kind in ("email", "whatsapp", "linkedin", "x"):
        href = unquote(phone.get_attribute(f"[data-share={kind}]", "href"))
        assert "melted down" not in href and "I just reached “First Win”" in href
    phone.click("[data-copy]")
    phone.wait_for_selector("text=Copied.")
    assert "melted down" not in phone.evaluate("navigator.clipboard.readText()")

    # As they type, the buttons carry their words, and nothing else.
    phone.fill("#id_reflection", "Told my sister and two friends how calm I felt. It felt great to say it out loud.")
    whatsapp = phone.get_attribute("[data-share=whatsapp]", "href")
    assert unquote(whatsapp) == "https://wa.me/?text=" + phone.input_value("#id_reflection")
    phone.fill("#id_people_count", "3")
    phone.click("button[type=submit]")
    phone.wait_for_selector("text=Thank you for sharing your win with 3 people")

    # After saving, the box and the buttons still carry what they wrote.
    assert phone.input_value("#id_reflection").startswith("Told my sister and two friends")
    whatsapp = phone.get_attribute("[data-share=whatsapp]", "href")
    assert unquote(whatsapp) == "https://wa.me/?text=" + phone.input_value("#id_reflection")
    for kind in ("email", "linkedin", "x"):
        assert "Told%20my%20sister" in phone.get_attribute(f"[data-share={kind}]", "href")
        assert "/r/" not in unquote(phone.get_attribute(f"[data-share={kind}]", "href"))
    phone.fill("#id_reflection", "Edited: I am proud of myself.")
    assert unquote(phone.get_attribute("[data-share=x]", "href")).endswith("text=Edited: I am proud of myself.")
    phone.evaluate("document.querySelector('[data-copy-status]').textContent = ''")  # wait for this copy
    phone.click("[data-copy]")
    phone.wait_for_selector("text=Copied.")
    assert phone.evaluate("navigator.clipboard.readText()") == "Edited: I am proud of myself."
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The hub lists it as shared.
    phone.click("text=← Your page")
    phone.wait_for_selector("text=Wins you shared")
    assert "shared with 3" in phone.inner_text("main")

    assert completion_rate(desktop, live_server.url, program) == "100%"
