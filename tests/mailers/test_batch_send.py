"""Batch sending through anymail: one call per group of the same copy, every message still its own."""

import math
from datetime import timedelta
from unittest import mock

import pytest
from anymail.backends import test as anymail_test
from anymail.message import AnymailRecipientStatus
from django.core import mail
from django.utils import timezone

from cms.settings.env import ConfigError, batch_merge_format_from_env
from mailers import batching, rendering, sending, services
from mailers.models import Message, Status
from tests.mailers.test_sending import api_error

pytestmark = pytest.mark.django_db

FORMAT = "%recipient.{}%"  # Mailgun's syntax; anymail's test backend records what it would send


@pytest.fixture
def batched(settings):
    settings.MAIL_BATCH_MERGE_FORMAT = FORMAT
    settings.MAIL_BATCH_SIZE = 3
    return settings


def queue(n, now, *, prefix="s", kind="announcement", body="Hi {{ first_name }},\n\nA note for you.", names=None):
    """n messages due at ``now``, queued without a send task (the test sends them)."""
    return [
        services.message_queue(
            kind=kind,
            to_email=f"{prefix}{i}@example.org",
            to_name=(names[i] if names else f"Stu{i} Dent"),
            idempotency_key=f"{prefix}-{i}",
            context={"subject": "Hello {{ first_name }}", "body": body, "program_title": "Calm & Kind"},
            send_after=now,
            now=now - timedelta(seconds=1),
        )
        for i in range(n)
    ]


def as_received(email, address: str) -> dict[str, str]:
    """What the provider makes of a batch for one recipient: the placeholders substituted."""
    data = email.merge_data[address]
    prefix, suffix = FORMAT.split("{}")

    def fill(part: str) -> str:
        for key, value in data.items():
            part = part.replace(f"{prefix}{key}{suffix}", value)
        return part

    return {"subject": fill(email.subject), "text": fill(email.body), "html": fill(email.alternatives[0][0])}


def per_recipient_status(states: dict[str, str] | None = None):
    """parse_recipient_status that gives each recipient its own id (and a chosen status)."""

    def parse(self, response, payload, message):
        return {
            email: AnymailRecipientStatus(f"id-{email}", (states or {}).get(email, "sent"))
            for email in payload.recipient_emails
        }

    return mock.patch.object(anymail_test.EmailBackend, "parse_recipient_status", parse)


def test_n_messages_of_the_same_copy_go_out_in_ceil_n_over_size_calls(batched):
    now = timezone.now()
    queue(7, now)
    counts = sending.send(now=now)
    assert counts["sent"] == 7
    assert len(mail.outbox) == math.ceil(7 / 3)
    assert [len(m.to) for m in mail.outbox] == [3, 3, 1]  # the last one alone: a single send
    assert [m.anymail_test_params["is_batch_send"] for m in mail.outbox] == [True, True, False]
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}


def test_each_recipient_gets_exactly_what_a_single_send_renders(batched):
    now = timezone.now()
    messages = queue(3, now)
    with per_recipient_status():
        sending.send(now=now)
    [email] = mail.outbox
    params = email.anymail_test_params
    for message in messages:
        message.refresh_from_db()
        alone = rendering.render(
            kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
        )
        got = as_received(email, message.to_email)
        assert got == {"subject": alone.subject, "text": alone.text, "html": alone.html}
        first = message.to_name.split()[0]
        assert got["subject"] == f"Hello {first}" and f"Hi {first}," in got["text"]
        assert alone.unsubscribe_url in got["text"]
        headers = params["merge_headers"][message.to_email]
        assert headers["List-Unsubscribe"] == f"<{alone.unsubscribe_url}>"
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["X-Engine-Message"] == message.idempotency_key
        assert params["merge_metadata"][message.to_email] == {
            "message_id": str(message.pk),
            "message_key": message.idempotency_key,
        }
        # Recorded per message: its own provider id and its own subject.
        assert (message.status, message.provider_message_id) == (Status.SENT, f"id-{message.to_email}")
        assert message.subject == f"Hello {first}"
    unsubscribe_urls = {params["merge_headers"][m.to_email]["List-Unsubscribe"] for m in messages}
    assert len(unsubscribe_urls) == 3
    assert "List-Unsubscribe" not in email.extra_headers  # never one recipient's header for all


