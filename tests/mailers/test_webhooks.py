"""Provider tracking webhooks: authenticated, recorded once, and feeding suppression."""

import base64
import json
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from mailers import services
from mailers.models import Contact, Message, MessageEvent, Status, SuppressionReason

pytestmark = pytest.mark.django_db
URL = "/mail/webhooks/postmark/tracking/"


def auth(secret="hooks:s3cret"):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def post(client, payload, **headers):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def bounce(message, kind="HardBounce", event_id=1001):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "ID": event_id,
        "MessageID": "pm-123",
        "Email": message.to_email,
        "BouncedAt": "2026-11-23T10:00:00Z",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 user unknown" if kind == "HardBounce" else "smtp;452 4.2.2 mailbox full",
        "Metadata": {"message_id": str(message.pk), "message_key": message.idempotency_key},
    }


def test_hard_bounce_is_recorded_and_suppresses_the_address(client, queue):
    message = queue()
    response = post(client, bounce(message), **auth())
    assert response.status_code == 200
    event = MessageEvent.objects.get()
    assert (event.message_id, event.event_type, event.provider) == (message.pk, "bounced", "postmark")
    message.refresh_from_db()
    assert message.bounced_at is not None
    contact = Contact.objects.get(email__iexact=message.to_email)
    assert contact.suppressed_reason == SuppressionReason.BOUNCED
    # Every later send checks the list, transactional included.
    later = queue(kind="test", idempotency_key="later")
    later.refresh_from_db()
    assert later.status == Status.SUPPRESSED
    assert len(mail.outbox) == 1


def test_soft_bounce_is_recorded_but_does_not_suppress(client, queue):
    message = queue()
    post(client, bounce(message, kind="SoftBounce"), **auth())
    assert MessageEvent.objects.count() == 1
    assert not Contact.objects.get(email__iexact=message.to_email).suppressed_reason


def test_complaint_suppresses(client, queue):
    message = queue()
    payload = {**bounce(message, kind="SpamComplaint", event_id=7), "RecordType": "SpamComplaint"}
    post(client, payload, **auth())
    assert Contact.objects.get(email__iexact=message.to_email).suppressed_reason == SuppressionReason.COMPLAINED


def test_delivery_open_and_click_are_stamped_on_the_message(client, queue):
    message = queue()
    meta = {"message_id": str(message.pk)}
    post(
        client,
        {
            "RecordType": "Delivery",
            "MessageID": "pm",
            "Recipient": message.to_email,
            "DeliveredAt": "2026-11-23T10:00:00Z",
            "Metadata": meta,
        },
        **auth(),
    )
    post(
        client,
        {
            "RecordType": "Open",
            "MessageID": "pm",
            "Recipient": message.to_email,
            "ReceivedAt": "2026-11-23T10:05:00Z",
            "Metadata": meta,
        },
        **auth(),
    )
    post(
        client,
        {
            "RecordType": "Click",
            "MessageID": "pm",
            "Recipient": message.to_email,
            "ReceivedAt": "2026-11-23T10:06:00Z",
            "OriginalLink": "https://e.org",
            "Metadata": meta,
        },
        **auth(),
    )
    message.refresh_from_db()
    assert message.delivered_at and message.opened_at and message.clicked_at
    assert not Contact.objects.get(email__iexact=message.to_email).suppressed_reason


def test_a_retried_webhook_is_recorded_once(client, queue):
    message = queue()
    for _ in range(3):
        assert post(client, bounce(message, event_id=555), **auth()).status_code == 200
    assert MessageEvent.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("hooks:wrong"),
        auth("nobody"),
        {"HTTP_AUTHORIZATION": "Basic !!!"},
        {"HTTP_AUTHORIZATION": "Bearer hooks:s3cret"},
    ],
)
def test_a_forged_webhook_is_refused_and_changes_nothing(client, queue, headers):
    message = queue()
    response = post(client, bounce(message), **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not MessageEvent.objects.exists()
    assert not Contact.objects.filter(suppressed_reason__gt="").exists()
    message.refresh_from_db()
    assert message.bounced_at is None


def test_unknown_provider_is_404(client):
    assert client.post("/mail/webhooks/nosuchesp/tracking/", **auth()).status_code == 404


def test_events_for_unknown_messages_still_suppress(client):
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 9,
        "MessageID": "other",
        "Email": "gone@example.org",
        "BouncedAt": "2026-11-23T10:00:00Z",
        "Details": "550 no such user",
    }
    assert post(client, payload, **auth()).status_code == 200
    assert Contact.objects.get(email="gone@example.org").suppressed_reason == SuppressionReason.BOUNCED
    assert Message.objects.count() == 0


def test_a_hard_bounce_is_trusted_even_when_its_text_mentions_a_4xx_number(client, queue):
    message = queue()
    payload = {**bounce(message), "Details": "smtp;550 5.1.1 unknown user (ticket 451 at port 465)"}
    post(client, payload, **auth())
    assert Contact.objects.get(email__iexact=message.to_email).suppressed_reason == SuppressionReason.BOUNCED


def test_a_bounce_of_unknown_type_with_a_leading_4xx_code_does_not_suppress(client, queue):
    message = queue()
    payload = {**bounce(message), "Type": "Unknown", "Details": "452 4.2.2 mailbox full"}
    post(client, payload, **auth())
    assert not Contact.objects.get(email__iexact=message.to_email).suppressed_reason


# --- Junk and providers we do not send with ----------------------------------------------------


@pytest.fixture
def lenient_client():
    # Shows a 500 as a response instead of raising it, so the test sees what a provider would.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("body", ["{bad", "", '""', "[1]", "null", "42", "\xff"])
def test_a_junk_body_with_the_right_password_is_a_400_and_records_nothing(lenient_client, body):
    response = lenient_client.post(URL, data=body.encode("latin-1"), content_type="application/json", **auth())
    assert response.status_code == 400
    assert not MessageEvent.objects.exists()


def test_a_junk_body_with_the_wrong_password_is_still_a_401(lenient_client):
    response = lenient_client.post(URL, data=b"{bad", content_type="application/json", **auth("hooks:wrong"))
    assert response.status_code == 401


@pytest.mark.parametrize("esp", ["sendgrid", "mailgun", "amazon_ses", "test", "nosuchprovider"])
def test_only_the_configured_providers_webhook_is_open(lenient_client, esp):
    response = lenient_client.post(
        f"/mail/webhooks/{esp}/tracking/", data=b"[]", content_type="application/json", **auth()
    )
    assert response.status_code == 404
    assert not MessageEvent.objects.exists()


def test_the_configured_provider_follows_the_email_backend(lenient_client, settings, queue):
    del settings.MAIL_WEBHOOK_PROVIDER
    settings.EMAIL_BACKEND = "anymail.backends.sparkpost.EmailBackend"
    assert post(lenient_client, [], **auth()).status_code == 404  # Postmark's is closed now
    response = lenient_client.post(
        "/mail/webhooks/sparkpost/tracking/", data=b"[]", content_type="application/json", **auth()
    )
    assert response.status_code == 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # not anymail: none open
    assert post(lenient_client, [], **auth()).status_code == 404


def test_an_error_in_our_own_handling_of_a_good_event_stays_a_500(lenient_client, queue):
    message = queue()
    with mock.patch.object(services, "tracking_event_record", side_effect=KeyError("ours")):
        response = post(lenient_client, bounce(message), **auth())
    assert response.status_code == 500  # the provider retries; a 400 would have dropped the event
