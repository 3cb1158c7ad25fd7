"""Outbound webhooks, the writes: emit an event to a program's endpoints, attempt a delivery and
record what came back, and the team's actions (pause, resume, rotate the secret, test, replay).

Guarantees, whatever the endpoint does (500, 429 with Retry-After, 410, no answer at all):

- **Nothing lost.** A delivery is a row before anything is sent; it stays pending until it lands,
  its retries (``sending.SCHEDULE``) are used up ("failed") or the endpoint answers 410 ("gone").
  A paused endpoint keeps its pending deliveries (and, paused for failing, gets new ones): resuming
  sends them.
- **Nothing sent twice at once.** An attempt first claims its delivery (one conditional UPDATE that
  moves ``next_attempt_at`` past the request's timeout), so two workers, or the task and the periodic
  pass, never post the same delivery together. A worker that dies mid-request leaves a claim that
  expires and is retried: at least once, with the same ``webhook-id`` for the receiver to drop repeats.
- **Every outcome visible.** Each attempt is a ``WebhookAttempt`` (status or error, the first 2 KB of
  the answer, duration); the admin lists them and replays a delivery on demand.
"""

import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.permission_policies.pages import PagePermissionPolicy

from mailers.rendering import absolute
from mailers.runner import enqueue
from mailers.services import message_queue
from referrals.webhooks import catalogue, sending
from referrals.webhooks.models import (
    DeliveryStatus,
    PauseCause,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    new_secret,
)

logger = logging.getLogger(__name__)

# An endpoint that has failed for this long without a single success is paused and the creator told.
PAUSE_AFTER = timedelta(hours=24)
# After a rotation requests are signed with the old secret as well, this long.
ROTATION_OVERLAP = timedelta(hours=24)


def _enqueue_send(delivery_id: int, trigger: str = "schedule") -> None:
    from referrals import tasks

    enqueue(tasks.webhook_send, delivery_id, trigger)


def _receives_new_events(endpoint: WebhookEndpoint) -> bool:
    # Paused for failing: its events wait for it (nothing lost). Paused by the team or gone: it
    # asked not to hear from us.
    return endpoint.is_active or endpoint.pause_cause == PauseCause.FAILING


def webhook_emit(
    *,
    program,
    event_type: str,
    data: dict,
    event_id: str | None = None,
    now: datetime | None = None,
) -> list[WebhookDelivery]:
    """One delivery of this event for each of the program's endpoints subscribed to it (one
    transaction), sent after commit. ``event_id`` (the ``webhook-id``) names the event: emitting it
    again creates nothing new, so a caller that runs twice passes the same id
    (e.g. ``lead.created-<lead id>-<registered at>``)."""
    if event_type not in catalogue.EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    now = now or timezone.now()
    event_id = event_id or f"msg_{uuid.uuid4().hex}"
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(program_id=program.pk)
        if _receives_new_events(endpoint) and endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return []
    body = event_body(event_type=event_type, program=program, data=data, now=now)
    deliveries = []
    # One transaction for the rows (entered only when there is an endpoint: most programs have none).
    with transaction.atomic():
        for endpoint in endpoints:
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=event_id,
                defaults={"event_type": event_type, "body": body, "next_attempt_at": now, "created_at": now},
            )
            deliveries.append(delivery)
            if created and endpoint.is_active:
                _enqueue_send(delivery.pk)
    return deliveries


def event_body(*, event_type: str, program, data: dict, now: datetime) -> str:
    """``{"type", "timestamp", "data"}``; ``data`` always names the program by its slug."""
    payload = {
        "type": event_type,
        "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"program": program.slug, **data},
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def _claim(delivery_id: int, *, now: datetime, forced: bool) -> bool:
    """Take the delivery for one attempt: true for exactly one of any number of concurrent callers."""
    lease = now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 60)
    due = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if not forced:
        endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
        if not WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).exists():
            return False  # paused: its deliveries wait for the resume
    return due.update(next_attempt_at=lease) == 1


def delivery_send(*, delivery_id: int, trigger: str = "schedule", now: datetime | None = None) -> str:
    """Attempt a due delivery once and record the outcome; "skipped" when it is not due, already
    claimed, settled, or its endpoint is paused (a replay or a test is sent to a paused endpoint too:
    the team asked for it). Idempotent: a second run for the same due attempt sends nothing."""
    now = now or timezone.now()
    if not _claim(delivery_id, now=now, forced=trigger in ("replay", "test")):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        keys.append(endpoint.previous_secret)
    headers = sending.signature_headers(secrets=keys, event_id=delivery.event_id, body=delivery.body, at=now)
    answer = sending.post(endpoint.url, body=delivery.body, headers=headers)
    return _record(delivery_id=delivery_id, answer=answer, trigger=trigger, now=now)


