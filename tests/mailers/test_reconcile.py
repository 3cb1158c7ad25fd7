"""A worker killed after the provider accepted a message but before recording it: settled, not re-sent."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from mailers import sending, services
from mailers.models import Message, Status
from tests.mailers.conftest import queue_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_provider(settings, tmp_path):
    settings.EMAIL_BACKEND = "mailers.logbackend.EmailBackend"
    settings.MAIL_LOG_PATH = str(tmp_path / "sent.jsonl")
    return tmp_path / "sent.jsonl"


def crash_after_delivery(now):
    """Claim and deliver, then die before recording (what SIGKILL at the worst moment does)."""
    claimed = sending.claim(ids=None, now=now, chunk=100, counts=mock.MagicMock())
    with sending.get_connection() as connection:
        sending.deliver(claimed, now=now, connection=connection)


def test_a_send_the_provider_accepted_is_confirmed_not_repeated(log_provider, settings):
    now = timezone.now()
    messages = queue_due(3, now)
    crash_after_delivery(now)
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENDING}
    lines = log_provider.read_text().splitlines()
    assert len(lines) == 3
    # Within the lease nothing is touched: the worker may only be slow.
    assert sending.reconcile(now=now + timedelta(seconds=10)) == {}
    later = now + timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS + 1)
    assert sending.reconcile(now=later) == {"confirmed": 3}
    assert services.messages_send_due(now=later) == {}
    assert len(log_provider.read_text().splitlines()) == 3
    assert all(m.status == Status.SENT for m in Message.objects.filter(pk__in=[m.pk for m in messages]))


def test_a_send_the_provider_never_got_is_sent_again(log_provider, settings):
    now = timezone.now()
    queue_due(2, now)
    sending.claim(ids=None, now=now, chunk=100, counts=mock.MagicMock())  # died before delivering
    later = now + timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS + 1)
    assert services.messages_send_due(now=later) == {"sent": 2}
    assert len(log_provider.read_text().splitlines()) == 2


def test_without_a_lookup_a_tracking_event_or_the_grace_period_settles_it(settings, client):
    settings.MAIL_IN_DOUBT_GRACE_SECONDS = 600
    now = timezone.now()
    first, second = queue_due(2, now)
    crash_after_delivery(now)
    assert len(mail.outbox) == 2
    past_lease = now + timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS + 1)
    assert sending.reconcile(now=past_lease) == {}  # no evidence yet, still within the grace period
    # The provider reports a delivery for the first: proof it went out.
    import base64
    import json

    client.post(
        "/mail/webhooks/postmark/tracking/",
        data=json.dumps(
            {
                "RecordType": "Delivery",
                "MessageID": "x",
                "Recipient": first.to_email,
                "DeliveredAt": "2026-11-23T10:00:00Z",
                "Metadata": {"message_id": str(first.pk)},
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hooks:s3cret").decode(),
    )
    first.refresh_from_db()
    assert first.status == Status.SENT
    after_grace = past_lease + timedelta(seconds=601)
    assert sending.reconcile(now=after_grace) == {"requeued": 1}
    second.refresh_from_db()
    assert second.status == Status.QUEUED


def test_budget_counts_messages_being_sent(settings):
    """Two claims back to back cannot both spend the last slot."""
    settings.MAIL_BUDGET_MAX = 1
    now = timezone.now()
    for key in ("a", "b"):
        services.message_queue(
            kind="announcement",
            to_email="ann@example.org",
            idempotency_key=key,
            context={"subject": "S", "body": "B"},
            send_after=now,
            now=now - timedelta(seconds=1),
        )
    first = sending.claim(ids=[Message.objects.get(idempotency_key="a").pk], now=now, chunk=10, counts=mock.MagicMock())
    assert len(first) == 1
    second = sending.claim(
        ids=[Message.objects.get(idempotency_key="b").pk], now=now, chunk=10, counts=mock.MagicMock()
    )
    assert second == []
    assert Message.objects.get(idempotency_key="b").status == Status.DEFERRED
