"""Outbound webhooks as the creator's receiver sees them: signed the Standard Webhooks way, retried on
the schedule (a frozen clock: every call is given ``now``), whatever the endpoint answers, and nothing
sent twice, nothing lost."""

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mailers.models import Message
from referrals import tasks
from referrals.webhooks import catalogue, sending, services
from referrals.webhooks.models import DeliveryStatus, PauseCause, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.referrals.webhook_receiver import URL, Reply

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def endpoint(program):
    return WebhookEndpoint.objects.create(program=program, url=URL)


def emit(program, *, event_type=catalogue.LEAD_CREATED, now=T0, event_id=None, **data):
    return services.webhook_emit(
        program=program, event_type=event_type, data=data or {"lead_id": 7}, event_id=event_id, now=now
    )


def settle(delivery) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=delivery.pk)


def test_the_receiver_verifies_the_signature_with_the_standardwebhooks_package(
    program, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the send is queued after commit
        [delivery] = emit(program, now=timezone.now(), event_id="lead.created-7", lead_id=7)
    [request] = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "lead.created"
    assert payload["data"] == {"program": "focus", "lead_id": 7}
    assert request.headers["webhook-id"] == "lead.created-7" == delivery.event_id
    assert request.headers["User-Agent"] == sending.USER_AGENT
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Host"] == "hooks.example.com"  # the name, though we connected to the address
    assert request.path == "/webhooks/in"
    assert receiver.addresses == ["93.184.215.14"]  # the address that was checked
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(request.body, request.headers)
    delivery = settle(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    [attempt] = delivery.attempt_log.all()
    assert (attempt.status_code, attempt.outcome, attempt.error) == (204, "delivered", "")


def test_after_a_rotation_both_secrets_sign_for_a_day(program, endpoint, receiver):
    old = endpoint.secret
    now = timezone.now()
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint, now=now)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    [delivery] = emit(program, now=now)
    services.delivery_send(delivery_id=delivery.pk, now=now)
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint.secret).verify(request.body, request.headers)
    Webhook(old).verify(request.body, request.headers)
    [later] = emit(program, now=now + timedelta(hours=25))
    services.delivery_send(delivery_id=later.pk, now=now + timedelta(hours=25))
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 1


def test_a_500_is_retried_on_the_schedule_and_fails_for_good_after_about_three_days(program, endpoint, receiver):
    receiver.answer(Reply(500, body="oops " * 1000))
    [delivery] = emit(program)
    now, gaps = T0, []
    assert services.delivery_send(delivery_id=delivery.pk, now=now) == "retry"
    while (delivery := settle(delivery)).status == DeliveryStatus.PENDING:
        due = delivery.next_attempt_at
        gaps.append(due - now)
        # A second early: not due, nothing sent.
        assert services.deliveries_send_due(now=due - timedelta(seconds=1)) == {}
        # The endpoint answers other events meanwhile, so it is never paused for failing a whole day.
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        services.deliveries_send_due(now=due)
        now = due
    assert gaps == list(sending.SCHEDULE)
    assert [g.total_seconds() for g in gaps[:6]] == [5, 300, 1800, 7200, 18000, 36000]
    total = sum(gaps, timedelta())
    assert timedelta(days=2, hours=18) < total < timedelta(days=3, hours=6)
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.attempts == sending.MAX_ATTEMPTS == len(receiver.received) == 12
    attempts = list(delivery.attempt_log.order_by("attempted_at"))
    assert [a.status_code for a in attempts] == [500] * 12
    assert attempts[-1].outcome == "failed: retries used up"
    assert attempts[0].outcome == "retry at 2026-03-02 09:00:05 UTC"
    assert len(attempts[0].response_body) == 2048  # the first 2 KB of what it said
    # Nothing more goes out, ever: not from the periodic pass, not from a repeated task.
    assert services.deliveries_send_due(now=now + timedelta(days=30)) == {}
    assert services.delivery_send(delivery_id=delivery.pk, now=now + timedelta(days=30)) == "skipped"
    assert len(receiver.received) == 12


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [
        (429, "120", timedelta(seconds=120)),
        (503, "900", timedelta(seconds=900)),
        (429, "2", timedelta(seconds=5)),  # never sooner than the schedule
        (429, format_datetime(T0 + timedelta(hours=1), usegmt=True), timedelta(hours=1)),
        (429, "99999999", sending.RETRY_AFTER_CAP),  # capped: it may slow us down, not stall us
        (429, "soon", timedelta(seconds=5)),  # unreadable: the schedule
        (500, "600", timedelta(seconds=5)),  # only 429 and 503 ask us to wait
    ],
)
def test_retry_after_is_honoured_on_429_and_503(program, endpoint, receiver, status, retry_after, wait):
    receiver.answer(Reply(status, headers={"Retry-After": retry_after}))
    [delivery] = emit(program)
    services.delivery_send(delivery_id=delivery.pk, now=T0)
    assert settle(delivery).next_attempt_at == T0 + wait
    assert services.deliveries_send_due(now=T0 + wait - timedelta(seconds=1)) == {}
    receiver.answer(Reply(200))
    assert services.deliveries_send_due(now=T0 + wait) == {"delivered": 1}
    assert settle(delivery).status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in WebhookAttempt.objects.order_by("attempted_at")] == [status, 200]