def test_html_values_are_escaped_and_text_values_are_not(batched):
    now = timezone.now()
    queue(2, now, names=["<b>Al</b> Smith", "Bo & Co"])
    sending.send(now=now)
    [email] = mail.outbox
    al = as_received(email, "s0@example.org")
    assert al["subject"] == "Hello <b>Al</b>"
    assert "Hi <b>Al</b>," in al["text"]
    assert "Hi &lt;b&gt;Al&lt;/b&gt;," in al["html"] and "<b>Al" not in al["html"]
    assert "<title>Hello &lt;b&gt;Al&lt;/b&gt;</title>" in al["html"]
    assert "Calm &amp; Kind" in al["html"] and "Calm & Kind" in al["text"]
    assert "Hi Bo," in as_received(email, "s1@example.org")["text"]
    assert email.merge_data["s1@example.org"]["e_program_title"] == "Calm &amp; Kind"


def test_a_recipient_the_provider_refuses_fails_only_that_message(batched):
    now = timezone.now()
    queue(3, now)
    with per_recipient_status({"s1@example.org": "rejected", "s2@example.org": "failed"}):
        counts = sending.send(now=now)
    assert len(mail.outbox) == 1
    assert counts["sent"] == 1 and counts["failed"] == 1 and counts["retrying"] == 1
    by_email = {m.to_email: m for m in Message.objects.all()}
    assert by_email["s0@example.org"].status == Status.SENT
    assert by_email["s1@example.org"].status == Status.FAILED
    assert "refused by the provider (rejected)" in by_email["s1@example.org"].last_error
    retried = by_email["s2@example.org"]
    assert retried.status == Status.QUEUED and retried.next_attempt_at > now


def test_every_recipient_refused_fails_each_message(batched):
    now = timezone.now()
    queue(2, now)
    with per_recipient_status({"s0@example.org": "invalid", "s1@example.org": "rejected"}):
        assert sending.send(now=now)["failed"] == 2
    assert set(Message.objects.values_list("status", flat=True)) == {Status.FAILED}


def test_a_transient_error_retries_the_whole_group_with_backoff(batched):
    batched.MAIL_RETRY_BASE_SECONDS = 60
    now = timezone.now()
    queue(3, now)
    with mock.patch.object(anymail_test.EmailBackend, "post_to_esp", side_effect=api_error(503, "Service Unavailable")):
        assert sending.send(now=now)["retrying"] == 3
    rows = list(Message.objects.values_list("status", "attempts", "next_attempt_at"))
    assert {(status, attempts) for status, attempts, _ in rows} == {(Status.QUEUED, 1)}
    retry_at = rows[0][2]
    assert all(when == retry_at for _, _, when in rows) and retry_at - now >= timedelta(seconds=60)
    assert sending.send(now=now)["sent"] == 0  # not due yet
    assert sending.send(now=retry_at)["sent"] == 3
    assert len(mail.outbox) == 1 and len(mail.outbox[0].to) == 3


def test_a_batch_the_provider_refuses_as_a_whole_goes_out_singly(batched):
    now = timezone.now()
    queue(3, now)
    real = anymail_test.EmailBackend.post_to_esp
    calls = []

    def refuse_batches(self, payload, message):
        calls.append(len(message.to))
        if len(message.to) > 1:
            raise api_error(422, "too many recipients")
        return real(self, payload, message)

    with mock.patch.object(anymail_test.EmailBackend, "post_to_esp", refuse_batches):
        assert sending.send(now=now)["sent"] == 3
    assert calls == [3, 1, 1, 1]


