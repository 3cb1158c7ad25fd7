"""Sending: claim a chunk, hand it to the provider over one connection, record what happened.

1. Claim (one transaction): lock the due messages (``SKIP LOCKED``) and their recipients'
   contact rows; decide each one — suppressed, opted out, deferred by the budget or quiet
   hours, or approved. Approved messages become ``sending`` with a lease and count against
   the budget from that moment.
2. Deliver (no transaction held): render and send each through anymail; with batching on
   (``MAIL_BATCH_MERGE_FORMAT``), messages sharing their copy go many to a call (batching.py),
   each still recorded on its own message.
3. Record (one transaction): sent, retry later with backoff, or failed.

A worker killed between 2 and 3 leaves messages ``sending`` past their lease. ``reconcile``
settles them: a backend that can say which messages it accepted (``accepted_keys``) is
asked; otherwise a provider tracking event proves the send, and only after a grace period
without one is the message queued again (at-least-once, for providers that cannot be asked).
"""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from mailers import batching, erasure, policy, rendering
from mailers.models import Category, Contact, Message, MessageEvent, Status
from mailers.outcomes import Outcome, send_failed

logger = logging.getLogger(__name__)


def send(*, ids: list[int] | None = None, now: datetime | None = None, chunk: int | None = None) -> Counter:
    """Send the given messages (or everything due) that may go now; returns a count per outcome."""
    fixed_now = now  # tests and simulations pin the clock; otherwise each chunk reads it afresh
    chunk = chunk or settings.MAIL_SEND_CHUNK
    counts: Counter = Counter()
    connection = get_connection()
    with connection:
        while True:
            chunk_now = fixed_now or timezone.now()
            claimed = claim(ids=ids, now=chunk_now, chunk=chunk, counts=counts)
            if claimed is None:
                break
            # Stop handing messages over well before the lease ends, so reconcile never
            # re-queues a message this worker may still send.
            deadline = time.monotonic() + 0.8 * settings.MAIL_SEND_LEASE_SECONDS
            outcome = Outcome()
            try:
                deliver(claimed, now=chunk_now, connection=connection, outcome=outcome, deadline=deadline)
            finally:
                record(outcome, counts=counts)
            if ids is not None:
                break
    return counts


def claim(*, ids, now: datetime, chunk: int, counts: Counter) -> list[Message] | None:
    """Lock and decide a chunk; returns the approved messages, or None when nothing was due."""
    with transaction.atomic():
        due = Message.objects.select_for_update(skip_locked=True).filter(
            status__in=Status.pending(), next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        batch = list(due.order_by("next_attempt_at", "id")[:chunk])
        if not batch:
            return None
        contacts = _lock_contacts({m.to_email.lower() for m in batch}, now)
        # A contact another transaction holds (an unsubscribe in progress) is not waited for:
        # its messages stay queued for the next pass, and the two can never deadlock.
        batch = [m for m in batch if m.to_email.lower() in contacts]
        recent = policy.recent_marketing_sends([m.to_email for m in batch if m.category in Category.marketing()], now)
        erased = erasure.erased_hashes({m.to_email for m in batch})
        approved: list[Message] = []
        for message in batch:
            contact = contacts[message.to_email.lower()]
            if erased and erasure.address_hash(message.to_email) in erased:
                # Its owner was erased: only the hash is left, and it is never mailed again.
                message.status, message.deferred_reason = Status.SUPPRESSED, "address erased at its owner's request"
            elif not contact.accepts(message.category):
                message.status = Status.SUPPRESSED if contact.is_suppressed else Status.OPTED_OUT
                message.deferred_reason = contact.get_suppressed_reason_display() or "opted out of this kind of email"
            elif later := policy.next_allowed(
                category=message.category,
                time_zone=message.time_zone,
                sent=recent.get(message.to_email.lower(), []),
                now=now,
            ):
                message.status, message.next_attempt_at, message.deferred_reason = Status.DEFERRED, later[0], later[1]
            else:
                approved.append(message)
                if message.category in Category.marketing():
                    recent.setdefault(message.to_email.lower(), []).append(now)
                continue
            counts[message.status] += 1
        approved_pks = {m.pk for m in approved}
        undecided = [m for m in batch if m.pk not in approved_pks]
        if undecided:
            Message.objects.bulk_update(undecided, ["status", "next_attempt_at", "deferred_reason"], batch_size=500)
        lease = now + timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS)
        Message.objects.filter(pk__in=[m.pk for m in approved]).update(
            status=Status.SENDING, sent_at=now, lease_until=lease, attempts=F("attempts") + 1
        )
        for message in approved:
            message.attempts += 1
        return approved


def _lock_contacts(emails: set[str], now: datetime) -> dict[str, Contact]:
    """Each recipient's contact row, created when new, locked unless another transaction holds it."""
    existing = set(Contact.objects.annotate(e=Lower("email")).filter(e__in=list(emails)).values_list("e", flat=True))
    Contact.objects.bulk_create(
        [Contact(email=email, created_at=now) for email in emails - existing], ignore_conflicts=True
    )
    locked = (
        Contact.objects.select_for_update(skip_locked=True)
        .annotate(e=Lower("email"))
        .filter(e__in=list(emails))
        .order_by("pk")
    )
    return {contact.e: contact for contact in locked}