def test_410_stops_the_delivery_and_disables_the_endpoint_and_the_team_is_told(program, endpoint, receiver, admin_user):
    [waiting] = emit(program, event_id="first")
    [delivery] = emit(program, event_id="second")
    receiver.answer(Reply(410, body="unsubscribed"))
    assert services.delivery_send(delivery_id=delivery.pk, now=T0) == "gone"
    delivery, endpoint = settle(delivery), WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert delivery.status == DeliveryStatus.GONE and delivery.next_attempt_at is None
    assert not endpoint.is_active and endpoint.pause_cause == PauseCause.GONE
    assert "410" in endpoint.paused_reason
    # Nothing more is sent to it; the other event is kept, not dropped, and a new one is not made.
    assert services.deliveries_send_due(now=T0 + timedelta(days=1)) == {}
    assert settle(waiting).status == DeliveryStatus.PENDING
    assert emit(program, event_id="third") == []
    [email] = Message.objects.filter(kind="webhook_endpoint_paused")
    assert email.to_email == "alice@example.org"
    assert len(receiver.received) == 1


def test_an_endpoint_that_never_answers_times_out_and_is_retried(program, endpoint, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    receiver.answer(Reply(200, delay=2.5))
    [delivery] = emit(program)
    assert services.delivery_send(delivery_id=delivery.pk, now=T0) == "retry"
    delivery = settle(delivery)
    assert delivery.last_error == "no answer within 1 s" and delivery.last_status_code is None
    assert delivery.next_attempt_at == T0 + timedelta(seconds=5)
    [attempt] = delivery.attempt_log.all()
    assert attempt.error == "no answer within 1 s" and attempt.status_code is None
    assert attempt.duration_ms >= 1000


def test_a_redirect_is_a_failure_and_is_not_followed(program, endpoint, receiver):
    receiver.answer(Reply(302, headers={"Location": "https://hooks.example.com/elsewhere"}))
    [delivery] = emit(program)
    services.delivery_send(delivery_id=delivery.pk, now=T0)
    delivery = settle(delivery)
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 302
    assert delivery.last_error == "redirect (302) not followed"
    assert [r.path for r in receiver.received] == ["/webhooks/in"]


def test_the_send_task_run_twice_sends_once(program, endpoint, receiver, django_capture_on_commit_callbacks):
    [delivery] = emit(program, now=timezone.now())
    tasks.webhook_send(delivery.pk)
    tasks.webhook_send(delivery.pk)
    services.deliveries_send_due()
    assert len(receiver.received) == 1
    assert settle(delivery).attempts == 1


def test_a_claimed_delivery_is_not_sent_by_a_second_worker_meanwhile(program, endpoint, receiver):
    receiver.answer(Reply(500))
    [delivery] = emit(program)
    # A worker claimed it and is still waiting for the answer (its lease is past the timeout).
    assert services._claim(delivery.pk, now=T0, forced=False)
    assert services.delivery_send(delivery_id=delivery.pk, now=T0) == "skipped"
    assert services.deliveries_send_due(now=T0 + timedelta(seconds=30)) == {}
    assert receiver.received == []
    # The worker died: once the lease runs out, the periodic pass sends it (same webhook-id).
    assert services.deliveries_send_due(now=T0 + timedelta(minutes=2)) == {"retry": 1}
    assert receiver.received[0].headers["webhook-id"] == delivery.event_id


def test_emitting_the_same_event_again_creates_nothing(program, endpoint):
    first = emit(program, event_id="lead.created-1")
    again = emit(program, event_id="lead.created-1")
    assert [d.pk for d in first] == [d.pk for d in again]
    assert WebhookDelivery.objects.count() == 1


def test_endpoints_receive_only_what_they_subscribe_to(program, receiver):
    everything = WebhookEndpoint.objects.create(program=program, url=URL)
    rewards = WebhookEndpoint.objects.create(
        program=program, url=URL + "/rewards", event_types=[catalogue.REWARD_RELEASED, catalogue.REWARD_REVOKED]
    )
    for event_type in (catalogue.CONVERSION_ATTRIBUTED, catalogue.REWARD_RELEASED, catalogue.REWARD_REVOKED):
        emit(program, event_type=event_type, conversion_id=3)
    assert sorted(everything.deliveries.values_list("event_type", flat=True)) == [
        "conversion.attributed",
        "reward.released",
        "reward.revoked",
    ]
    assert sorted(rewards.deliveries.values_list("event_type", flat=True)) == ["reward.released", "reward.revoked"]
    with pytest.raises(ValueError, match="unknown webhook event type"):
        emit(program, event_type="lead.exploded")


def test_a_day_of_failures_pauses_the_endpoint_keeps_its_events_and_tells_the_team(
    program, endpoint, receiver, admin_user, django_user_model
):
    django_user_model.objects.create_superuser("dee", "dee@example.org", "pw-dee-12345")
    receiver.answer(Reply(500))
    [delivery] = emit(program, event_id="one")
    now = T0
    services.delivery_send(delivery_id=delivery.pk, now=now)
    while WebhookEndpoint.objects.get(pk=endpoint.pk).is_active:
        now = settle(delivery).next_attempt_at
        services.deliveries_send_due(now=now)
    endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert now - T0 >= timedelta(hours=24) and now - T0 < timedelta(hours=30)
    assert endpoint.pause_cause == PauseCause.FAILING and "failing since 2026-03-02 09:00 UTC" in endpoint.paused_reason
    assert "HTTP 500" in endpoint.paused_reason
    sent = len(receiver.received)
    # Paused: nothing is sent, but nothing is lost: its retries and new events wait for it.
    assert services.deliveries_send_due(now=now + timedelta(days=5)) == {}
    [later] = emit(program, event_id="two", now=now + timedelta(hours=1))
    assert settle(delivery).status == settle(later).status == DeliveryStatus.PENDING
    assert len(receiver.received) == sent
    emails = Message.objects.filter(kind="webhook_endpoint_paused").order_by("to_email")
    assert [m.to_email for m in emails] == ["alice@example.org", "dee@example.org"]  # each publisher, once
    email = emails[0]
    assert email.context["endpoint_url"] == URL and email.context["pending_count"] == "1"
    assert endpoint.secret not in json.dumps(email.context)
    # The team fixes their receiver and resumes: both go, once each.
    receiver.answer(Reply(200))
    assert services.endpoint_resume(endpoint=endpoint, now=now + timedelta(days=2)) == 2
    assert services.deliveries_send_due(now=now + timedelta(days=2)) == {"delivered": 2}
    assert settle(delivery).status == settle(later).status == DeliveryStatus.DELIVERED
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None
    assert Message.objects.filter(kind="webhook_endpoint_paused").count() == 2


def test_replay_sends_the_same_webhook_id_and_body_again(program, endpoint, receiver):
    [delivery] = emit(program)
    services.delivery_send(delivery_id=delivery.pk, now=T0)
    services.delivery_replay(delivery=delivery, now=T0 + timedelta(hours=1))
    services.delivery_send(delivery_id=delivery.pk, trigger="replay", now=T0 + timedelta(hours=1))
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) == int((T0 + timedelta(hours=1)).timestamp())
    assert [a.trigger for a in settle(delivery).attempt_log.order_by("attempted_at")] == ["schedule", "replay"]


