"""Writes of the mailer: queue a message, send it, and act on what recipients and providers say.

Sending follows one rule: the row is claimed (locked), checked, rendered, handed to the
provider and marked sent in one transaction, so a second worker cannot send it too and
a crash before the provider accepted it leaves it queued.
"""

import logging
import re
import uuid
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from mailers import kinds, merge, policy, rendering
from mailers.models import Category, Contact, Message, MessageEvent, Status, SuppressionReason

logger = logging.getLogger(__name__)


def normalize_address(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"to_email": f"{email!r} is not a valid email address."}) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


# --- Queueing --------------------------------------------------------------------------


def message_queue(
    *,
    kind: str,
    to_email: str,
    idempotency_key: str,
    to_name: str = "",
    time_zone: str = "UTC",
    context: dict | None = None,
    student_id: int | None = None,
    program_id: int | None = None,
    program_title: str = "",
    send_after: datetime | None = None,
    now: datetime | None = None,
) -> Message:
    """Queue one message; the same ``idempotency_key`` again returns the first message.

    Refuses (ValidationError / MergeError) an invalid address, an unknown kind, or copy that
    uses merge fields without values, so a broken message is never stored to fail later.
    """
    now = now or timezone.now()
    to_email = normalize_address(to_email)
    try:
        kind_obj = kinds.get(kind)
    except KeyError as exc:
        raise ValidationError({"kind": str(exc)}) from None
    context = dict(context or {})
    if program_title:
        context.setdefault("program_title", program_title)
    # Render once now: unknown fields are reported to the caller, not discovered at send time.
    rendering.render(kind_name=kind, to_email=to_email, to_name=to_name, context=context)
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            idempotency_key=idempotency_key[:200],
            defaults={
                "kind": kind,
                "category": kind_obj.category,
                "to_email": to_email,
                "to_name": to_name[:200],
                "time_zone": time_zone or "UTC",
                "context": context,
                "student_id": student_id,
                "program_id": program_id,
                "program_title": program_title[:255],
                "next_attempt_at": send_after or now,
                "created_at": now,
            },
        )
        if created and message.next_attempt_at <= now:
            from mailers import tasks  # tasks imports services

            tasks.enqueue_send(message.pk)
    return message


def message_send_test(
    *, to_email: str, to_name: str = "", subject: str, body: str, context: dict | None = None
) -> Message:
    """A team member's "send test to me": rendered with the given sample values, sent at once."""
    message = message_queue(
        kind=kinds.TEST.name,
        to_email=to_email,
        to_name=to_name,
        idempotency_key=f"test:{uuid.uuid4().hex}",
        context={**(context or {}), "subject": f"[Test] {subject}", "body": body},
    )
    message_send(message_id=message.pk)
    message.refresh_from_db()
    return message


# --- Sending ---------------------------------------------------------------------------


