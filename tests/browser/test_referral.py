"""A graduate opens the ask, copies their link from the hub; a friend on a phone opens it while
registration is closed, registers, confirms from the email, and the graduate's hub shows the friend.
Someone typing an existing student's address into a landing page changes nothing about that student."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaigns import engine, services
from campaigns.models import Enrollment, Student
from mailers import services as mail_services
from mailers.models import Message
from referrals.models import FriendLead, ReferralClick
from testimonials import feedback, publishing, submissions
from testimonials.models import Consent, FeedbackResponse, ModerationStatus, Testimonial
from tests.factories import enroll, feedback_plan, program_page, referral_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUOTE = "Mornings used to be a battle. Now we leave on time and nobody shouts."


def ask_email(program):
    feedback_plan(program=program, after_milestone_slug="first-win")
    referral_plan(program=program, delay_after_testimonial_days=0)
    now = timezone.now()
    enrollment = enroll(
        program=program,
        email="maria@example.org",
        first_name="Maria",
        last_name="Lopez",
        marketing_consent=True,
        now=now - timedelta(days=3),
        starts_at=now - timedelta(days=2),
    )
    engine.tick(now=now - timedelta(days=2))
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(), source="t", actor="t", now=now - timedelta(days=1)
    )
    engine.tick(now=now - timedelta(days=1))
    response = FeedbackResponse.objects.get(enrollment=enrollment)
    feedback.feedback_submit(response=response, score=10, answers=[QUOTE], now=now - timedelta(days=1))
    testimonial = submissions.testimonial_save(
        student_id=enrollment.student_id, program_id=program.pk, text=QUOTE, consent=Consent.FIRST_NAME, now=now
    )
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.APPROVED, user=None, now=now)
    mail.outbox = []
    engine.tick(now=now + timedelta(minutes=1))
    mail_services.messages_send_due(now=now + timedelta(days=8))  # past the contact budget's window
    return next(m for m in mail.outbox if "maria@example.org" in m.to[0] and "/r/" in m.body)


def test_graduate_shares_and_a_friend_registers_on_a_phone_while_registration_is_closed(
    browser, desktop, phone, live_server
):
    program = program_page(slug="calm", milestones=[("first-win", 7)], registration_status="closed")
    email = ask_email(program)
    assert f"“{QUOTE}”" in email.body or f'"{QUOTE}"' in email.body
    hub_path = urlsplit(re.search(r"https?://\S+/me/\S+/", email.body).group(0)).path

    # The graduate copies their link from the hub.
    desktop.context.grant_permissions(["clipboard-read", "clipboard-write"])
    desktop.goto(live_server.url + hub_path)
    desktop.wait_for_selector("text=Your special link for")
    link = desktop.input_value("input[id^=special-link-]")
    assert "Full disclosure: I get a thank-you from them if you join." in desktop.input_value(
        "textarea[id^=share-text-]"
    )
    desktop.click("text=Copy link")
    desktop.wait_for_selector("text=Copied.")
    assert desktop.evaluate("navigator.clipboard.readText()") == link
    code = link.rsplit("/", 1)[-1]

    # A friend opens it on a phone.
    phone.goto(live_server.url + urlsplit(link).path)
    phone.wait_for_url(f"{live_server.url}/join/{code}/")
    assert ReferralClick.objects.count() == 1
    text = phone.inner_text("main")
    assert "An invitation from Maria" in text
    assert QUOTE in text
    assert "Registration is closed to the public" in text and "This link lets you register now" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("#id_first_name", "Jo")
    phone.fill("#id_email", "jo@example.org")
    assert not phone.is_checked("#id_marketing")  # marketing email is a choice of its own, off unless ticked
    assert not phone.is_checked("#id_share_name")  # so is Maria seeing it was Jo
    phone.check("#id_share_name")
    phone.click("button:has-text('Register now')")
    phone.wait_for_selector("text=Check your inbox")
    lead = FriendLead.objects.get()
    assert lead.email == "jo@example.org" and lead.status == "pending"

    # The friend opens the one email and confirms; only then are they in.
    [confirmation] = [m for m in mail.outbox if m.to == ["jo@example.org"]]
    phone.goto(live_server.url + urlsplit(re.search(r"https?://\S+/confirm/\S+/", confirmation.body).group(0)).path)
    phone.click("button:has-text('Yes, confirm my place')")
    phone.wait_for_selector("text=You're in")
    assert FriendLead.objects.get().status == "enrolled"

    # The graduate's hub shows the friend, and when the thank-you comes: after the refund window, not now.
    desktop.goto(live_server.url + hub_path)
    friends = desktop.inner_text("section.special-link")
    assert "Jo" in friends and "enrolled" in friends and "a friend joined — your thank-you from" in friends


def test_a_graduate_of_two_programs_edits_and_shares_each_message_on_its_own(browser, desktop, live_server):
    from campaigns import links
    from referrals.models import ReferralLink
    from referrals.services import link_for

    programs = [
        program_page(slug=slug, milestones=[("first-win", 7)], title=title)
        for slug, title in (("calm", "Calm Mornings"), ("sleep", "Sleep School"))
    ]
    for program in programs:
        referral_plan(program=program)
        enrollment = enroll(program=program, email="maria@example.org", first_name="Maria")
        link_for(student_id=enrollment.student_id, program_id=program.pk)
    calm, sleep = (ReferralLink.objects.get(program=program) for program in programs)
    desktop.context.grant_permissions(["clipboard-read", "clipboard-write"])
    desktop.goto(live_server.url + links.hub_path(calm.student_id))
    first, second = f"#link-heading-{calm.pk} >> xpath=..", f"#link-heading-{sleep.pk} >> xpath=.."
    untouched = desktop.get_attribute(f"{first} >> [data-share=whatsapp]", "href")

    desktop.fill(f"#share-text-{sleep.pk}", "Sleep School gave us our evenings back.")
    whatsapp = desktop.get_attribute(f"{second} >> [data-share=whatsapp]", "href")
    assert whatsapp == "https://wa.me/?text=Sleep%20School%20gave%20us%20our%20evenings%20back."
    email = desktop.get_attribute(f"{second} >> [data-share=email]", "href")
    assert email.startswith("mailto:?subject=Sleep%20School%3A%20an%20invitation&body=Sleep%20School%20gave")
    assert desktop.get_attribute(f"{first} >> [data-share=whatsapp]", "href") == untouched
    # The edit took the special link out: the card says what that costs the friends; the other card does not.
    assert desktop.is_visible(f"{second} >> [data-link-missing]")
    assert not desktop.is_visible(f"{first} >> [data-link-missing]")

    desktop.click(f"{second} >> button:has-text('Copy message')")
    desktop.wait_for_selector(f"{second} >> text=Copied.")
    assert desktop.evaluate("navigator.clipboard.readText()") == "Sleep School gave us our evenings back."
    assert desktop.inner_text(f"{first} >> [data-copy-status]") == ""
    # Sharing from the second card counts for its own link (no reminder for it), not the first.
    for _ in range(50):
        if ReferralLink.objects.get(pk=sleep.pk).first_shared_at:
            break
        desktop.wait_for_timeout(100)
    assert ReferralLink.objects.get(pk=sleep.pk).first_shared_at is not None
    assert ReferralLink.objects.get(pk=calm.pk).first_shared_at is None


def test_a_friend_registers_with_an_existing_students_address_and_nothing_about_them_changes(
    browser, phone, desktop, live_server
):
    """Someone types Maria's address (a graduate of another program) into Sam's landing page, with another
    name and the marketing box ticked. Maria's name, consent and pages stay as they are, the confirmation
    is the only email anyone gets, and opening it (twice) enrolls her once, under her own name."""
    from campaigns import links
    from tests.referrals.friend_cases import maria_of_calm, sam_of_sleep, student_snapshot

    maria = maria_of_calm()
    sam = sam_of_sleep()
    testimonial = Testimonial.objects.get(student_id=maria.student_id)
    before = student_snapshot(maria.student_id)
    card_url = f"{live_server.url}/t/{testimonial.pk}/card.png"
    card_before = desktop.request.get(card_url).body()
    messages_before = Message.objects.count()
    mail.outbox = []

    phone.goto(f"{live_server.url}/join/{sam.code}/")
    phone.fill("#id_first_name", "Mallory")
    phone.fill("#id_last_name", "Imposter")
    phone.fill("#id_email", "maria@example.org")
    phone.check("#id_marketing")
    phone.click("button:has-text('Register now')")
    phone.wait_for_selector("text=Check your inbox")  # what any address is told

    # Nothing about Maria changed, and the confirmation is the only thing sent.
    assert student_snapshot(maria.student_id) == before
    assert Message.objects.count() == messages_before + 1
    [message] = Message.objects.order_by("-pk")[:1]
    assert message.kind == "friend_confirm" and message.to_email == "maria@example.org"
    [email] = mail.outbox
    assert email.to == ["maria@example.org"] and "Mallory" not in email.body + email.subject
    desktop.goto(f"{live_server.url}/join/{maria.code}/")
    assert "An invitation from Maria" in desktop.inner_text("main")
    desktop.goto(live_server.url + links.hub_path(maria.student_id))
    hub = desktop.inner_text("main")
    assert "Maria" in hub and "Mallory" not in hub
    assert desktop.request.get(card_url).body() == card_before

    # Maria opens the email: the page asks before it does anything; she confirms, twice.
    path = urlsplit(re.search(r"https?://\S+/confirm/\S+/", email.body).group(0)).path
    phone.goto(live_server.url + path)
    phone.wait_for_selector("text=Confirm your place in Sleep School")
    assert not Enrollment.objects.filter(student_id=maria.student_id, program=sam.program).exists()
    phone.click("button:has-text('Yes, confirm my place')")
    phone.wait_for_selector("text=You're in")
    phone.goto(live_server.url + path)  # the link again
    phone.wait_for_selector("text=You're in")
    phone.go_back()
    phone.reload()
    phone.wait_for_selector("text=You're in")
    assert Enrollment.objects.filter(student_id=maria.student_id, program=sam.program).count() == 1
    assert Enrollment.objects.filter(student_id=maria.student_id).count() == 2
    assert Student.objects.filter(email__iexact="maria@example.org").count() == 1
    assert student_snapshot(maria.student_id) == before  # her name, and her "no" to marketing email
    assert Message.objects.filter(kind="friend_welcome").count() == 1
    assert Message.objects.filter(kind="friend_joined").count() == 1
    desktop.goto(f"{live_server.url}/join/{maria.code}/")
    assert "An invitation from Maria" in desktop.inner_text("main")
    assert desktop.request.get(card_url).body() == card_before