def test_sending_twice_sends_once(batched):
    now = timezone.now()
    messages = queue(3, now)
    assert sending.send(now=now)["sent"] == 3
    assert sending.send(now=now)["sent"] == 0
    assert services.message_send(message_id=messages[0].pk, now=now) == "skipped"
    assert len(mail.outbox) == 1 and sum(len(m.to) for m in mail.outbox) == 3


def test_mixed_copy_makes_one_group_per_copy(batched):
    batched.MAIL_BATCH_SIZE = 500
    now = timezone.now()
    queue(4, now, prefix="a", body="Copy A for {{ first_name }}")
    queue(3, now, prefix="b", body="Copy B for {{ first_name }}")
    queue(2, now, prefix="t", kind="test", body="Copy A for {{ first_name }}")  # another kind, another layout
    assert sending.send(now=now)["sent"] == 9
    groups = sorted(sorted(address[0] for address in m.merge_data) for m in mail.outbox)
    assert groups == [["a"] * 4, ["b"] * 3, ["t"] * 2]
    transactional = next(m for m in mail.outbox if m.to[0].startswith("Stu0 Dent <t0"))
    assert "List-Unsubscribe" not in transactional.merge_headers["t0@example.org"]


def test_copy_written_in_the_providers_syntax_is_sent_singly(batched):
    now = timezone.now()
    queue(2, now, body="Our code is %recipient.code% for {{ first_name }}")
    assert sending.send(now=now)["sent"] == 2
    assert len(mail.outbox) == 2
    assert all("%recipient.code%" in m.body for m in mail.outbox)


def test_one_address_is_never_twice_in_one_call(batched):
    now = timezone.now()
    for key in ("x", "y"):
        services.message_queue(
            kind="test",
            to_email="same@example.org",
            idempotency_key=key,
            context={"subject": "S", "body": "B {{ first_name }}"},
            send_after=now,
            now=now - timedelta(seconds=1),
        )
    assert sending.send(now=now)["sent"] == 2
    assert [len(m.to) for m in mail.outbox] == [1, 1]


def test_batching_off_is_one_call_per_message(settings):
    settings.MAIL_BATCH_MERGE_FORMAT = ""
    now = timezone.now()
    queue(4, now)
    assert sending.send(now=now)["sent"] == 4
    assert len(mail.outbox) == 4
    assert not any(getattr(m, "merge_data", None) for m in mail.outbox)


def test_a_batch_past_the_lease_deadline_is_handed_back(batched):
    now = timezone.now()
    queue(3, now)
    claimed = sending.claim(ids=None, now=now, chunk=10, counts=mock.MagicMock())
    with sending.get_connection() as connection:
        outcome = sending.deliver(claimed, now=now, connection=connection, deadline=0)
    sending.record(outcome, counts=mock.MagicMock())
    assert sorted(outcome.returned) == sorted(m.pk for m in claimed) and mail.outbox == []
    assert set(Message.objects.values_list("status", "attempts")) == {(Status.QUEUED, 0)}


def test_a_crash_after_a_batch_is_reconciled_per_message(batched, tmp_path):
    batched.EMAIL_BACKEND = "mailers.logbackend.EmailBackend"
    batched.MAIL_LOG_PATH = str(tmp_path / "sent.jsonl")
    now = timezone.now()
    queue(3, now)
    claimed = sending.claim(ids=None, now=now, chunk=100, counts=mock.MagicMock())
    with sending.get_connection() as connection:
        sending.deliver(claimed, now=now, connection=connection)  # ...and the worker dies here
    lines = (tmp_path / "sent.jsonl").read_text().splitlines()
    assert len(lines) == 3  # one call, one line per recipient with its own key
    later = now + timedelta(seconds=batched.MAIL_SEND_LEASE_SECONDS + 1)
    assert sending.reconcile(now=later) == {"confirmed": 3}
    assert services.messages_send_due(now=later) == {}
    assert len((tmp_path / "sent.jsonl").read_text().splitlines()) == 3


