"""Conversions: attribution with evidence, validation with reasons, the hold, refunds, the periodic pass."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from campaigns.models import JourneyEvent
from referrals.conversions import services
from referrals.conversions.models import Conversion, Rule, Status
from referrals.models import FriendLead, LeadStatus, ReferralClick, ReferralLink
from referrals.services import link_for
from referrals.signals import conversion_approved, conversion_refunded
from tests.factories import enroll, referral_plan

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def plan(program):
    return referral_plan(program=program)


def graduate_link(program, email="maria@example.org", code=None) -> ReferralLink:
    enrollment = enroll(program=program, email=email, first_name="Maria", now=T0 - timedelta(days=90))
    link = link_for(student_id=enrollment.student_id, program_id=program.pk, now=T0 - timedelta(days=30))
    if code:
        ReferralLink.objects.filter(pk=link.pk).update(code=code)
        link.refresh_from_db()
    return link


def click(link, at):
    ReferralClick.objects.create(link=link, visitor=f"v{at.timestamp()}", day=at.date(), clicked_at=at)


def lead(program, link=None, email="jo@example.org", at=T0, status=LeadStatus.CHECKOUT):
    return FriendLead.objects.create(
        program=program, via_link=link, email=email, first_name="Jo", registered_at=at, status=status
    )


def buy(program, email="jo@example.org", *, source="api", order="ord_1", at=T0, **codes):
    return services.conversion_record(
        program=program, email=email, source=source, order_id=order, codes=codes, occurred_at=at, now=at
    )


def codes_of(conversion):
    return [reason["code"] for reason in conversion.reasons]


# --- Attribution ---


@pytest.mark.parametrize("field", ["ref", "coupon", "affiliate"])
def test_a_purchase_is_attributed_by_the_code_it_carries_wherever_it_came(program, plan, field):
    link = graduate_link(program, code="MARIA7K2")
    click(link, T0 - timedelta(hours=2))
    conversion = buy(program, **{field: "maria-7k2"})
    assert (conversion.link, conversion.graduate, conversion.rule) == (link, link.student, Rule.CODE)
    assert conversion.evidence["code"] == {"code": "MARIA7K2", "field": field, "value": "maria-7k2"}
    assert conversion.evidence["click"]["at"] == (T0 - timedelta(hours=2)).isoformat()
    assert conversion.status == Status.HELD and conversion.hold_until == T0 + timedelta(days=14)
    assert conversion.reasons == []


def test_a_code_of_another_program_or_nobody_attributes_nothing(program, plan):
    graduate_link(program, code="MARIA7K2")
    conversion = buy(program, ref="NOBODY99")
    assert (conversion.rule, conversion.link, conversion.status) == (Rule.NONE, None, Status.UNATTRIBUTED)
    # It is the friend's first conversion all the same: a later code earns nobody anything.
    later = buy(program, order="ord_2", ref="MARIA7K2", at=T0 + timedelta(days=1))
    assert later.status == Status.REFUSED and codes_of(later) == ["not_first"]


def test_without_a_code_the_friends_lead_attributes_within_the_window(program, plan):
    link = graduate_link(program)
    click(link, T0 - timedelta(days=59, hours=1))
    friend = lead(program, link, at=T0 - timedelta(days=59))
    conversion = buy(program, email="Jo+pay@example.org")
    assert (conversion.rule, conversion.link, conversion.lead) == (Rule.LEAD, link, friend)
    assert conversion.evidence["lead"]["id"] == friend.pk
    assert conversion.evidence["lead"]["registered_at"] == friend.registered_at.isoformat()
    assert conversion.evidence["click"]["at"] == (T0 - timedelta(days=59, hours=1)).isoformat()
    assert conversion.friend_inbox == "jo@example.org"


def test_a_lead_outside_the_window_attributes_nothing_and_says_so(program, plan):
    link = graduate_link(program)
    lead(program, link, at=T0 - timedelta(days=61))
    conversion = buy(program)
    assert (conversion.rule, conversion.status) == (Rule.NONE, Status.UNATTRIBUTED)
    assert codes_of(conversion) == ["lead_outside_window"]


def test_the_window_is_the_programs(program):
    referral_plan(program=program, attribution_window_days=90)
    link = graduate_link(program)
    lead(program, link, at=T0 - timedelta(days=61))
    assert buy(program).rule == Rule.LEAD


def test_the_first_referrer_keeps_the_friend_a_later_code_does_not_steal_them(program, plan):
    first = graduate_link(program)
    other = graduate_link(program, email="ann@example.org", code="ANN2345")
    lead(program, first, at=T0 - timedelta(days=3))
    conversion = buy(program, ref="ANN2345")
    assert (conversion.link, conversion.rule) == (first, Rule.LEAD)
    assert conversion.evidence["code"]["code"] == other.code and "bound" in conversion.evidence["code_not_used"]


# --- Validation, each refusal with its reason ---


@pytest.mark.parametrize("friend", ["maria+friend@example.org", "MARIA@example.org"])
def test_self_referral_by_the_same_inbox_is_refused(program, plan, friend):
    graduate_link(program, code="MARIA7K2")
    conversion = buy(program, email=friend, ref="MARIA7K2")
    assert conversion.status == Status.REFUSED and "self_referral" in codes_of(conversion)
    assert conversion.hold_until is None


def test_self_referral_through_dotted_gmail_is_refused(program, plan):
    graduate_link(program, email="maria.lopez@gmail.com", code="MARIA7K2")
    conversion = buy(program, email="marialopez+x@googlemail.com", ref="MARIA7K2")
    assert "self_referral" in codes_of(conversion)


def test_a_friend_who_was_a_student_before_their_click_is_refused(program, plan):
    link = graduate_link(program, code="MARIA7K2")
    enroll(program=program, email="jo@example.org", now=T0 - timedelta(days=20))
    click(link, T0 - timedelta(days=1))
    conversion = buy(program, ref="MARIA7K2")
    assert conversion.status == Status.REFUSED and codes_of(conversion) == ["was_student"]


def test_a_friend_who_was_a_lead_before_their_click_is_refused(program, plan):
    link = graduate_link(program, code="MARIA7K2")
    lead(program, None, at=T0 - timedelta(days=5), status=LeadStatus.WAITLIST)  # the program page, earlier
    click(link, T0 - timedelta(days=1))
    conversion = buy(program, ref="MARIA7K2")
    assert conversion.status == Status.REFUSED and codes_of(conversion) == ["was_lead"]


def test_a_disposable_address_is_refused(program, plan):
    graduate_link(program, code="MARIA7K2")
    conversion = buy(program, email="jo@mailinator.com", ref="MARIA7K2")
    assert conversion.status == Status.REFUSED and codes_of(conversion) == ["disposable"]
    assert services.is_disposable("x@eu.mailinator.com") and not services.is_disposable("jo@example.org")


def test_over_the_cap_is_refused_and_above_the_threshold_held_for_review(program):
    referral_plan(program=program, reward_cap=3, reward_cap_days=30, review_threshold=2, review_threshold_days=7)
    graduate_link(program, code="MARIA7K2")
    outcomes = []
    for n in range(4):
        conversion = buy(
            program, email=f"friend{n}@example.org", order=f"o{n}", ref="MARIA7K2", at=T0 + timedelta(hours=n)
        )
        outcomes.append((conversion.status, codes_of(conversion)))
    assert outcomes == [
        (Status.HELD, []),
        (Status.HELD, []),
        (Status.REVIEW, ["review_threshold"]),
        (Status.REFUSED, ["cap"]),
    ]
    # Past the threshold's period (but inside the cap's) a conversion is refused by the cap alone.
    later = buy(program, email="late@example.org", order="o9", ref="MARIA7K2", at=T0 + timedelta(days=10))
    assert codes_of(later) == ["cap"]


def test_a_refund_window_of_zero_approves_at_once(program, django_capture_on_commit_callbacks):
    referral_plan(program=program, refund_window_days=0)
    graduate_link(program, code="MARIA7K2")
    heard = []
    conversion_approved.connect(
        lambda sender, conversion, **kw: heard.append(conversion.pk), dispatch_uid="t0", weak=False
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            conversion = buy(program, ref="MARIA7K2")
    finally:
        conversion_approved.disconnect(dispatch_uid="t0")
    assert conversion.status == Status.APPROVED and conversion.approved_at == T0 and conversion.hold_until is None
    assert heard == [conversion.pk]


# --- Bad input: duplicates, replays, refunds ---


def test_a_replay_acts_once_and_the_same_purchase_through_two_sources_is_refused_as_not_first(program, plan):
    graduate_link(program, code="MARIA7K2")
    first = buy(program, ref="MARIA7K2", source="stripe", order="cs_1")
    assert buy(program, ref="MARIA7K2", source="stripe", order="cs_1") == first
    second = buy(program, ref="MARIA7K2", source="thinkific", order="9001")
    assert second.status == Status.REFUSED and not second.is_first and codes_of(second) == ["not_first"]
    assert Conversion.objects.count() == 2 and Conversion.objects.filter(status=Status.HELD).count() == 1


def test_a_refund_during_the_hold_cancels_and_after_approval_is_recorded_for_revocation(
    program, plan, django_capture_on_commit_callbacks
):
    graduate_link(program, code="MARIA7K2")
    buy(program, ref="MARIA7K2", order="a")
    buy(program, email="bo@example.org", ref="MARIA7K2", order="b")
    heard = []

    def hear(sender, conversion, released, **kwargs):
        heard.append((conversion.order_id, released))

    conversion_refunded.connect(hear, dispatch_uid="test-refund")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.conversion_refund(source="api", order_id="a", now=T0 + timedelta(days=3))
        assert services.conversions_release_due(now=T0 + timedelta(days=15)) == 1
        revoked = services.conversion_refund(source="api", order_id="b", now=T0 + timedelta(days=20))
        # A replayed refund changes nothing; an order that converted nobody is no error.
        assert services.conversion_refund(source="api", order_id="b", now=T0 + timedelta(days=21)) == revoked
        assert services.conversion_refund(source="api", order_id="unknown") is None
    conversion_refunded.disconnect(dispatch_uid="test-refund")
    assert cancelled.status == Status.CANCELLED and codes_of(cancelled) == ["refunded"]
    revoked.refresh_from_db()
    assert revoked.status == Status.REFUNDED and revoked.refunded_at == T0 + timedelta(days=20)
    assert heard == [("a", False), ("b", True)]


def registered(program, link, at):
    """A friend's confirmed free registration through the link: their first conversion, held."""
    friend = lead(program, link, at=at, status=LeadStatus.ENROLLED)
    FriendLead.objects.filter(pk=friend.pk).update(link=link, confirmed_at=at)
    friend.refresh_from_db()
    return services.conversion_record(program=program, email=friend.email, lead=friend, occurred_at=at, now=at)


