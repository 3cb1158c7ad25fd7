"""The referral ask as graduates live it: after a happy testimonial, once, SMART-I, quoting their words;
who is never asked; the one reminder, and what cancels it."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from campaigns import engine
from campaigns.models import JourneyEvent
from mailers import services as mail_services
from mailers.models import Message
from referrals.models import ReferralClick, ReferralLink
from referrals.selectors import normalize_code
from referrals.services import eligibility, link_for, link_mark_shared
from testimonials import publishing, submissions, support
from testimonials.models import CaseStatus, Consent, FeedbackResponse, ModerationStatus, Testimonial
from tests.referrals.graduates import QUOTE, graduate, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def ask_messages():
    return Message.objects.filter(kind="referral_ask")


def test_the_ask_goes_after_the_delay_and_quotes_their_words_mission_count_window_and_link(program):
    now = timezone.now()
    enrollment = graduate(program, now=now, delay_after_testimonial_days=2)
    # Her feedback and testimonial arrived before their requests could go: both requests are cancelled.
    # Two program announcements spend the contact budget instead (2 marketing emails in 7 days).
    for key in ("news-1", "news-2"):
        mail_services.message_queue(
            kind="announcement",
            to_email="maria@example.org",
            idempotency_key=key,
            context={"subject": "News", "body": "A note."},
            now=now,
        )
    mail_services.messages_send_due(now=now)
    engine.tick(now=now + timedelta(days=1))
    assert not ask_messages().exists()
    engine.tick(now=now + timedelta(days=2, minutes=1))
    [message] = ask_messages()
    link = ReferralLink.objects.get(student=enrollment.student)
    # The announcements spent the contact budget: the ask waits, and its window starts when it goes.
    assert message.next_attempt_at > now + timedelta(days=6)
    mail_services.messages_send_due(now=message.next_attempt_at + timedelta(hours=12))
    [email] = [m for m in mail.outbox if m.to[0].endswith("<maria@example.org>") and "people" in m.subject]
    assert email.subject.startswith("Maria, 1–3 people, by ")
    assert f'"{QUOTE}"' in email.body
    assert "We are out to help families raise focused kids." in email.body
    assert "so far, toward 1,000." in email.body
    assert "Think of 1–3 people in your life who are facing what you faced" in email.body
    assert f"/r/{link.code}" in email.body
    assert "When a friend joins, you get a free one-to-one session" in email.body
    assert message.category == "referral"
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="referral_asked").count() == 1


def test_an_ask_that_quotes_the_testimonial_waits_for_its_approval_then_goes_once(program):
    now = timezone.now()
    enrollment = graduate(program, now=now, approved=False, delay_after_testimonial_days=2)
    engine.tick(now=now + timedelta(days=2, minutes=1))
    assert not ask_messages().exists()  # nothing approved: the ask would read 'you wrote: ""'
    skipped = JourneyEvent.objects.get(enrollment=enrollment, kind="referral_ask_skipped")
    assert "waits for a moderator's approval" in skipped.reason
    testimonial = Testimonial.objects.get(student=enrollment.student)
    approved_at = now + timedelta(days=3)
    publishing.testimonial_moderate(
        testimonial=testimonial, status=ModerationStatus.APPROVED, user=None, now=approved_at
    )
    engine.tick(now=approved_at + timedelta(days=1))
    assert not ask_messages().exists()  # the plan's delay counts from the approval
    engine.tick(now=approved_at + timedelta(days=2, minutes=1))
    [message] = ask_messages()
    assert message.context["testimonial_quote"] == QUOTE
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="referral_asked").count() == 1


def test_a_rejection_schedules_no_ask(program):
    now = timezone.now()
    enrollment = graduate(program, now=now, approved=False, delay_after_testimonial_days=2)
    testimonial = Testimonial.objects.get(student=enrollment.student)
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.REJECTED, user=None, now=now)
    engine.tick(now=now + timedelta(days=30))
    assert not ask_messages().exists()
    assert not JourneyEvent.objects.filter(enrollment=enrollment, kind="referral_asked").exists()


def test_a_code_is_short_readable_and_unique(program):
    enrollment = graduate(program)
    link = link_for(student_id=enrollment.student_id, program_id=program.pk)
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTWXYZ]{8}", link.code)
    assert link_for(student_id=enrollment.student_id, program_id=program.pk) == link
    assert normalize_code(link.code.lower()[:4] + "-" + link.code.lower()[4:]) == link.code


@pytest.mark.parametrize("blocker", ["open_case", "unhappy", "withdrawn", "unsubscribed_from_asks"])
def test_no_ask_to_anyone_not_eligible(program, blocker):
    now = timezone.now()
    enrollment = graduate(program, now=now, score=3 if blocker == "unhappy" else 10)
    student = enrollment.student
    if blocker == "open_case":
        response = FeedbackResponse.objects.get(enrollment=enrollment)
        support.case_open(response=response, plan=None, reasons=["test"], now=now)
    elif blocker == "withdrawn":
        submissions.testimonial_withdraw(testimonial=Testimonial.objects.get(student=student), now=now)
    elif blocker == "unsubscribed_from_asks":
        mail_services.contact_set_preferences(email=student.email, program_emails=True, referral_asks=False)
    engine.tick(now=now + timedelta(days=10))
    assert not ask_messages().exists()
    skipped = JourneyEvent.objects.filter(enrollment=enrollment, kind="referral_ask_skipped")
    assert skipped.exists() or blocker == "unhappy"


def reminders():
    return [m.to_email for m in Message.objects.filter(kind="referral_reminder")]


def asked_graduate(program, now, email="maria@example.org"):
    """A graduate asked at ``now`` (reminder due 4 days later) and their link."""
    enrollment = graduate(program, email=email, now=now, reminder_after_days=4)
    engine.tick(now=now + timedelta(days=3))
    return enrollment, ReferralLink.objects.get(student=enrollment.student)


def as_if_on_earlier_days(link, *, index):
    """Date the link's clicks so far back to a day of their own (a browser counts once a day)."""
    ReferralClick.objects.filter(link=link, day__gte=date(2020, 1, 1)).update(day=date(2019, 1, 1 + index))