def message_send(*, message_id: int, now: datetime | None = None, connection=None) -> str:
    """Send one due message if it may go; returns the status it ends in ("skipped" if not due/claimed)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status__in=Status.pending(), next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        contact = contact_locked(email=message.to_email, now=now)
        if not contact.accepts(message.category):
            message.status = Status.SUPPRESSED if contact.is_suppressed else Status.OPTED_OUT
            message.deferred_reason = contact.get_suppressed_reason_display() or "opted out of this kind of email"
            message.save(update_fields=["status", "deferred_reason"])
            return message.status
        later = policy.next_allowed(
            category=message.category,
            time_zone=message.time_zone,
            sent=policy.recent_marketing_sends(message.to_email, now)
            if message.category in Category.marketing()
            else [],
            now=now,
        )
        if later is not None:
            message.status, message.next_attempt_at, message.deferred_reason = Status.DEFERRED, later[0], later[1]
            message.save(update_fields=["status", "next_attempt_at", "deferred_reason"])
            return message.status
        return _deliver(message, now=now, connection=connection)


def _deliver(message: Message, *, now: datetime, connection) -> str:
    message.attempts += 1
    try:
        rendered = rendering.render(
            kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
        )
    except (merge.MergeError, KeyError) as exc:
        return _fail(message, f"cannot render: {exc}")
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[f"{message.to_name} <{message.to_email}>" if message.to_name else message.to_email],
        headers=_headers(message, rendered),
        connection=connection,
    )
    email.attach_alternative(rendered.html, "text/html")
    # anymail passes metadata to the provider, which returns it in tracking webhooks.
    email.metadata = {"message_id": str(message.pk), "message_key": message.idempotency_key}
    email.tags = [message.kind]
    try:
        email.send()
    except (AnymailRecipientsRefused, AnymailInvalidAddress) as exc:
        return _fail(message, f"refused by the provider: {exc}")
    except AnymailAPIError as exc:
        if exc.status_code is not None and 400 <= exc.status_code < 500 and exc.status_code != 429:
            return _fail(message, f"provider rejected the message ({exc.status_code}): {exc}")
        return _retry(message, now, exc)
    except Exception as exc:  # connection errors, timeouts, SMTP hiccups: all worth another try
        return _retry(message, now, exc)
    status = getattr(email, "anymail_status", None)
    message.status = Status.SENT
    message.sent_at = now
    message.subject, message.text_body, message.html_body = rendered.subject, rendered.text, rendered.html
    message.provider = _provider_name(email)
    provider_id = getattr(status, "message_id", None)
    message.provider_message_id = "" if provider_id is None else str(provider_id)[:200]
    message.last_error = ""
    message.deferred_reason = ""
    message.save()
    return message.status


def _headers(message: Message, rendered: rendering.Rendered) -> dict[str, str]:
    headers = {"X-Engine-Message": message.idempotency_key}
    if message.category in Category.marketing():
        # RFC 8058 one-click unsubscribe: mailbox providers POST to this URL.
        headers["List-Unsubscribe"] = f"<{rendered.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _provider_name(email) -> str:
    backend = settings.EMAIL_BACKEND
    return backend.split(".")[-2] if backend.startswith("anymail.") else backend.rsplit(".", 2)[-2]


def _retry(message: Message, now: datetime, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= settings.MAIL_MAX_ATTEMPTS:
        return _fail(message, f"gave up after {message.attempts} attempts; last error: {error}")
    delay = min(settings.MAIL_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), 3600)
    message.status = Status.QUEUED
    message.next_attempt_at = now + timedelta(seconds=delay)
    message.last_error = error
    message.save(update_fields=["status", "next_attempt_at", "last_error", "attempts"])
    logger.warning("message %s: transient error, retry in %ss: %s", message.pk, delay, error)
    return "retrying"


def _fail(message: Message, error: str) -> str:
    message.status = Status.FAILED
    message.last_error = error[:2000]
    message.save(update_fields=["status", "last_error", "attempts"])
    logger.error("message %s failed: %s", message.pk, error)
    return message.status


def messages_send_due(*, now: datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """The mailer's periodic pass: send everything due (deferred, retried, scheduled), one connection."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(status__in=Status.pending(), next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    outcome: dict[str, int] = {}
    if not ids:
        return outcome
    connection = get_connection()
    with connection:
        for message_id in ids:
            status = message_send(message_id=message_id, now=now, connection=connection)
            outcome[status] = outcome.get(status, 0) + 1
    return outcome


def message_retry(*, message: Message, now: datetime | None = None) -> Message:
    """The admin's "retry" on a failed message: queue it again, now."""
    now = now or timezone.now()
    updated = Message.objects.filter(pk=message.pk, status=Status.FAILED).update(
        status=Status.QUEUED, next_attempt_at=now, attempts=0
    )
    if updated:
        from mailers import tasks

        tasks.enqueue_send(message.pk)
    message.refresh_from_db()
    return message


# --- Contacts: preferences, unsubscribe, suppression ------------------------------------


def contact_locked(*, email: str, now: datetime | None = None) -> Contact:
    """The address's contact row, created if new, locked for the rest of the transaction."""
    key = email.lower()
    contact = Contact.objects.select_for_update().annotate(e=Lower("email")).filter(e=key).first()
    if contact is None:
        try:
            with transaction.atomic():
                Contact.objects.create(email=email, created_at=now or timezone.now())
        except IntegrityError:
            pass  # created meanwhile by another worker
        contact = Contact.objects.select_for_update().annotate(e=Lower("email")).get(e=key)
    return contact


@transaction.atomic
def contact_unsubscribe(*, email: str, now: datetime | None = None) -> Contact:
    """One-click unsubscribe: no more marketing of any kind, effective at once."""
    now = now or timezone.now()
    contact = contact_locked(email=email, now=now)
    contact.wants_program_emails = False
    contact.wants_referral_asks = False
    contact.unsubscribed_at = contact.unsubscribed_at or now
    contact.save()
    _stop_pending(contact.email, Category.marketing(), Status.OPTED_OUT, "unsubscribed")
    return contact