def test_a_purchase_after_a_held_registration_takes_its_place_and_its_refund_leaves_nothing_owed(program, plan):
    """Register through the link, then pay: the purchase is the conversion, held for its own window; a
    refund inside it cancels it, so the graduate is owed nothing for this friend (at 23:30 too)."""
    link = graduate_link(program, code="MARIA7K2")
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    click(link, at - timedelta(hours=1))
    free = registered(program, link, at)
    assert free.status == Status.HELD and free.is_first
    paid = buy(program, ref="MARIA7K2", source="stripe", order="cs_9", at=at + timedelta(days=2))
    free.refresh_from_db()
    assert (free.status, free.is_first, free.hold_until) == (Status.SUPERSEDED, False, None)
    assert "cs_9" in free.note
    assert (paid.status, paid.is_first, paid.link_id) == (Status.HELD, True, link.pk)
    assert paid.hold_until > at + timedelta(days=2)
    assert buy(program, ref="MARIA7K2", source="stripe", order="cs_9", at=at + timedelta(days=2)) == paid  # replay
    services.conversion_refund(source="stripe", order_id="cs_9", now=at + timedelta(days=5))
    assert services.conversions_release_due(now=at + timedelta(days=60)) == 0  # nothing left to approve
    assert not Conversion.objects.filter(status__in=[Status.HELD, Status.APPROVED]).exists()


