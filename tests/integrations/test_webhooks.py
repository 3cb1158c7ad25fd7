"""The course platforms' webhooks: each platform's documented events through its URL, signed as it
signs them, into our event types and the same handlers as the events API."""

import json
from decimal import Decimal

import pytest

from campaigns.models import Enrollment, JourneyEvent, MilestoneReached
from integrations.models import InboundEvent, Outcome, Purchase
from referrals.models import ReferralLink
from tests.factories import StudentFactory
from tests.integrations.platform_helpers import fixture, fixture_json, map_program

pytestmark = pytest.mark.django_db

BUYER = "jo.buyer@example.org"


@pytest.fixture
def mapped(program):
    return map_program(program)


@pytest.fixture
def friend_link(program):
    """A graduate's special link whose code the fixtures carry (client_reference_id, coupon, affiliate)."""
    return ReferralLink.objects.create(
        student=StudentFactory(email="maria@example.org"), program=program, code="MARIA7K2"
    )


def journey_of(email: str) -> list[tuple[str, str]]:
    return list(
        JourneyEvent.objects.filter(student__email=email).order_by("occurred_at", "pk").values_list("kind", "actor")
    )


def test_stripe_checkout_to_purchase_enrollment_and_refund(send, mapped, friend_link):
    response = send("stripe", "checkout.session.completed")
    assert response.status_code == 202
    assert response.json() == {"message": "Event accepted.", "id": "evt_1QfocusCheckout01", "status": "accepted"}
    event = InboundEvent.objects.get()
    assert (event.source, event.event_type, event.outcome) == ("stripe", "checkout.session.completed", "processed")
    assert "stripe-signature" not in event.headers
    purchase = Purchase.objects.get()
    assert (purchase.source, purchase.order_id, purchase.email) == ("stripe", "pi_3QfocusIntent01", BUYER)
    assert (purchase.amount, purchase.currency) == (Decimal("199.000"), "EUR")
    assert purchase.ref == "MARIA7K2" and purchase.coupon == "MARIA7K2"
    enrollment = Enrollment.objects.get(student__email=BUYER)
    assert purchase.enrollment == enrollment and enrollment.program == mapped
    assert enrollment.student.first_name == "Jo"
    assert ("enrolled", "stripe:evt_1QfocusCheckout01") in journey_of(BUYER)

    refund = send("stripe", "charge.refunded")
    assert refund.status_code == 202
    purchase.refresh_from_db()
    assert purchase.refunded_at is not None and purchase.refund_amount == Decimal("50.000")
    assert InboundEvent.objects.get(external_id="evt_3QfocusRefund01").outcome == Outcome.PROCESSED


def test_a_second_partial_stripe_refund_counts_only_what_is_new(send, mapped):
    send("stripe", "checkout.session.completed")
    send("stripe", "charge.refunded")
    later = fixture_json("stripe", "charge.refunded")
    later["id"], later["data"]["object"]["amount_refunded"] = "evt_3QfocusRefund02", 19900
    send("stripe", body=json.dumps(later).encode())
    assert Purchase.objects.get().refund_amount == Decimal("199.000")


def test_stripe_redelivery_and_replay_act_once(send, mapped, admin_client, django_capture_on_commit_callbacks):
    send("stripe", "checkout.session.completed")
    again = send("stripe", "checkout.session.completed")
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    first = InboundEvent.objects.get(outcome=Outcome.PROCESSED)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/integrations/events/{first.pk}/replay/")
    first.refresh_from_db()
    assert first.outcome == Outcome.PROCESSED
    assert Purchase.objects.count() == 1 and Enrollment.objects.filter(student__email=BUYER).count() == 1
    assert [kind for kind, _ in journey_of(BUYER)].count("enrolled") == 1


def test_an_unpaid_checkout_and_other_stripe_events_are_200_and_stored_as_ignored(send, mapped):
    unpaid = fixture_json("stripe", "checkout.session.completed")
    unpaid["id"], unpaid["data"]["object"]["payment_status"] = "evt_unpaid", "unpaid"
    for body in (json.dumps(unpaid).encode(), fixture("stripe", "customer.created")):
        response = send("stripe", body=body)
        assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert set(InboundEvent.objects.values_list("outcome", "verified", "accepted")) == {("ignored", True, False)}
    assert not Purchase.objects.exists()


def test_stripe_promotion_code_is_read_from_the_api_when_the_event_does_not_carry_it(
    send, mapped, friend_link, settings, monkeypatch
):
    from integrations.adapters import stripe as stripe_adapter

    calls = []

    class FakeStripeAPI:
        def line_items(self, *, session_id):
            calls.append(("line_items", session_id))
            return [{"price": {"id": "price_1QfocusPrice01", "product": "prod_QfocusProduct01"}}]

        def promotion_code(self, *, promotion_id):
            calls.append(("promotion_code", promotion_id))
            return "maria7k2"

    settings.STRIPE_API_KEY = "rk_test_fake"
    monkeypatch.setattr(stripe_adapter, "stripe_api", FakeStripeAPI)
    payload = fixture_json("stripe", "checkout.session.completed")
    session = payload["data"]["object"]
    session.update(client_reference_id=None, payment_link=None)
    session["total_details"]["breakdown"]["discounts"][0]["discount"]["promotion_code"] = "promo_1QfocusPromo01"
    map_program(mapped, ids=[("stripe", "product", "price_1QfocusPrice01")], lessons=[])
    assert send("stripe", body=json.dumps(payload).encode()).status_code == 202
    purchase = Purchase.objects.get()
    assert purchase.coupon == "maria7k2" and purchase.ref == "MARIA7K2"  # the coupon is the friend's code
    assert calls == [("line_items", "cs_test_a1FocusSession01"), ("promotion_code", "promo_1QfocusPromo01")]