@transaction.atomic
def _record(*, delivery_id: int, answer: sending.Answer, trigger: str, now: datetime) -> str:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_status_code = answer.status
    delivery.last_error = answer.error[:255]
    pause = ""
    if answer.status is not None and 200 <= answer.status < 300:
        outcome = "delivered"
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        delivery.last_error = ""
        endpoint.failing_since = None
    elif answer.status == 410:
        # The receiver says this endpoint is gone for good: stop, and stop sending it anything.
        outcome = "gone: endpoint disabled"
        delivery.status, delivery.next_attempt_at = DeliveryStatus.GONE, None
        pause = PauseCause.GONE
        reason = f"answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC"
    else:
        endpoint.failing_since = endpoint.failing_since or now
        if answer.status is not None and 300 <= answer.status < 400:
            delivery.last_error = f"redirect ({answer.status}) not followed"
        retry_at = sending.next_attempt_at(attempts=delivery.attempts, answer=answer, now=now)
        if retry_at is None:
            outcome = "failed: retries used up"
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            outcome = f"retry at {retry_at:%Y-%m-%d %H:%M:%S} UTC"
            delivery.next_attempt_at = retry_at
        described = delivery.last_error or f"HTTP {answer.status}"
        if answer.refused:
            # The address itself may not be called (it now resolves to a private address, say).
            pause, reason = PauseCause.FAILING, described
        elif endpoint.is_active and now - endpoint.failing_since >= PAUSE_AFTER:
            pause = PauseCause.FAILING
            reason = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC; last: {described}"[:255]
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=answer.status,
        error=delivery.last_error,
        response_body=answer.body,
        duration_ms=answer.duration_ms,
        outcome=outcome,
        trigger=trigger,
    )
    delivery.save()
    if pause and endpoint.is_active:
        _pause(endpoint, cause=pause, reason=reason, now=now)
        _tell_the_creator(endpoint=endpoint, now=now)
    else:
        endpoint.save(update_fields=["failing_since"])
    return outcome.split(":")[0].split(" ")[0]


def _pause(endpoint: WebhookEndpoint, *, cause: str, reason: str, now: datetime) -> None:
    endpoint.is_active, endpoint.pause_cause, endpoint.paused_reason, endpoint.paused_at = False, cause, reason, now
    endpoint.save(update_fields=["is_active", "pause_cause", "paused_reason", "paused_at", "failing_since"])
    logger.warning("webhook endpoint %s paused: %s", endpoint.pk, reason)


def creator_recipients(program) -> list[str]:
    """Who is told about the program's endpoints: the active users who may publish the program page
    (its creator's team, and the site's administrators), by their own address."""
    users = PagePermissionPolicy().users_with_permission_for_instance("publish", program)
    return sorted({user.email.lower() for user in users if user.email})


def _tell_the_creator(*, endpoint: WebhookEndpoint, now: datetime) -> None:
    from referrals.emails import WEBHOOK_PAUSED_EMAIL

    program = endpoint.program
    recipients = creator_recipients(program)
    if not recipients:
        logger.warning("webhook endpoint %s paused and nobody to tell (no publisher with an address)", endpoint.pk)
    pending = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).count()
    for address in recipients:
        message_queue(
            kind=WEBHOOK_PAUSED_EMAIL.name,
            to_email=address,
            # One per pause and person: a resume and a later pause tell them again.
            idempotency_key=f"webhook-paused:{endpoint.pk}:{int(now.timestamp())}:{address}",
            context={
                "endpoint_url": endpoint.url,
                "reason": endpoint.paused_reason,
                "pending_count": str(pending),
                "endpoint_admin_url": absolute(reverse("referrals_webhookendpoint:edit", args=[endpoint.pk])),
            },
            program_id=program.pk,
            program_title=program.title,
            now=now,
        )


def deliveries_send_due(*, now: datetime | None = None, chunk: int = 200) -> dict[str, int]:
    """The periodic pass: due retries of active endpoints, and first attempts whose task was lost,
    oldest first. Stops taking new ones after ``WEBHOOKS_PASS_SECONDS`` so passes do not pile up
    behind a slow endpoint (what is left is due at the next pass)."""
    fixed_now = now
    started = time.monotonic()
    counts: dict[str, int] = {}
    ids = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now(), endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:chunk]
    )
    for pk in ids:
        if time.monotonic() - started > settings.WEBHOOKS_PASS_SECONDS:
            break
        outcome = delivery_send(delivery_id=pk, now=fixed_now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- The team's actions (admin) ---


@transaction.atomic
def endpoint_pause(*, endpoint: WebhookEndpoint, actor: str, now: datetime | None = None) -> WebhookEndpoint:
    """The team pauses an endpoint: nothing is sent to it, and new events are not kept for it."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active:
        _pause(endpoint, cause=PauseCause.CREATOR, reason=f"paused by {actor} on {now:%Y-%m-%d %H:%M} UTC", now=now)
    return endpoint


@transaction.atomic
def endpoint_resume(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> int:
    """Active again, with a clean slate: its pending deliveries are due now (the periodic pass is
    queued at once). Returns how many are waiting."""
    from referrals import tasks

    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active, endpoint.pause_cause, endpoint.paused_reason = True, PauseCause.NONE, ""
    endpoint.paused_at = endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "pause_cause", "paused_reason", "paused_at", "failing_since"])
    waiting = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        next_attempt_at=now
    )
    if waiting:
        enqueue(tasks.webhooks_send_due)
    return waiting


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookEndpoint:
    """A new secret; for ``ROTATION_OVERLAP`` requests carry the old one's signature too."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: str, now: datetime | None = None) -> WebhookDelivery:
    """A ``webhook.test`` event to this endpoint only, sent at once (even while paused)."""
    now = now or timezone.now()
    body = event_body(
        event_type=catalogue.TEST,
        program=endpoint.program,
        data={"endpoint_id": endpoint.pk, "requested_by": actor},
        now=now,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=f"msg_{uuid.uuid4().hex}",
        event_type=catalogue.TEST,
        body=body,
        next_attempt_at=now,
        created_at=now,
    )
    _enqueue_send(delivery.pk, "test")
    return delivery


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again, now, with the same ``webhook-id`` and body (the receiver can tell a
    repeat); its retry schedule starts afresh. Its earlier attempts stay in the log."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status, delivery.next_attempt_at, delivery.attempts = DeliveryStatus.PENDING, now, 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    _enqueue_send(delivery.pk, "replay")
    return delivery


def pending_count(endpoint: WebhookEndpoint) -> int:
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).count()
