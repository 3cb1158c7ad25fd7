"""People for the friend-registration tests: graduates with special links in two programs, and an
existing student (a graduate of one program, with an approved testimonial and its share card) whose
address someone else types into the other program's landing page."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from campaigns.models import Student
from mailers.models import Message
from referrals.models import ReferralLink
from referrals.services import link_for
from testimonials import publishing, submissions
from testimonials.models import Consent, ModerationStatus
from tests.factories import enroll, program_page, referral_plan

# A fixed evening in November, late enough that a date taken in the wrong time zone would slip a day.
NOW = timezone.make_aware(timezone.datetime(2026, 11, 20, 23, 30))
PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
QUOTE = "Mornings used to be a battle. Now we leave on time and nobody shouts."


def graduate_link(program, *, email: str, first_name: str, last_name: str = "", consent: bool = True, now=None):
    """A graduate of ``program`` with their special link (no ask needed to have one)."""
    now = now or timezone.now()
    if not program.referral_plans.exists():
        referral_plan(program=program)
    enrollment = enroll(
        program=program,
        email=email,
        first_name=first_name,
        last_name=last_name,
        marketing_consent=consent,
        now=now - timedelta(days=30),
        starts_at=now - timedelta(days=29),
    )
    return link_for(student_id=enrollment.student_id, program_id=program.pk, now=now)


def maria_of_calm(*, now=None):
    """Maria, a graduate of "Calm Mornings" who said no to marketing email, with an approved testimonial
    under her full name (so her name shows on her landing page and her share card)."""
    now = now or timezone.now()
    calm = program_page(slug="calm", title="Calm Mornings")
    link = graduate_link(calm, email="maria@example.org", first_name="Maria", last_name="Lopez", consent=False, now=now)
    Student.objects.filter(pk=link.student_id).update(marketing_consent_at=now - timedelta(days=40))
    testimonial = submissions.testimonial_save(
        student_id=link.student_id, program_id=calm.pk, text=QUOTE, consent=Consent.FULL, now=now - timedelta(days=2)
    )
    # Approved the way a moderator does: only a published version shows (name, card, landing page).
    publishing.testimonial_moderate(
        testimonial=testimonial, status=ModerationStatus.APPROVED, user=None, now=now - timedelta(days=1)
    )
    return ReferralLink.objects.select_related("student", "program").get(pk=link.pk)


def sam_of_sleep(*, now=None, **plan):
    """Sam, a graduate of "Sleep School", whose link someone uses."""
    sleep = program_page(slug="sleep", title="Sleep School")
    referral_plan(program=sleep, **plan)
    return graduate_link(sleep, email="sam@example.org", first_name="Sam", now=now)


def student_snapshot(student_id: int) -> tuple:
    student = Student.objects.get(pk=student_id)
    return (
        student.email,
        student.first_name,
        student.last_name,
        student.time_zone,
        student.marketing_consent,
        student.marketing_consent_at,
    )


def register(client, link, *, follow=False, **data):
    payload = {"first_name": "Jo", "last_name": "Park", "email": "jo@example.org", **data}
    return client.post(f"/join/{link.code}/", payload, HTTP_USER_AGENT=PERSON, follow=follow)


def confirm_path(email: str) -> str:
    message = Message.objects.filter(kind="friend_confirm", to_email__iexact=email).latest("created_at")
    return urlsplit(message.context["confirm_url"]).path