def deliver(
    messages: list[Message], *, now: datetime, connection, outcome: Outcome | None = None, deadline: float | None = None
) -> Outcome:
    outcome = outcome if outcome is not None else Outcome()
    if batching.enabled(connection):
        messages = batching.deliver(messages, now=now, connection=connection, outcome=outcome, deadline=deadline)
    for message in messages:
        if deadline is not None and time.monotonic() > deadline:
            outcome.returned.append(message.pk)
            continue
        try:
            rendered = rendering.render(
                kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
            )
            message.subject = rendered.subject
            email = build_email(message, rendered, connection)
        except Exception as exc:  # MergeError, an unknown kind, a bad stored value: this message only
            outcome.failed.append((message.pk, f"cannot render: {type(exc).__name__}: {exc}"))
            continue
        try:
            email.send()
        except Exception as exc:  # classified in outcomes.send_failed: fail, or retry with backoff
            send_failed(outcome, [message], now, exc)
        else:
            status = getattr(email, "anymail_status", None)
            provider_id = getattr(status, "message_id", None)
            outcome.sent.append((message.pk, message.subject, "" if provider_id is None else str(provider_id)[:200]))
    return outcome


def build_email(message: Message, rendered: rendering.Rendered, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # formataddr quotes the name: "Doe, John" or "Eve <eve@x>, " stay one display name.
        to=[formataddr((message.to_name, message.to_email)) if message.to_name else message.to_email],
        headers=rendering.email_headers(
            category=message.category, idempotency_key=message.idempotency_key, unsubscribe_url=rendered.unsubscribe_url
        ),
        connection=connection,
    )
    email.attach_alternative(rendered.html, "text/html")
    # anymail passes metadata to the provider, which returns it in tracking webhooks.
    email.metadata = {"message_id": str(message.pk), "message_key": message.idempotency_key}
    email.tags = [message.kind]
    return email


def record(outcome: Outcome, *, counts: Counter) -> None:
    provider = _provider_name()
    with transaction.atomic():
        if outcome.sent:
            Message.objects.mark_sent(outcome.sent, provider=provider)
        for pk, when, error in outcome.retry:
            Message.objects.filter(pk=pk, status=Status.SENDING).update(
                status=Status.QUEUED, next_attempt_at=when, last_error=error, sent_at=None, lease_until=None
            )
        if outcome.returned:
            Message.objects.filter(pk__in=outcome.returned, status=Status.SENDING).update(
                status=Status.QUEUED, sent_at=None, lease_until=None, attempts=F("attempts") - 1
            )
        for pk, error in outcome.failed:
            Message.objects.filter(pk=pk, status=Status.SENDING).update(
                status=Status.FAILED, last_error=error[:2000], sent_at=None, lease_until=None
            )
            logger.error("message %s failed: %s", pk, error)
    counts["sent"] += len(outcome.sent)
    counts["retrying"] += len(outcome.retry)
    counts["failed"] += len(outcome.failed)
    counts["returned"] += len(outcome.returned)


def _provider_name() -> str:
    """ "postmark" for anymail.backends.postmark.EmailBackend, "console" for Django's console backend."""
    parts = settings.EMAIL_BACKEND.split(".")
    return parts[-2] if len(parts) > 1 else parts[0]


def reconcile(*, now: datetime | None = None) -> Counter:
    """Settle messages left ``sending`` past their lease (their worker died mid-way)."""
    now = now or timezone.now()
    counts: Counter = Counter()
    with transaction.atomic():
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, lease_until__lt=now)
            .order_by("id")[:5000]
        )
        if not stuck:
            return counts
        connection = get_connection()
        lookup = getattr(connection, "accepted_keys", None)
        accepted = lookup([m.idempotency_key for m in stuck]) if lookup else None
        evidenced = set(
            MessageEvent.objects.filter(message__in=stuck)
            .exclude(event_type__in=("rejected", "failed"))
            .values_list("message_id", flat=True)
        )
        grace = timedelta(seconds=settings.MAIL_IN_DOUBT_GRACE_SECONDS)
        for message in stuck:
            if (accepted is not None and message.idempotency_key in accepted) or message.pk in evidenced:
                message.status, message.lease_until = Status.SENT, None
                counts["confirmed"] += 1
            elif accepted is not None or message.lease_until + grace < now:
                # The provider never got it (or cannot say, and nothing was heard for the grace period).
                message.status, message.lease_until, message.sent_at = Status.QUEUED, None, None
                message.next_attempt_at = now
                counts["requeued"] += 1
            else:
                continue
        Message.objects.bulk_update(stuck, ["status", "lease_until", "sent_at", "next_attempt_at"], batch_size=500)
    if counts:
        logger.warning("reconciled messages left sending by a stopped worker: %s", dict(counts))
    return counts