def test_thinkific_one_buyer_from_order_to_graduation_and_refund(send, mapped, friend_link):
    for name in ("order.created", "enrollment.created", "lesson.completed", "enrollment.completed"):
        response = send("thinkific", name)
        assert response.status_code == 202, (name, response.content)
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"processed"}
    purchase = Purchase.objects.get()
    assert (purchase.source, purchase.order_id, purchase.amount, purchase.currency) == (
        "thinkific",
        "19796",
        Decimal("199.000"),
        "USD",
    )
    assert purchase.affiliate == "MARIA7K2" and purchase.ref == "MARIA7K2"
    enrollment = Enrollment.objects.get(student__email=BUYER)
    assert enrollment.stage == "completed" and purchase.enrollment == enrollment
    reached = MilestoneReached.objects.get(enrollment=enrollment)
    assert reached.milestone.slug == "first-win" and reached.source == "thinkific"
    assert ("enrolled", "thinkific:20260101120000000000001") in journey_of(BUYER)

    assert send("thinkific", "order_transaction.refunded").status_code == 202
    purchase.refresh_from_db()
    assert purchase.refund_amount == Decimal("199.000")


def test_a_thinkific_lesson_that_is_no_milestone_is_ignored_and_an_unknown_topic_too(send, mapped):
    send("thinkific", "enrollment.created")
    other = fixture_json("thinkific", "lesson.completed")
    other["id"], other["payload"]["lesson"]["id"], other["payload"]["chapter"]["id"] = "20260109", 5599, 399
    assert send("thinkific", body=json.dumps(other).encode()).status_code == 202
    assert InboundEvent.objects.get(external_id="20260109").outcome == Outcome.IGNORED
    signin = send("thinkific", "user.signin")
    assert signin.status_code == 200 and signin.json()["status"] == "ignored"
    assert not MilestoneReached.objects.exists()


def test_teachable_sale_and_its_transaction_are_one_purchase(send, mapped, friend_link):
    for name in ("sale.created", "transaction.created", "enrollment.created", "lecture_progress.created"):
        assert send("teachable", name).status_code == 202, name
    send("teachable", "enrollment.completed")
    purchase = Purchase.objects.get()
    assert (purchase.source, purchase.order_id, purchase.amount) == ("teachable", "90311", Decimal("149.000"))
    assert purchase.coupon == "MARIA7K2" and purchase.ref == "MARIA7K2"
    enrollment = Enrollment.objects.get(student__email=BUYER)
    assert enrollment.stage == "completed"
    assert MilestoneReached.objects.get(enrollment=enrollment).source == "teachable"
    assert send("teachable", "transaction.refunded").status_code == 202
    purchase.refresh_from_db()
    assert purchase.refund_amount == Decimal("149.000")


def test_teachable_without_an_event_id_is_keyed_by_the_body(send, mapped):
    first = send("teachable", "comment.created")
    assert first.status_code == 200 and first.json()["id"].startswith("sha256:")
    sale = fixture_json("teachable", "sale.created")
    del sale["id"], sale["hook_event_id"]
    body = json.dumps(sale).encode()
    assert send("teachable", body=body).json()["status"] == "accepted"
    assert send("teachable", body=body).json()["status"] == "duplicate"
    assert Purchase.objects.count() == 1


def test_kajabi_purchase_in_both_shapes(send, mapped, friend_link):
    assert send("kajabi", "purchase.created").status_code == 202
    assert send("kajabi", "purchase").status_code == 202
    assert send("kajabi", "payment_succeeded").status_code == 202  # the purchase's first payment: same order
    purchases = dict(Purchase.objects.values_list("order_id", "email"))
    assert purchases == {"8127716": BUYER, "5501987": "sam.other@example.org"}
    classic = Purchase.objects.get(order_id="8127716")
    assert classic.amount == Decimal("149.000") and classic.ref == "MARIA7K2" and classic.program == mapped
    assert Enrollment.objects.filter(student__email="sam.other@example.org", program=mapped).exists()
    ignored = send("kajabi", "form_submission")
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"


def test_an_unmapped_product_is_kept_as_unmapped_and_processed_by_a_replay_after_mapping(
    send, program, admin_client, django_capture_on_commit_callbacks
):
    assert send("thinkific", "order.created").status_code == 202
    event = InboundEvent.objects.get()
    assert event.outcome == Outcome.UNMAPPED and "Thinkific product 1401" in event.error
    assert not Purchase.objects.exists()
    listing = admin_client.get("/admin/integrations/events/", {"outcome": "unmapped"}).content.decode()
    assert "20260101120000000000001" in listing
    map_program(program)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/integrations/events/{event.pk}/replay/")
    event.refresh_from_db()
    assert event.outcome == Outcome.PROCESSED and Purchase.objects.get().order_id == "19796"
