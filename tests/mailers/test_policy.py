"""One contact budget per person, quiet hours in their time zone, suppression checked on every send."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from mailers import policy, services
from mailers.models import Message, Status, SuppressionReason

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def queue_at(now, n, kind="announcement", email="ann@example.org", tz="UTC"):
    return services.message_queue(
        kind=kind,
        to_email=email,
        time_zone=tz,
        idempotency_key=f"{kind}-{email}-{n}",
        context={"subject": f"Note {n}", "body": "Hello {{ first_name }}"},
        now=now,
    )


def send(message, now):
    return services.message_send(message_id=message.pk, now=now)


def test_third_marketing_email_in_a_week_waits_for_a_free_slot(settings):
    settings.MAIL_BUDGET_MAX, settings.MAIL_BUDGET_DAYS = 2, 7
    first, second, third = (queue_at(MONDAY_NOON, n) for n in range(3))
    assert send(first, MONDAY_NOON) == Status.SENT
    assert send(second, MONDAY_NOON + timedelta(days=2)) == Status.SENT
    assert send(third, MONDAY_NOON + timedelta(days=3)) == Status.DEFERRED
    third.refresh_from_db()
    # Deferred, not dropped: due when the first send leaves the 7-day window.
    assert third.next_attempt_at == MONDAY_NOON + timedelta(days=7)
    assert "contact budget" in third.deferred_reason
    assert services.messages_send_due(now=MONDAY_NOON + timedelta(days=6)) == {}
    assert services.messages_send_due(now=MONDAY_NOON + timedelta(days=7)) == {"sent": 1}
    assert len(mail.outbox) == 3


def test_the_budget_is_per_person_across_kinds_and_any_case_of_the_address(settings):
    settings.MAIL_BUDGET_MAX = 2
    send(queue_at(MONDAY_NOON, 1, email="Ann@Example.org"), MONDAY_NOON)
    send(queue_at(MONDAY_NOON, 2, email="ann@example.org"), MONDAY_NOON)
    assert send(queue_at(MONDAY_NOON, 3, email="ANN@example.org"), MONDAY_NOON) == Status.DEFERRED
    # Someone else is unaffected.
    assert send(queue_at(MONDAY_NOON, 4, email="bo@example.org"), MONDAY_NOON) == Status.SENT


def test_transactional_mail_is_exempt_from_the_budget_but_not_from_suppression(settings):
    settings.MAIL_BUDGET_MAX = 1
    send(queue_at(MONDAY_NOON, 1), MONDAY_NOON)
    assert send(queue_at(MONDAY_NOON, 2, kind="test"), MONDAY_NOON) == Status.SENT
    services.contact_suppress(email="ann@example.org", reason=SuppressionReason.BOUNCED)
    assert send(queue_at(MONDAY_NOON, 3, kind="test"), MONDAY_NOON) == Status.SUPPRESSED


def test_quiet_hours_defer_to_the_morning_in_the_recipients_time_zone(settings):
    settings.MAIL_QUIET_START, settings.MAIL_QUIET_END = time(21, 0), time(8, 0)
    # 12:00 UTC is 21:00 in Tokyo: too late there, fine in Paris (13:00).
    tokyo = queue_at(MONDAY_NOON, 1, email="ken@example.jp", tz="Asia/Tokyo")
    paris = queue_at(MONDAY_NOON, 2, email="zoe@example.fr", tz="Europe/Paris")
    assert send(tokyo, MONDAY_NOON) == Status.DEFERRED
    assert send(paris, MONDAY_NOON) == Status.SENT
    tokyo.refresh_from_db()
    assert tokyo.next_attempt_at == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 08:00 Tuesday in Tokyo
    assert tokyo.deferred_reason == "quiet hours in the recipient's time zone"


def test_quiet_hours_do_not_hold_transactional_mail(settings):
    settings.MAIL_QUIET_START, settings.MAIL_QUIET_END = time(21, 0), time(8, 0)
    assert send(queue_at(MONDAY_NOON, 1, kind="test", tz="Asia/Tokyo"), MONDAY_NOON) == Status.SENT


def test_a_deferral_respects_both_rules_at_once(settings):
    settings.MAIL_BUDGET_MAX, settings.MAIL_BUDGET_DAYS = 1, 1
    settings.MAIL_QUIET_START, settings.MAIL_QUIET_END = time(21, 0), time(8, 0)
    ten_pm = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    sent_at = ten_pm - timedelta(hours=23, minutes=30)  # the slot frees at 22:30, inside quiet hours
    send(queue_at(sent_at, 1), sent_at)
    late = queue_at(ten_pm, 2)
    assert send(late, ten_pm) == Status.DEFERRED
    late.refresh_from_db()
    assert late.next_attempt_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_quiet_until_handles_daytime_windows_and_bad_zones(settings):
    settings.MAIL_QUIET_START, settings.MAIL_QUIET_END = time(12, 0), time(14, 0)
    assert policy.quiet_until(MONDAY_NOON, "UTC") == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert policy.quiet_until(MONDAY_NOON, "Not/AZone") == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert policy.quiet_until(MONDAY_NOON - timedelta(hours=2), "UTC") is None


def test_unsubscribed_people_get_no_marketing_but_do_get_transactional():
    services.contact_unsubscribe(email="Ann@example.org")
    assert send(queue_at(MONDAY_NOON, 1), MONDAY_NOON) == Status.OPTED_OUT
    assert send(queue_at(MONDAY_NOON, 2, kind="test"), MONDAY_NOON) == Status.SENT


def test_unsubscribing_stops_messages_already_waiting():
    waiting = queue_at(MONDAY_NOON + timedelta(days=3), 1)
    Message.objects.filter(pk=waiting.pk).update(next_attempt_at=MONDAY_NOON + timedelta(days=3))
    services.contact_unsubscribe(email="ann@example.org")
    waiting.refresh_from_db()
    assert waiting.status == Status.OPTED_OUT