@transaction.atomic
def contact_set_preferences(*, email: str, program_emails: bool, referral_asks: bool, now=None) -> Contact:
    now = now or timezone.now()
    contact = contact_locked(email=email, now=now)
    contact.wants_program_emails = program_emails
    contact.wants_referral_asks = referral_asks
    contact.unsubscribed_at = None if (program_emails or referral_asks) else (contact.unsubscribed_at or now)
    if contact.suppressed_reason == SuppressionReason.UNSUBSCRIBED and (program_emails or referral_asks):
        contact.suppressed_reason, contact.suppressed_at = "", None  # they asked for mail again
    contact.save()
    stopped = [
        c for c, wanted in ((Category.PROGRAM, program_emails), (Category.REFERRAL, referral_asks)) if not wanted
    ]
    _stop_pending(contact.email, stopped, Status.OPTED_OUT, "opted out in their preferences")
    return contact


@transaction.atomic
def contact_suppress(*, email: str, reason: str, now: datetime | None = None) -> Contact:
    now = now or timezone.now()
    contact = contact_locked(email=email, now=now)
    if contact.suppressed_reason in ("", SuppressionReason.UNSUBSCRIBED) or reason != SuppressionReason.UNSUBSCRIBED:
        contact.suppressed_reason, contact.suppressed_at = reason, now
    if reason == SuppressionReason.UNSUBSCRIBED:
        contact.wants_program_emails = contact.wants_referral_asks = False
        contact.unsubscribed_at = contact.unsubscribed_at or now
    contact.save()
    categories = Category.marketing() if reason == SuppressionReason.UNSUBSCRIBED else Category.values
    _stop_pending(contact.email, categories, Status.SUPPRESSED, contact.get_suppressed_reason_display())
    return contact


def _stop_pending(email: str, categories, status: str, reason: str) -> None:
    Message.objects.annotate(e=Lower("to_email")).filter(
        e=email.lower(), status__in=Status.pending(), category__in=list(categories)
    ).update(status=status, deferred_reason=reason[:200])


# --- Provider tracking events ----------------------------------------------------------

TIMESTAMP_FIELD = {
    "delivered": "delivered_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
    "bounced": "bounced_at",
    "complained": "complained_at",
}
SUPPRESSING_EVENTS = {
    "bounced": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}


def tracking_event_record(*, event, provider: str) -> MessageEvent | None:
    """Record one anymail tracking event; suppress the address on hard bounces, complaints, unsubscribes.

    Idempotent: providers retry webhooks, and the same event id is recorded once.
    """
    occurred = event.timestamp or timezone.now()
    message = _message_for_event(event)
    recipient = (event.recipient or (message.to_email if message else "")).strip()
    with transaction.atomic():
        try:
            with transaction.atomic():
                recorded = MessageEvent.objects.create(
                    message=message,
                    provider=provider,
                    event_type=event.event_type or "unknown",
                    event_id=(event.event_id or "")[:200],
                    recipient=recipient[:254],
                    occurred_at=occurred,
                    description=(event.description or event.mta_response or event.reject_reason or "")[:2000],
                )
        except IntegrityError:
            return None  # a retried delivery of an event we already have
        if message is not None and (field := TIMESTAMP_FIELD.get(event.event_type)):
            Message.objects.filter(pk=message.pk, **{f"{field}__isnull": True}).update(**{field: occurred})
        reason = SUPPRESSING_EVENTS.get(event.event_type)
        if reason == SuppressionReason.BOUNCED and not _is_hard_bounce(event):
            reason = None  # a full mailbox or a greylisting server: try again later, don't suppress
        if event.event_type == "rejected" and event.reject_reason in ("bounced", "spam"):
            reason = SuppressionReason.BOUNCED if event.reject_reason == "bounced" else SuppressionReason.COMPLAINED
        if reason and recipient:
            contact_suppress(email=recipient, reason=reason, now=occurred)
    return recorded


SOFT_BOUNCE_TYPES = {"SoftBounce", "Transient", "DnsError", "soft", "Soft", "transient"}
SOFT_SMTP_CODE = re.compile(r"(^|\D)(4\d\d|4\.\d{1,3}\.\d{1,3})(\D|$)")


def _is_hard_bounce(event) -> bool:
    """anymail's "bounced" covers soft bounces for some providers; only permanent ones suppress."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if str(raw.get("Type") or raw.get("bounce_type") or raw.get("type") or "") in SOFT_BOUNCE_TYPES:
        return False
    return not SOFT_SMTP_CODE.search(event.mta_response or "")


def _message_for_event(event) -> Message | None:
    metadata = event.metadata or {}
    message_pk = str(metadata.get("message_id", ""))
    if message_pk.isdigit():
        found = Message.objects.filter(pk=int(message_pk)).first()
        if found is not None:
            return found
    if event.message_id:
        return Message.objects.filter(provider_message_id=str(event.message_id)).first()
    return None