def test_a_purchase_after_an_approved_registration_credits_nobody_twice(program, plan):
    link = graduate_link(program, code="MARIA7K2")
    free = registered(program, link, T0)
    assert services.conversions_release_due(now=T0 + timedelta(days=30)) == 1
    paid = buy(program, ref="MARIA7K2", source="stripe", order="cs_10", at=T0 + timedelta(days=31))
    free.refresh_from_db()
    assert free.status == Status.APPROVED and free.is_first
    assert paid.status == Status.REFUSED and codes_of(paid) == ["not_first"]


# --- The periodic pass, with a frozen clock ---


def test_the_pass_approves_held_conversions_after_their_window_and_never_one_held_for_review(
    program, django_capture_on_commit_callbacks
):
    referral_plan(program=program, review_threshold=1)
    graduate_link(program, code="MARIA7K2")
    held = buy(program, ref="MARIA7K2", order="a")
    review = buy(program, email="bo@example.org", ref="MARIA7K2", order="b")
    assert (held.status, review.status) == (Status.HELD, Status.REVIEW)
    heard = []
    conversion_approved.connect(
        lambda sender, conversion, **kw: heard.append(conversion.pk), dispatch_uid="t1", weak=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.conversions_release_due(now=T0 + timedelta(days=13, hours=23)) == 0
        assert services.conversions_release_due(now=T0 + timedelta(days=14)) == 1
        assert services.conversions_release_due(now=T0 + timedelta(days=400)) == 0
    conversion_approved.disconnect(dispatch_uid="t1")
    held.refresh_from_db()
    review.refresh_from_db()
    assert held.status == Status.APPROVED and held.approved_at == T0 + timedelta(days=14)
    assert review.status == Status.REVIEW
    assert heard == [held.pk]
    assert JourneyEvent.objects.filter(kind="conversion_approved", actor="system").count() == 1


def test_release_due_is_a_periodic_task(settings, program, plan):
    from referrals import tasks

    assert "referrals.tasks.conversions_release_due" in settings.PERIODIC_TASKS
    graduate_link(program, code="MARIA7K2")
    buy(program, ref="MARIA7K2", at=T0)  # long past its window by the real clock the task reads
    assert tasks.conversions_release_due() == 1


# --- Two conversions of one friend at once (PostgreSQL: concurrent connections) ---


@pytest.mark.django_db(transaction=True)
def test_two_conversions_of_one_friend_at_once_make_one_first(program):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections to one database: PostgreSQL (SQLite's test database is per connection)")
    referral_plan(program=program)
    graduate_link(program, code="MARIA7K2")
    start, errors = threading.Barrier(4), []

    def worker(n):
        try:
            start.wait()
            buy(program, email="jo@example.org", source=f"src{n % 2}", order=f"o{n // 2}", ref="MARIA7K2")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Conversion.objects.filter(is_first=True).count() == 1
    assert Conversion.objects.filter(status=Status.HELD).count() == 1
    assert Conversion.objects.count() == 4  # every outcome kept (two sources, two orders each)


def test_an_attributed_conversion_is_announced_to_the_creators_webhooks_a_refused_one_is_not(program, plan):
    from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(program=program, url="https://hooks.example.org/in")
    link = graduate_link(program, code="MARIA7K2")
    held = buy(program, ref="MARIA7K2")
    buy(program, email="jo@mailinator.com", order="ord_2", ref="MARIA7K2")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.event_id) == ("conversion.attributed", f"conversion.attributed-{held.pk}")
    body = json.loads(delivery.body)["data"]
    assert body["link_code"] == link.code and body["status"] == "held_refund_window" and body["rule"] == "code"