def test_one_reminder_only_when_the_link_was_not_passed_on(program, client):
    now = timezone.now()
    quiet, _ = asked_graduate(program, now)
    _, shared = asked_graduate(program, now, email="sam@example.org")
    link_mark_shared(link=shared, now=now + timedelta(days=3))  # copied from their hub
    _, opened = asked_graduate(program, now, email="ana@example.org")
    visit(type(client)(), opened, address="203.0.113.7")  # a friend at home
    visit(type(client)(), opened, address="198.51.100.20")  # another, on their phone's network
    engine.tick(now=now + timedelta(days=8))
    engine.tick(now=now + timedelta(days=20))
    assert reminders() == [quiet.student.email]


def test_one_scripted_visitor_does_not_cancel_the_reminder(program, client):
    """A browser's User-Agent, several GETs, the cookie dropped every time: many visitor ids, one
    address. (Before, any one recorded click cancelled the reminder.)"""
    now = timezone.now()
    enrollment, link = asked_graduate(program, now)
    for _ in range(5):
        client.cookies.clear()
        assert visit(client, link).status_code == 302
    assert ReferralClick.objects.filter(link=link).values("visitor").distinct().count() == 5
    engine.tick(now=now + timedelta(days=8))
    assert reminders() == [enrollment.student.email]


@pytest.mark.parametrize(
    ("addresses", "one_cookie"),
    [
        # One phone moving from home wifi to its mobile network keeps its cookie: one person.
        (["203.0.113.7", "198.51.100.20"], True),
        # A script cycling through an IPv6 /64 (any device may use any address in it) is one network.
        (["2001:db8:1:2::10", "2001:db8:1:2:aaaa::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"], False),
        # Two people at one address count as one: the graduate gets the one reminder (the safe side).
        (["203.0.113.7", "203.0.113.7"], False),
    ],
)
def test_clicks_that_may_be_one_person_do_not_cancel_the_reminder(program, client, addresses, one_cookie):
    now = timezone.now()
    enrollment, link = asked_graduate(program, now)
    for index, address in enumerate(addresses):
        visit(client if one_cookie else type(client)(), link, address=address)
        as_if_on_earlier_days(link, index=index)
    assert ReferralClick.objects.filter(link=link).count() == len(addresses)
    engine.tick(now=now + timedelta(days=8))
    assert reminders() == [enrollment.student.email]


def test_two_people_cancel_the_reminder_even_when_one_also_moved_networks(program, client):
    now = timezone.now()
    _, link = asked_graduate(program, now)
    phone = type(client)()
    visit(phone, link, address="203.0.113.7")
    as_if_on_earlier_days(link, index=0)
    visit(phone, link, address="198.51.100.20")  # the same cookie on a second network
    visit(type(client)(), link, address="192.0.2.44")  # a second person, elsewhere
    assert ReferralClick.objects.filter(link=link).count() == 3
    engine.tick(now=now + timedelta(days=8))
    assert reminders() == []


def test_bots_and_clicks_without_a_network_never_cancel_the_reminder(program, client):
    now = timezone.now()
    enrollment, link = asked_graduate(program, now)
    visit(type(client)(), link, address="203.0.113.7", agent="Mozilla/5.0 (compatible; AhrefsBot/7.0)")
    visit(type(client)(), link, address="198.51.100.20", agent="HeadlessChrome/124.0.0.0")
    # Clicks recorded before the network was kept (client "") are no evidence either way.
    ReferralClick.objects.record(code=link.code, visitor="a" * 32)
    ReferralClick.objects.record(code=link.code, visitor="b" * 32)
    engine.tick(now=now + timedelta(days=8))
    assert reminders() == [enrollment.student.email]


def test_case_status_gate_is_lifted_when_resolved(program):
    now = timezone.now()
    enrollment = graduate(program, now=now)
    case = support.case_open(
        response=FeedbackResponse.objects.get(enrollment=enrollment), plan=None, reasons=["x"], now=now
    )
    assert eligibility(enrollment=enrollment) == "a support case is open"
    support.case_update(case=case, status=CaseStatus.MADE_RIGHT, note="fixed", actor="t", now=now)
    assert eligibility(enrollment=enrollment) == ""


def test_happy_feedback_first_and_a_testimonial_later_still_gets_one_ask(program):
    now = timezone.now()
    enrollment = graduate(program, now=now, delay_after_testimonial_days=2)
    # graduate() gave feedback and the testimonial at once; here the testimonial came later:
    testimonial = Testimonial.objects.get(student=enrollment.student)
    submissions.testimonial_withdraw(testimonial=testimonial, now=now)
    engine.tick(now=now + timedelta(days=3))  # the checks due by now find no testimonial: skipped
    assert not ask_messages().exists()
    later = submissions.testimonial_save(
        student_id=enrollment.student_id,
        program_id=program.pk,
        text=QUOTE,
        consent=Consent.ANONYMOUS,
        now=now + timedelta(days=4),
    )
    publishing.testimonial_moderate(
        testimonial=later, status=ModerationStatus.APPROVED, user=None, now=now + timedelta(days=4, hours=1)
    )
    engine.tick(now=now + timedelta(days=7))
    engine.tick(now=now + timedelta(days=9))
    assert ask_messages().count() == 1
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="referral_asked").count() == 1
