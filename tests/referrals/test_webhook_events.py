"""What the creator's system hears, and when: a friend registers and confirms (referrals.leads),
feedback routed to support and a testimonial approved (heard from the journey events testimonials
records); conversion and reward events are emitted by the code that credits (here directly). Only the
personal data the payloads document, and nothing about a simulated cohort."""

import json

import pytest
from django.utils import timezone

from campaigns.models import Student
from referrals import leads
from referrals.models import FriendLead
from referrals.webhooks import catalogue, services
from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint
from testimonials import publishing
from testimonials.models import ModerationStatus, Testimonial
from tests.referrals.graduates import QUOTE, graduate, make_link
from tests.referrals.webhook_receiver import URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(program):
    return WebhookEndpoint.objects.create(program=program, url=URL)


def sent(event_type: str) -> list[dict]:
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]


def test_a_friend_registering_and_confirming_is_two_events_first_name_only_until_confirmed(program, endpoint):
    link = make_link(program)
    lead = leads.lead_register(link=link, first_name="Jo", last_name="Park", email="jo@example.org", inviter="Maria")
    [created] = sent("lead.created")
    assert created["type"] == "lead.created"
    assert created["data"] == {
        "program": "focus",
        "lead_id": lead.pk,
        "status": "pending",
        "source": "link",
        "link_code": link.code,
        "referrer_student_id": link.student_id,
        "registered_at": lead.registered_at.isoformat(),
        "friend": {"first_name": "Jo"},
    }
    assert "jo@example.org" not in json.dumps(created) and "Park" not in json.dumps(created)
    # A repeat registration (a double tap) is the same lead: no second event.
    leads.lead_register(link=link, first_name="Jo", email="jo@example.org", inviter="Maria")
    assert len(sent("lead.created")) == 1
    leads.lead_confirm(lead_id=lead.pk)
    leads.lead_confirm(lead_id=lead.pk)  # a replayed confirmation link changes nothing, sends nothing
    [confirmed] = sent("lead.confirmed")
    lead = FriendLead.objects.get(pk=lead.pk)
    data = confirmed["data"]
    assert data["status"] == "enrolled" and data["attributed"] is True and data["student_id"] == lead.student_id
    assert data["friend"] == {"first_name": "Jo", "email": "jo@example.org", "marketing_consent": False}
    assert confirmed["timestamp"].endswith("Z")


def test_a_program_page_registration_is_a_lead_without_a_link(program, endpoint):
    lead = leads.lead_register(program=program, first_name="Ann", email="ann@example.org")
    [created] = sent("lead.created")
    assert created["data"]["source"] == "program_page" and created["data"]["link_code"] is None
    leads.lead_confirm(lead_id=lead.pk)
    assert sent("lead.confirmed")[0]["data"]["attributed"] is False


def test_an_approved_testimonial_and_unhappy_feedback_are_heard_from_the_journey(program, endpoint):
    enrollment = graduate(program)  # happy feedback, a testimonial, approved by a moderator
    [approved] = sent("testimonial.approved")
    student = enrollment.student
    testimonial = Testimonial.objects.get(student=student)
    assert approved["data"] == {
        "program": "focus",
        "student": {"id": student.pk, "first_name": "Maria", "email": "maria@example.org"},
        "enrollment_id": enrollment.pk,
        "testimonial_id": testimonial.pk,
        "status": "approved",
        "consent": "first_name",
        "attribution": "Maria",
        "text": QUOTE,
    }
    # Featuring an approved one, or a note on it, is not a new approval.
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.FEATURED, user=None)
    assert len(sent("testimonial.approved")) == 1
    assert sent("feedback.unhappy") == []
    unhappy = graduate(program, email="tom@example.org", score=1, approved=False)
    [case] = sent("feedback.unhappy")
    assert case["data"]["student"]["email"] == "tom@example.org"
    assert case["data"]["score"] == 1 and case["data"]["enrollment_id"] == unhappy.pk


def test_a_simulated_cohort_reaches_no_creator_system(program, endpoint):
    link = make_link(program)
    Student.objects.filter(pk=link.student_id).update(simulated=True)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", inviter="Maria")
    leads.lead_confirm(lead_id=lead.pk)
    before = WebhookDelivery.objects.count()
    Student.objects.filter(email="maria@example.org").update(simulated=True)
    testimonial = Testimonial.objects.get(student_id=link.student_id)
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.PENDING, user=None)
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.APPROVED, user=None)
    assert WebhookDelivery.objects.count() == before
    assert not WebhookDelivery.objects.filter(event_type__startswith="lead.").exists()


def test_conversion_and_reward_events_are_in_the_catalogue_and_go_out_like_the_others(program, endpoint):
    now = timezone.now()
    for event_type in (catalogue.CONVERSION_ATTRIBUTED, catalogue.REWARD_RELEASED, catalogue.REWARD_REVOKED):
        services.webhook_emit(
            program=program, event_type=event_type, data={"conversion_id": 4}, event_id=f"{event_type}-4", now=now
        )
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "conversion.attributed",
        "reward.released",
        "reward.revoked",
    ]
    assert set(catalogue.EVENT_TYPES) == {
        "lead.created",
        "lead.confirmed",
        "conversion.attributed",
        "reward.released",
        "reward.revoked",
        "feedback.unhappy",
        "testimonial.approved",
    }


def test_a_program_without_endpoints_costs_one_query(program, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.webhook_emit(program=program, event_type="lead.created", data={}) == []
