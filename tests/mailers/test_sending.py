"""Queue and send as the phase apps do: once per key, through anymail, retried when the provider is down."""

from datetime import timedelta
from unittest import mock

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from mailers import merge, services
from mailers.models import Message, Status

pytestmark = pytest.mark.django_db


def api_error(status: int, reason: str) -> AnymailAPIError:
    """What an anymail HTTP backend raises when the provider answers with an error."""
    response = requests.Response()
    response.status_code, response.reason, response._content = status, reason, b'{"message": "%s"}' % reason.encode()
    return AnymailAPIError(f"{status} {reason}", status_code=status, response=response, esp_name="Test")


def test_a_queued_message_is_sent_once_with_its_provider_id(queue):
    message = queue()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["Ann Lee <ann@example.org>"]
    assert sent.subject == "Hello Ann"
    assert "Hi Ann," in sent.body
    html = sent.alternatives[0][0]
    assert "<p>Hi Ann,</p>" in html and 'name="viewport"' in html
    assert message.provider == "test" and message.provider_message_id == "0"
    assert message.sent_at is not None and message.subject == "Hello Ann"
    assert sent.anymail_test_params["metadata"] == {
        "message_id": str(message.pk),
        "message_key": message.idempotency_key,
    }
    # Sending again (a retried task, a second worker) sends nothing more.
    assert services.message_send(message_id=message.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_queueing_the_same_key_twice_is_one_message(queue):
    first = queue(idempotency_key="prompt:1:student:9")
    second = queue(idempotency_key="prompt:1:student:9")
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


def test_marketing_mail_carries_one_click_unsubscribe_headers(queue):
    queue()
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8000/mail/unsubscribe/")
    assert url in mail.outbox[0].body  # the text part has the link too


def test_transactional_mail_has_no_unsubscribe_header(queue):
    queue(kind="test")
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "Unsubscribe" not in mail.outbox[0].body


@pytest.mark.parametrize("bad", ["", "nope", "a@", "x@y@z.org", "ann@exa mple.org"])
def test_invalid_addresses_are_refused_at_creation(queue, bad):
    with pytest.raises(ValidationError, match="not a valid email address"):
        queue(to_email=bad)
    assert not Message.objects.exists()


def test_copy_with_unknown_fields_is_refused_at_creation(queue):
    with pytest.raises(merge.MergeError, match="special_link"):
        queue(context={"subject": "Hi", "body": "Your link: {{ special_link }}"})
    assert not Message.objects.exists()


def test_unknown_kind_is_refused(queue):
    with pytest.raises(ValidationError, match="unknown email kind"):
        queue(kind="spam")


def test_provider_outage_keeps_the_message_queued_and_retries_with_backoff(queue, settings):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    outage = api_error(503, "Service Unavailable")
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=outage):
        message = queue()
    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.attempts == 1
    assert "503" in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry - message.created_at >= timedelta(seconds=60)
    # Not due yet: nothing happens.
    assert services.message_send(message_id=message.pk) == "skipped"
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=ConnectionError("reset")):
        services.message_send(message_id=message.pk, now=first_retry)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at - first_retry >= timedelta(seconds=120)
    # The provider is back: the due pass sends it.
    assert services.messages_send_due(now=message.next_attempt_at) == {"sent": 1}
    message.refresh_from_db()
    assert message.status == Status.SENT and message.last_error == ""


def test_permanent_errors_stop_and_show(queue):
    with mock.patch(
        "anymail.backends.test.EmailBackend.post_to_esp", side_effect=AnymailRecipientsRefused("all rejected")
    ):
        message = queue()
    message.refresh_from_db()
    assert message.status == Status.FAILED and "refused by the provider" in message.last_error
    with mock.patch(
        "anymail.backends.test.EmailBackend.post_to_esp",
        side_effect=api_error(422, "invalid sender"),
    ):
        other = queue(to_email="bo@example.org")
    other.refresh_from_db()
    assert other.status == Status.FAILED and "422" in other.last_error


def test_retries_give_up_after_the_limit(queue, settings):
    settings.MAIL_MAX_ATTEMPTS = 2
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=TimeoutError("slow")):
        message = queue()
        message.refresh_from_db()
        services.message_send(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Status.FAILED and "gave up after 2 attempts" in message.last_error


def test_failed_message_can_be_retried(queue, django_capture_on_commit_callbacks):
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=AnymailRecipientsRefused("no")):
        message = queue()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_retry(message=message)
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_send_test_goes_out_at_once_even_outside_the_budget(db, settings):
    settings.MAIL_BUDGET_MAX = 1
    now = timezone.now()
    for i in range(3):
        message = services.message_send_test(
            to_email="me@example.org", subject="S", body=f"Body {i} {{{{ first_name }}}}"
        )
        assert message.status == Status.SENT
    assert [m.subject for m in mail.outbox] == ["[Test] S"] * 3
    assert mail.outbox[0].body.startswith("Body 0 there")
    assert Message.objects.filter(created_at__gte=now).count() == 3
