"""Edges a review found: hostile names, webhooks faster than the sender, slow passes, odd errors."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from mailers import sending, services
from mailers.models import Message, Status
from tests.mailers.conftest import queue_due

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["Doe, John", "Eve <eve@evil.example>, X", 'Quote " Mark'])
def test_a_display_name_can_never_add_or_break_recipients(queue, name):
    message = queue(to_name=name)
    message.refresh_from_db()
    assert message.status == Status.SENT
    sent = mail.outbox[-1]
    params = sent.anymail_test_params
    assert [r.addr_spec for r in params["to"]] == ["ann@example.org"]
    assert params["to"][0].display_name == name


def test_a_delivery_webhook_before_the_sender_records_keeps_the_send_record(db):
    now = timezone.now()
    message = services.message_queue(
        kind="test",
        to_email="ann@example.org",
        idempotency_key="fast",
        context={"subject": "S", "body": "B"},
        send_after=now,
        now=now - timedelta(seconds=1),
    )
    claimed = sending.claim(ids=None, now=now, chunk=10, counts=mock.MagicMock())
    with sending.get_connection() as connection:
        outcome = sending.deliver(claimed, now=now, connection=connection)
    # The provider's "delivered" webhook lands first...
    Message.objects.filter(pk=message.pk).update(status=Status.SENT)
    sending.record(outcome, counts=mock.MagicMock())
    message.refresh_from_db()
    # ...and the sender's record still lands: subject and provider id are kept.
    assert (message.status, message.subject, message.provider_message_id) == (Status.SENT, "S", "0")


def test_a_pass_that_outlives_its_lease_hands_the_rest_back(db, settings):
    now = timezone.now()
    queue_due(3, now, prefix="slow")
    claimed = sending.claim(ids=None, now=now, chunk=10, counts=mock.MagicMock())
    with sending.get_connection() as connection:
        outcome = sending.deliver(claimed, now=now, connection=connection, deadline=0)  # already past
    sending.record(outcome, counts=mock.MagicMock())
    assert outcome.returned and not outcome.sent
    assert set(Message.objects.values_list("status", "attempts")) == {(Status.QUEUED, 0)}
    assert mail.outbox == []


def test_each_chunk_reads_the_clock_afresh(db, settings):
    settings.MAIL_SEND_CHUNK = 1
    now = timezone.now()
    queue_due(2, now, prefix="clock")
    later = now + timedelta(minutes=10)
    with mock.patch("mailers.sending.timezone.now", side_effect=[now, later, later]):
        counts = sending.send()
    assert counts["sent"] == 2
    assert sorted(Message.objects.values_list("sent_at", flat=True)) == [now, later]


def test_an_unexpected_render_error_fails_that_message_only(queue):
    with mock.patch(
        "mailers.sending.build_email",
        side_effect=[RuntimeError("boom"), *[mock.DEFAULT] * 5],
        wraps=sending.build_email,
    ):
        first = queue(idempotency_key="boom")
    first.refresh_from_db()
    assert first.status == Status.FAILED and "boom" in first.last_error
    second = queue(idempotency_key="fine")
    second.refresh_from_db()
    assert second.status == Status.SENT


def test_message_send_reports_the_status_it_ended_in(queue):
    from anymail.exceptions import AnymailRecipientsRefused

    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=AnymailRecipientsRefused("no")):
        message = services.message_queue(
            kind="test",
            to_email="x@example.org",
            idempotency_key="x",
            context={"subject": "S", "body": "B"},
            send_after=timezone.now() + timedelta(days=1),
        )
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert services.message_send(message_id=message.pk) == "failed"
