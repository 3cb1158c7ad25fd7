"""Writes of the mailer: queue a message, send it, and act on what recipients and providers say.

How a message is claimed, sent and recorded (and settled after a crash) is in sending.py.
"""

import logging
import re
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from mailers import emails, kinds, rendering, sending
from mailers.models import Category, Contact, Message, MessageEvent, Status, SuppressionReason

logger = logging.getLogger(__name__)


def normalize_address(email: str, *, field: str = "to_email") -> str:
    """Trim, lower-case the domain (the local part may be case-sensitive by RFC), validate.

    The one definition of a valid address for the whole engine; ``field`` names the form
    field a ValidationError is reported on.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: f"{email!r} is not a valid email address."}) from None
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
        contact_ensure(email=to_email, now=now)
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
        kind=emails.TEST.name,
        to_email=to_email,
        to_name=to_name,
        idempotency_key=f"test:{uuid.uuid4().hex}",
        context={**(context or {}), "subject": f"[Test] {subject}", "body": body},
    )
    message_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def messages_withhold(*, student_ids=None, to_emails=None, reason: str) -> int:
    """Pending messages that must never go (``simulate_cohort``'s people): marked not sent, with the
    reason, so no sender pass picks them up later. ``student_ids`` / ``to_emails``: lists or
    single-column querysets (a subquery, however many there are)."""
    match = models.Q(pk__in=[])
    if student_ids is not None:
        match |= models.Q(student_id__in=student_ids)
    if to_emails is not None:
        match |= models.Q(to_email__in=to_emails)
    return Message.objects.filter(match, status__in=Status.pending()).update(
        status=Status.SUPPRESSED, deferred_reason=reason[:200]
    )


def messages_cancel(
    *,
    kind: str,
    student_id: int,
    reason: str,
    program_id: int | None = None,
    idempotency_key: str | None = None,
) -> int:
    """Cancel messages of ``kind`` to a student that have not gone yet; returns how many.

    A marketing message can wait hours in the outbox (quiet hours, the contact budget); when what
    it asks for has already happened (the testimonial was written, the feedback answered), sending
    it would ask the student again. Only queued or deferred rows change: a message already handed
    to the provider is past recall. The reason shows in the Message log.
    """
    pending = Message.objects.filter(kind=kind, student_id=student_id, status__in=Status.pending())
    if program_id is not None:
        pending = pending.filter(program_id=program_id)
    if idempotency_key is not None:
        pending = pending.filter(idempotency_key=idempotency_key[:200])
    # One UPDATE filtered on the pending statuses: a sender that claimed the row first (it is then
    # "sending") wins, and a claim after this sees "cancelled", which it never selects.
    return pending.update(status=Status.CANCELLED, deferred_reason=reason[:200], lease_until=None)


# --- Sending (the mechanics are in mailers/sending.py) ----------------------------------


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is due and may go; returns the status it ends in ("skipped" if not due)."""
    counts = sending.send(ids=[message_id], now=now)
    return next((status for status, n in counts.items() if n), "skipped")


def messages_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """The mailer's periodic pass: settle crashed sends, then send everything due."""
    sending.reconcile(now=now)
    return {status: n for status, n in sending.send(now=now).items() if n}


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


def contact_ensure(*, email: str, now: datetime | None = None) -> None:
    """A contact row for every address we write to (the sender locks it; the admin lists it)."""
    if not Contact.objects.annotate(e=Lower("email")).filter(e=email.lower()).exists():
        Contact.objects.bulk_create([Contact(email=email, created_at=now or timezone.now())], ignore_conflicts=True)


def contact_locked(*, email: str, now: datetime | None = None) -> Contact:
    """The address's contact row, created if new, locked for the rest of the transaction."""
    contact_ensure(email=email, now=now)  # ignore_conflicts: a concurrent creation is fine
    return Contact.objects.select_for_update().annotate(e=Lower("email")).get(e=email.lower())


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


@transaction.atomic
def contact_clear_suppression(*, email: str, now: datetime | None = None) -> Contact:
    """The team lifts a suppression (e.g. a bounce from a mailbox that works again)."""
    contact = contact_locked(email=email, now=now)
    contact.suppressed_reason, contact.suppressed_at = "", None
    contact.save()
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
        if message is not None and message.status == Status.SENDING and event.event_type not in ("rejected", "failed"):
            # The provider has it: a send whose worker died before recording it is settled.
            Message.objects.filter(pk=message.pk, status=Status.SENDING).update(status=Status.SENT, lease_until=None)
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


SOFT_BOUNCE_TYPES = {"softbounce", "transient", "dnserror", "soft", "temporary"}
HARD_BOUNCE_TYPES = {"hardbounce", "hard", "permanent"}
# Only the reply's leading status decides: "452 4.2.2 mailbox full" or "smtp;421 ...".
LEADING_SOFT_CODE = re.compile(r"^\s*(?:smtp;\s*)?(?:4\d\d\b|4\.\d{1,3}\.\d{1,3}\b)", re.IGNORECASE)


def _is_hard_bounce(event) -> bool:
    """anymail's "bounced" covers soft bounces for some providers; only permanent ones suppress.

    The provider's own bounce type is trusted first; failing that, the SMTP reply's leading code.
    """
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    kind = str(raw.get("Type") or raw.get("bounce_type") or raw.get("type") or "").strip().lower()
    if kind in HARD_BOUNCE_TYPES:
        return True
    if kind in SOFT_BOUNCE_TYPES:
        return False
    return not LEADING_SOFT_CODE.search(event.mta_response or "")


def _message_for_event(event) -> Message | None:
    metadata = event.metadata or {}
    message_pk = str(metadata.get("message_id", ""))
    if message_pk.isdigit():
        found = Message.objects.filter(pk=int(message_pk)).first()
        if found is not None:
            return found
    if event.message_id:
        found = Message.objects.filter(provider_message_id=str(event.message_id))
        if event.recipient:
            # Some providers give every recipient of a batch send the same message id.
            found = found.annotate(e=Lower("to_email")).filter(e=event.recipient.strip().lower())
        return found.first()
    return None