HOSTILE = [
    ("http://hooks.example.com/in", "only https:// URLs are allowed"),
    ("https://127.0.0.1/in", "127.0.0.1 is a loopback address"),
    ("https://10.1.2.3/in", "10.1.2.3 is a private address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://[::1]/in", "::1 is a loopback address"),
    ("https://sneaky.example.com/in", "sneaky.example.com resolves to 10.0.0.5, a private address"),
    ("https://metadata.example.com/", "resolves to 169.254.169.254, a link-local address"),
]


@pytest.mark.parametrize(("url", "why"), HOSTILE)
def test_an_address_that_is_not_public_https_is_never_called(program, no_connection, admin_user, url, why):
    # Saved past the admin's check (as if DNS changed since): refused again at the send.
    endpoint = WebhookEndpoint.objects.create(program=program, url=url)
    [delivery] = emit(program)
    assert services.delivery_send(delivery_id=delivery.pk, now=T0) == "retry"
    assert no_connection == []
    delivery, endpoint = settle(delivery), WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert why in delivery.last_error and delivery.last_error.startswith("refused: ")
    assert delivery.status == DeliveryStatus.PENDING  # kept for when the address is fixed
    assert not endpoint.is_active and why in endpoint.paused_reason
    assert Message.objects.filter(kind="webhook_endpoint_paused").count() == 1


