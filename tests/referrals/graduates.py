"""A graduate on the path to an ask (happy feedback, an approved testimonial), their special link, and
a friend's visit, registration and confirmation through it, as the referral tests build them."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from campaigns import engine
from campaigns.models import Enrollment
from mailers.models import Message
from referrals.services import link_for
from testimonials import feedback, publishing, submissions
from testimonials.models import Consent, FeedbackResponse, ModerationStatus
from tests.factories import enroll, feedback_plan, referral_plan

PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
QUOTE = "Mornings used to be a battle. Now we leave on time and nobody shouts."


def graduate(
    program, *, email="maria@example.org", consent=Consent.FIRST_NAME, score=10, now=None, approved=True, **plan
):
    """A graduate who gave happy feedback and wrote a testimonial, approved unless ``approved=False``
    (the path to an ask)."""
    now = now or timezone.now()
    if not program.feedback_plans.exists():
        feedback_plan(program=program, after_milestone_slug="first-win")
    if not program.referral_plans.exists():
        referral_plan(program=program, **plan)
    enrollment = enroll(
        program=program,
        email=email,
        first_name="Maria",
        last_name="Lopez",
        marketing_consent=True,
        now=now - timedelta(days=3),
        starts_at=now - timedelta(days=2),
    )
    engine.tick(now=now - timedelta(days=2))
    from campaigns import services

    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(slug="first-win"), source="t", actor="t", now=now
    )
    engine.tick(now=now)
    response = FeedbackResponse.objects.get(enrollment=enrollment)
    feedback.feedback_submit(response=response, score=score, answers=[QUOTE], now=now)
    testimonial = submissions.testimonial_save(
        student_id=enrollment.student_id, program_id=program.pk, text=QUOTE, consent=consent, now=now
    )
    if approved:
        publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.APPROVED, user=None, now=now)
    return Enrollment.objects.get(pk=enrollment.pk)


def make_link(program, **kwargs):
    enrollment = graduate(program, **kwargs)
    return link_for(student_id=enrollment.student_id, program_id=program.pk)


def visit(client, link, *, address="203.0.113.7", agent=PERSON):
    return client.get(f"/r/{link.code}", HTTP_USER_AGENT=agent, REMOTE_ADDR=address)


def register(client, link, REMOTE_ADDR="127.0.0.1", follow=True, **data):  # noqa: N803 (the WSGI name)
    payload = {"first_name": "Jo", "last_name": "Park", "email": "jo@example.org", **data}
    return client.post(f"/join/{link.code}/", payload, HTTP_USER_AGENT=PERSON, REMOTE_ADDR=REMOTE_ADDR, follow=follow)


def confirm(client, email="jo@example.org"):
    """The friend opens the link in the one email the registration sent, and presses the button."""
    message = Message.objects.filter(kind="friend_confirm", to_email__iexact=email).latest("created_at")
    path = urlsplit(message.context["confirm_url"]).path
    assert "Yes, confirm my place" in client.get(path).content.decode()
    return client.post(path, follow=True)
