"""Conversions as people meet them: a friend's free registration, a Stripe purchase end to end, refunds
through the events API, Referrals → Review in the admin, and the graduate's hub."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaigns import links
from campaigns.models import JourneyEvent
from integrations.models import Purchase
from referrals.conversions import services
from referrals.conversions.models import Conversion, Rule, Status
from referrals.leads import lead_confirm
from referrals.models import ReferralLink
from tests.factories import enroll
from tests.integrations.platform_helpers import map_program, platform_secrets, send  # noqa: F401
from tests.referrals.graduates import confirm, make_link, register, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


def test_a_friends_confirmed_free_registration_is_a_conversion_held_for_the_refund_window(program, client):
    link = make_link(program)
    visit(client, link)
    register(client, link)
    assert not Conversion.objects.exists()  # nothing before the owner of the address confirms
    confirm(client)
    conversion = Conversion.objects.get()
    assert (conversion.link, conversion.rule, conversion.status) == (link, Rule.LEAD, Status.HELD)
    assert conversion.source == "" and conversion.lead.email == "jo@example.org"
    assert conversion.evidence["click"] is not None and conversion.evidence["lead"]["confirmed_at"]
    lead_confirm(lead_id=conversion.lead_id)  # a replayed confirmation: still one
    assert Conversion.objects.count() == 1


def test_a_graduate_registering_through_their_own_link_converts_nothing(program, client):
    link = make_link(program)
    register(client, link, email="maria+me@example.org")
    confirm(client, email="maria+me@example.org")
    # Already in the program: nothing enrolled, so nothing converted (the lead says why).
    assert not Conversion.objects.exists()


def test_end_to_end_a_friend_clicks_registers_and_pays_through_stripe_held_14_days_approved_on_day_15(
    program,
    client,
    send,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    link = make_link(program, enrollment_mode="checkout", checkout_url="https://shop.example.org/buy")
    ReferralLink.objects.filter(pk=link.pk).update(code="MARIA7K2")  # the code the Stripe fixture carries
    link.refresh_from_db()
    map_program(program)
    visit(client, link)
    register(client, link, email="jo.buyer@example.org", follow=False)
    response = send("stripe", "checkout.session.completed")
    assert response.status_code == 202
    purchase = Purchase.objects.get()
    conversion = Conversion.objects.get()
    assert (conversion.source, conversion.order_id) == ("stripe", purchase.order_id)
    assert (conversion.link, conversion.graduate, conversion.rule) == (link, link.student, Rule.LEAD)
    assert conversion.evidence["code"] == {"code": "MARIA7K2", "field": "ref", "value": "MARIA7K2"}
    assert conversion.evidence["click"]["id"] and conversion.evidence["lead"]["via_link"] == "MARIA7K2"
    assert conversion.status == Status.HELD
    assert conversion.hold_until - conversion.occurred_at == timedelta(days=14)
    # The same event again (Stripe retries): nothing new.
    send("stripe", "checkout.session.completed")
    assert Conversion.objects.count() == 1
    day = conversion.occurred_at
    assert services.conversions_release_due(now=day + timedelta(days=13)) == 0
    with django_capture_on_commit_callbacks(execute=True):  # the approval is announced after commit
        assert services.conversions_release_due(now=day + timedelta(days=15)) == 1
    conversion.refresh_from_db()
    assert conversion.status == Status.APPROVED
    page = client.get(links.hub_path(link.student_id)).content.decode()
    assert "earned — see your thank-you below" in page and "ready for you" in page


def test_a_refund_through_the_events_api_cancels_the_held_conversion_and_an_unknown_order_waits(program, client, send):  # noqa: F811
    link = make_link(program, enrollment_mode="checkout", checkout_url="https://shop.example.org/buy")
    ReferralLink.objects.filter(pk=link.pk).update(code="MARIA7K2")
    map_program(program)
    send("stripe", "checkout.session.completed")
    send("stripe", "charge.refunded")
    conversion = Conversion.objects.get()
    if Purchase.objects.get().refunded_at is None:
        pytest.skip("the fixture's refund names another order")
    assert conversion.status == Status.CANCELLED and conversion.refunded_at is not None
    assert [r["code"] for r in conversion.reasons] == ["refunded"]


# --- Referrals → Review ---


@pytest.fixture
def to_review(program):
    from tests.factories import referral_plan

    referral_plan(program=program, review_threshold=1)
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria")
    from referrals.services import link_for

    link = link_for(student_id=enrollment.student_id, program_id=program.pk)
    now = timezone.now()
    codes = {"ref": link.code}
    services.conversion_record(program=program, email="a@example.org", source="api", order_id="a", codes=codes, now=now)
    held = services.conversion_record(
        program=program, email="b@example.org", source="api", order_id="b", codes=codes, now=now
    )
    refused = services.conversion_record(
        program=program, email="c@mailinator.com", source="api", order_id="c", codes=codes, now=now
    )
    return held, refused


def test_review_lists_held_and_refused_conversions_with_their_reasons(admin_client, to_review):
    held, refused = to_review
    page = admin_client.get(reverse("referrals_conversion_review")).content.decode()
    assert f'id="conversion-{held.pk}"' in page and f'id="conversion-{refused.pk}"' in page
    assert "held for review" in page and "A disposable address domain (mailinator.com)" in page
    assert 'name="csrfmiddlewaretoken"' in page
    inspect = admin_client.get(reverse("referrals_conversion:inspect", args=[held.pk])).content.decode()
    assert "Evidence" in inspect and "review_threshold" in inspect
    listing = admin_client.get(reverse("referrals_conversion:index") + "?status=held_review")
    assert listing.status_code == 200 and "b@example.org" in listing.content.decode()


def test_staff_approve_with_a_note_journaled_with_their_name_and_the_hold_still_applies(admin_client, to_review):
    held, _ = to_review
    url = reverse("referrals_conversion_decide", args=[held.pk])
    response = admin_client.post(url, {"decision": "approve", "note": ""})
    held.refresh_from_db()
    assert response.status_code == 302 and held.status == Status.REVIEW  # a note is required
    admin_client.post(url, {"decision": "approve", "note": "I know both families."})
    held.refresh_from_db()
    # Approved before its refund window ended: it waits for it, then the pass releases it.
    assert held.status == Status.HELD and held.decided_by == "alice" and held.note == "I know both families."
    event = JourneyEvent.objects.get(kind="conversion_approved")
    assert event.actor == "staff:alice" and "I know both families." in event.reason
    services.conversions_release_due(now=held.hold_until)
    # A decision twice does nothing more.
    admin_client.post(url, {"decision": "deny", "note": "oops"})
    held.refresh_from_db()
    assert held.status == Status.APPROVED


def test_staff_deny_with_a_note(admin_client, to_review):
    _, refused = to_review
    admin_client.post(reverse("referrals_conversion_decide", args=[refused.pk]), {"decision": "deny", "note": "spam"})
    refused.refresh_from_db()
    assert (refused.status, refused.decided_by, refused.note) == (Status.DENIED, "alice", "spam")


def test_review_needs_permission_and_decide_needs_post(client, django_user_model, to_review):
    held, _ = to_review
    user = django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-12345")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("referrals_conversion_review")).status_code in (302, 403)
    url = reverse("referrals_conversion_decide", args=[held.pk])
    assert client.post(url, {"decision": "approve", "note": "x"}).status_code in (302, 403)
    held.refresh_from_db()
    assert held.status == Status.REVIEW
    assert client.get(url).status_code == 405


def test_the_hub_says_under_review(program, client, to_review):
    held, _ = to_review
    Conversion.objects.exclude(pk=held.pk).update(status=Status.REFUSED)
    page = client.get(links.hub_path(held.graduate_id)).content.decode()
    assert "a friend joined — under review" in page


def test_approving_a_refused_conversion_still_waits_for_the_refund_window(admin_client, to_review):
    _, refused = to_review
    url = reverse("referrals_conversion_decide", args=[refused.pk])
    admin_client.post(url, {"decision": "approve", "note": "A real person: their school uses this domain."})
    refused.refresh_from_db()
    assert refused.status == Status.HELD and refused.hold_until == refused.occurred_at + timedelta(days=14)


def test_a_duplicate_cannot_be_approved(admin_client, program):
    from tests.factories import referral_plan

    referral_plan(program=program)
    first = services.conversion_record(program=program, email="d@example.org", source="api", order_id="1")
    again = services.conversion_record(program=program, email="d@example.org", source="kajabi", order_id="1")
    assert first.status == Status.UNATTRIBUTED and again.status == Status.REFUSED
    response = admin_client.post(
        reverse("referrals_conversion_decide", args=[again.pk]), {"decision": "approve", "note": "x"}, follow=True
    )
    again.refresh_from_db()
    assert again.status == Status.REFUSED and "first conversion, attributed to a graduate" in response.content.decode()


def test_a_simulated_graduates_conversions_are_nobodys(admin_client, to_review):
    from campaigns.models import Student

    held, refused = to_review
    Student.objects.filter(pk=held.graduate_id).update(simulated=True)
    page = admin_client.get(reverse("referrals_conversion_review")).content.decode()
    assert f'id="conversion-{held.pk}"' not in page and f'id="conversion-{refused.pk}"' not in page


def test_a_refund_before_its_purchase_waits_then_cancels_the_conversion_once_it_arrives(
    program, client, django_capture_on_commit_callbacks, settings
):
    from tests.integrations.conftest import SECRET, Poster

    settings.EVENTS_API_SECRET = SECRET
    post = Poster(client, django_capture_on_commit_callbacks)
    link = make_link(program)
    post("purchase.refunded", {"order_id": "ord_9"}, msg_id="msg_refund")
    assert not Conversion.objects.exists()
    purchase = {"order_id": "ord_9", "email": "bo@example.org", "program": "focus", "amount": 99, "ref": link.code}
    post("purchase.completed", purchase, msg_id="msg_buy")
    post("purchase.completed", purchase, msg_id="msg_buy")  # a replayed webhook
    conversion = Conversion.objects.get()
    assert (conversion.link, conversion.rule) == (link, Rule.CODE)
    assert conversion.status == Status.CANCELLED and conversion.refunded_at is not None