def test_the_log_provider_records_each_recipients_key_as_its_id(batched, tmp_path):
    batched.EMAIL_BACKEND = "mailers.logbackend.EmailBackend"
    batched.MAIL_LOG_PATH = str(tmp_path / "sent.jsonl")
    now = timezone.now()
    queue(2, now)
    sending.send(now=now)
    assert set(Message.objects.values_list("provider_message_id", flat=True)) == {"s-0", "s-1"}


def test_sendgrid_gets_our_delimiters_as_its_merge_field_format(batched):
    batched.MAIL_BATCH_MERGE_FORMAT = "{{{}}}"
    now = timezone.now()
    messages = queue(2, now)
    values = [
        rendering.batch_values(kind_name=m.kind, to_email=m.to_email, to_name=m.to_name, context=m.context, keys=set())
        for m in messages
    ]
    template = rendering.batch_template(
        kind_name="announcement", context=messages[0].context, placeholder=lambda key: "{{" + key + "}}"
    )
    connection = mock.Mock(esp_name="SendGrid")
    email = batching.build_batch_email(list(zip(messages, values, strict=True)), template, connection)
    assert email.esp_extra == {"merge_field_format": "{{{{{}}}}}"}
    assert email.esp_extra["merge_field_format"].format("first_name") == "{{first_name}}"


def test_the_batch_setting_defaults_from_the_provider_and_is_checked(monkeypatch):
    monkeypatch.delenv("MAIL_BATCH_MERGE_FORMAT", raising=False)
    assert batch_merge_format_from_env("anymail.backends.mailgun.EmailBackend") == "%recipient.{}%"
    assert batch_merge_format_from_env("anymail.backends.sparkpost.EmailBackend") == "{{{{}}}}"
    assert batch_merge_format_from_env("anymail.backends.postmark.EmailBackend") == ""
    assert batch_merge_format_from_env("anymail.backends.test.EmailBackend") == ""
    monkeypatch.setenv("MAIL_BATCH_MERGE_FORMAT", "off")
    assert batch_merge_format_from_env("anymail.backends.mailgun.EmailBackend") == ""
    monkeypatch.setenv("MAIL_BATCH_MERGE_FORMAT", "*|{}|*")
    assert batch_merge_format_from_env("anymail.backends.mandrill.EmailBackend") == "*|{}|*"
    for bad in ("first_name", "{}|*", "<{}>", "{}{}"):
        monkeypatch.setenv("MAIL_BATCH_MERGE_FORMAT", bad)
        with pytest.raises(ConfigError, match="MAIL_BATCH_MERGE_FORMAT"):
            batch_merge_format_from_env("anymail.backends.mandrill.EmailBackend")
    monkeypatch.setenv("MAIL_BATCH_MERGE_FORMAT", "%recipient.{}%")
    with pytest.raises(ConfigError, match="cannot batch-send"):
        batch_merge_format_from_env("anymail.backends.postmark.EmailBackend")


def test_an_event_without_metadata_finds_its_message_by_recipient_when_a_batch_shares_one_id(batched, client):
    from tests.mailers.test_webhooks import auth, post

    now = timezone.now()
    first, second = queue(2, now)
    sending.send(now=now)  # the test backend gives a batch one id, as Mailgun does
    assert Message.objects.get(pk=first.pk).provider_message_id == Message.objects.get(pk=second.pk).provider_message_id
    delivered = {
        "RecordType": "Delivery",
        "MessageID": Message.objects.get(pk=first.pk).provider_message_id,
        "Recipient": first.to_email.upper(),
        "DeliveredAt": "2026-11-23T10:00:00Z",
    }
    assert post(client, delivered, **auth()).status_code == 200
    assert Message.objects.get(pk=first.pk).delivered_at is not None  # not the newest with that id
    assert Message.objects.get(pk=second.pk).delivered_at is None