def test_a_hostname_resolving_to_a_private_address_is_refused_through_getaddrinfo(program, monkeypatch, admin_user):
    import socket

    from testimonials import outbound

    def private(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", port))]

    monkeypatch.setattr(socket, "getaddrinfo", private)
    monkeypatch.setattr(outbound, "connection", lambda *a: pytest.fail("must not connect"))
    WebhookEndpoint.objects.create(program=program, url="https://intranet.example.net/hook")
    [delivery] = emit(program)
    services.delivery_send(delivery_id=delivery.pk, now=T0)
    assert "resolves to 192.168.1.20, a private address" in settle(delivery).last_error


def test_no_secret_reaches_the_logs_or_the_log_of_attempts(program, endpoint, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    receiver.answer(Reply(500), Reply(410))
    [delivery] = emit(program)
    services.delivery_send(delivery_id=delivery.pk, now=T0)
    services.delivery_send(delivery_id=delivery.pk, now=T0 + timedelta(seconds=5))
    assert "paused" in caplog.text
    signature = receiver.received[0].headers["webhook-signature"]
    for text in (caplog.text, *WebhookAttempt.objects.values_list("response_body", "error", "outcome")):
        assert endpoint.secret not in str(text) and endpoint.secret[6:] not in str(text)
        assert signature not in str(text)


def test_workers_racing_for_one_due_delivery_send_it_once(transactional_db, program, receiver):
    """Four workers at the same instant (the task, its retry, two periodic passes): one request."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections to one database: PostgreSQL (SQLite's test database is per connection)")
    endpoint = WebhookEndpoint.objects.create(program=program, url=URL)
    # Made directly: webhook_emit would commit here and send it at once, before the race.
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="race", event_type="lead.created", body="{}", next_attempt_at=T0
    )
    receiver.answer(Reply(204, delay=0.3))
    start, outcomes = threading.Barrier(4), []

    def worker():
        try:
            start.wait()
            outcomes.append(services.delivery_send(delivery_id=delivery.pk, now=T0))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["delivered", "skipped", "skipped", "skipped"]
    assert len(receiver.received) == 1 and settle(delivery).attempts == 1
