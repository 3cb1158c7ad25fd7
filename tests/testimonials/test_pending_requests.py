"""A request waiting in the outbox (quiet hours, the contact budget) is cancelled once what it asks for arrives.

Seen before: a testimonial written at 07:57, and at 08:00, when quiet hours ended, the deferred
request went out and asked for it again. Every test here runs on a frozen clock with quiet hours on.
"""

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from campaigns import engine, links
from campaigns import services as journey
from campaigns.models import JourneyEvent
from mailers import services as mail_services
from mailers.models import Message, Status
from testimonials import feedback, submissions
from testimonials.models import Consent, FeedbackResponse
from tests.factories import enroll, feedback_plan

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
TEXT = "Before the program mornings were a battle. Now we leave on time and I feel calm."
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture(autouse=True)
def quiet_hours(settings):
    settings.MAIL_QUIET_START, settings.MAIL_QUIET_END = time(21, 0), time(8, 0)
    mail.outbox = []
    cache.clear()


@pytest.fixture
def clock():
    """Everything that reads ``timezone.now()`` (views, the sender) reads this; ``clock.at(...)`` moves it."""

    class Clock:
        now = datetime(2026, 3, 10, 7, 50, tzinfo=MADRID)

        def at(self, hour: int, minute: int) -> datetime:
            self.now = self.now.replace(hour=hour, minute=minute)
            return self.now

    frozen = Clock()
    with mock.patch("django.utils.timezone.now", lambda: frozen.now):
        yield frozen


def student_with_feedback_out(program) -> FeedbackResponse:
    """Ann (in Madrid) reached the milestone yesterday afternoon; the feedback request went out then."""
    feedback_plan(program=program, after_milestone_slug="first-win")
    yesterday = datetime(2026, 3, 9, 15, 0, tzinfo=MADRID)
    enrollment = enroll(
        program=program,
        email="ann@example.org",
        first_name="Ann",
        time_zone="Europe/Madrid",
        marketing_consent=True,
        now=yesterday - timedelta(days=2),
        starts_at=yesterday - timedelta(days=1),
    )
    engine.tick(now=yesterday - timedelta(days=1))
    journey.enrollment_record_milestone(
        enrollment=enrollment,
        milestone=program.milestones.get(slug="first-win"),
        source="platform",
        actor="t",
        now=yesterday,
    )
    engine.tick(now=yesterday)
    mail_services.messages_send_due(now=yesterday)
    assert Message.objects.get(kind="feedback_request").status == Status.SENT
    return FeedbackResponse.objects.get(enrollment=enrollment)


def test_a_testimonial_written_at_0757_cancels_the_request_waiting_for_0800(program, client, clock, admin_client):
    """Before: the deferred request went out at 08:00 and asked for what she had just written."""
    response = student_with_feedback_out(program)
    clock.at(7, 55)  # her happy answers arrive in quiet hours: the request waits for 08:00
    feedback.feedback_submit(response=response, score=10, answers=["Mornings are calm now."])
    mail_services.messages_send_due()
    request = Message.objects.get(kind="testimonial_request")
    assert request.status == Status.DEFERRED
    assert request.next_attempt_at == datetime(2026, 3, 10, 8, 0, tzinfo=MADRID)

    clock.at(7, 57)  # she writes it from her hub before the request goes
    form = links.hub_path(response.student_id, "testimonials:form", program.pk)
    assert client.post(form, {"text": TEXT, "consent": Consent.FIRST_NAME}).status_code == 302

    clock.at(8, 0)
    mail.outbox = []
    assert "sent" not in mail_services.messages_send_due()
    assert not [m for m in mail.outbox if m.to == ["Ann <ann@example.org>"]]
    request.refresh_from_db()
    assert request.status == Status.CANCELLED and request.deferred_reason == "testimonial already written"
    assert request.sent_at is None
    event = JourneyEvent.objects.get(kind="testimonial_submitted")
    assert "the testimonial request not yet sent was cancelled" in event.reason
    # The Message log says so.
    page = admin_client.get(reverse("mailers_message:inspect", args=[request.pk])).content.decode()
    assert "Not sent: cancelled, no longer needed" in page and "testimonial already written" in page
    listing = admin_client.get(reverse("mailers_message:index") + "?status=cancelled")
    assert listing.status_code == 200 and "ann@example.org" in listing.content.decode()


def test_a_request_already_sent_is_left_as_it_is(program, clock):
    response = student_with_feedback_out(program)
    clock.at(9, 0)
    feedback.feedback_submit(response=response, score=10, answers=["Mornings are calm now."])
    mail_services.messages_send_due()
    submissions.testimonial_save(
        student_id=response.student_id, program_id=program.pk, text=TEXT, consent=Consent.FIRST_NAME
    )
    assert Message.objects.get(kind="testimonial_request").status == Status.SENT
    assert "cancelled" not in JourneyEvent.objects.get(kind="testimonial_submitted").reason


def test_feedback_given_from_the_hub_cancels_the_request_waiting_for_quiet_hours_to_end(program, client, clock):
    """A student who answers from their hub at 07:52 is not sent the 0–10 request at 08:00."""
    feedback_plan(program=program, after_milestone_slug="first-win")
    enrollment = enroll(
        program=program,
        email="ann@example.org",
        time_zone="Europe/Madrid",
        marketing_consent=True,
        now=clock.now - timedelta(days=2),
        starts_at=clock.now - timedelta(days=1),
    )
    engine.tick(now=clock.now - timedelta(days=1))
    journey.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(slug="first-win"), source="platform", actor="t"
    )
    engine.tick()
    mail_services.messages_send_due()
    assert Message.objects.get(kind="feedback_request").status == Status.DEFERRED

    clock.at(7, 52)
    hub = client.get(links.hub_path(enrollment.student_id)).content.decode()
    assert "Give your feedback" in hub
    response = FeedbackResponse.objects.get(enrollment=enrollment)
    token = feedback.response_token(response.pk)
    client.post(
        reverse("testimonials:feedback", args=[token]),
        {"score": "8", "answer_0": "Good, mostly."},
        HTTP_USER_AGENT=BROWSER,
    )
    clock.at(8, 1)
    mail_services.messages_send_due()
    request = Message.objects.get(kind="feedback_request")
    assert request.status == Status.CANCELLED and request.deferred_reason == "feedback already given"
    assert not mail.outbox
