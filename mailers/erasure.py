"""One person's data in the mailer, for a data-rights export or an erasure.

The mailer knows addresses, not students: the layers above hand it the address (and the
names to scrub from what it stored) and it answers for its own tables: the contact, the
outbox, the provider's events. An erased address is kept as a one-way hash
(``ErasedAddress``) so the send path can still refuse it.
"""

import hashlib
import re
from datetime import datetime

from django.db.models import Q, TextField
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from mailers.models import Contact, ErasedAddress, Message, MessageEvent, Status

REDACTED = "[erased]"
ERASED_DOMAIN = "erased.invalid"
# Fixed so the hash of one address is the same on every deploy; it only stops a plain
# sha256 rainbow table from matching our rows (an address is guessable, not secret).
_HASH_PREFIX = b"engine-erased-address:"


def address_hash(email: str) -> str:
    """The one-way key of an address (case-insensitive, trimmed)."""
    return hashlib.sha256(_HASH_PREFIX + (email or "").strip().lower().encode()).hexdigest()


def placeholder_address(key: str | int) -> str:
    """What replaces an erased address in rows that must keep one (never deliverable: .invalid)."""
    return f"erased-{key}@{ERASED_DOMAIN}"


def is_erased(email: str) -> bool:
    return ErasedAddress.objects.filter(email_sha256=address_hash(email)).exists()


def erased_hashes(emails) -> set[str]:
    """Of these addresses (any case), the hashes that belong to erased people."""
    by_hash = {address_hash(email) for email in emails}
    return set(ErasedAddress.objects.filter(email_sha256__in=by_hash).values_list("email_sha256", flat=True))


def _needle_pattern(needles) -> re.Pattern | None:
    # Longest first so "Ann Lee" goes before "Ann"; names as whole words only ("Ann" not in "Annual").
    words = sorted({n.strip() for n in needles if n and len(n.strip()) >= 2}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in words), re.IGNORECASE)


def redact(value, needles, replacement: str = REDACTED):
    """``value`` (text, or JSON of dicts/lists/strings) with every needle replaced by ``replacement``."""
    pattern = needles if isinstance(needles, re.Pattern) or needles is None else _needle_pattern(needles)
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(lambda _match: replacement, value)
    if isinstance(value, list):
        return [redact(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {redact(key, pattern, replacement): redact(item, pattern, replacement) for key, item in value.items()}
    return value


def export_address(*, email: str) -> dict:
    """The contact's preferences and every message to the address (what was sent, when, what happened)."""
    contact = Contact.objects.annotate(e=Lower("email")).filter(e=email.lower()).first()
    messages = Message.objects.annotate(e=Lower("to_email")).filter(e=email.lower()).order_by("id")
    return {
        "contact": None
        if contact is None
        else {
            "email": contact.email,
            "wants_program_emails": contact.wants_program_emails,
            "wants_referral_asks": contact.wants_referral_asks,
            "unsubscribed_at": contact.unsubscribed_at,
            "suppressed_reason": contact.suppressed_reason,
            "suppressed_at": contact.suppressed_at,
        },
        "messages": [
            {
                "kind": m.kind,
                "category": m.category,
                "to_email": m.to_email,
                "to_name": m.to_name,
                "subject": m.subject,
                "status": m.status,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
                "delivered_at": m.delivered_at,
                "opened_at": m.opened_at,
                "clicked_at": m.clicked_at,
                "bounced_at": m.bounced_at,
                "program_title": m.program_title,
                "events": [
                    {"event_type": e.event_type, "occurred_at": e.occurred_at, "provider": e.provider}
                    for e in m.events.order_by("id")
                ],
            }
            for m in messages
        ],
    }


def erase_address(
    *,
    email: str,
    placeholder: str,
    needles=(),
    student_id: int | None = None,
    quoted_in=(),
    quoted_as: str = REDACTED,
    now: datetime | None = None,
) -> dict:
    """Remove the address from the mailer and remember its hash; returns counts of what changed.

    Messages stay (the counts and the journey read them) with the address replaced by
    ``placeholder``, the name and merge values gone, and anything not yet sent cancelled.
    ``student_id`` also reaches messages sent to an earlier address of the same student. In messages
    to other people that named them, ``quoted_as`` takes their place ("a friend"), so an email still
    waiting to go reads as a sentence, not as "[erased] joined".
    Idempotent: a second call finds nothing left and changes nothing.
    """
    now = now or timezone.now()
    address = email.strip().lower()
    pattern = _needle_pattern([address, *needles])
    ErasedAddress.objects.get_or_create(email_sha256=address_hash(address), defaults={"erased_at": now})
    contacts = Contact.objects.annotate(e=Lower("email")).filter(e=address).delete()[0]
    mine = Message.objects.annotate(e=Lower("to_email")).filter(e=address)
    ids = set(mine.values_list("pk", flat=True))
    if student_id is not None:
        ids |= set(Message.objects.filter(student_id=student_id).values_list("pk", flat=True))
    messages = Message.objects.filter(pk__in=ids)
    cancelled = messages.filter(status__in=Status.pending()).update(
        status=Status.CANCELLED, deferred_reason="the recipient was erased"
    )
    changed = 0
    for message in messages.iterator():
        message.to_email = placeholder
        message.to_name = ""
        message.context = {}
        message.subject = redact(message.subject, pattern)
        message.last_error = redact(message.last_error, pattern)
        message.deferred_reason = redact(message.deferred_reason, pattern)
        message.save(update_fields=["to_email", "to_name", "context", "subject", "last_error", "deferred_reason"])
        changed += 1
    # Messages to other people that quoted them (a friend told who invited them): the caller names
    # those recipients; there the names are redacted too, and anywhere the address or full name appears.
    quoted = Message.objects.exclude(pk__in=ids).annotate(text=Cast("context", TextField()))
    quoted_filter = Q(to_email__in=list(quoted_in)) if quoted_in else Q(pk__in=[])
    for needle in [address, *(n for n in needles if " " in n.strip())]:
        quoted_filter |= Q(text__icontains=needle) | Q(subject__icontains=needle)
    for message in quoted.filter(quoted_filter).only("pk", "context", "subject").iterator():
        context, subject = redact(message.context, pattern, quoted_as), redact(message.subject, pattern, quoted_as)
        if (context, subject) != (message.context, message.subject):
            Message.objects.filter(pk=message.pk).update(context=context, subject=subject)
    events = MessageEvent.objects.filter(Q(message_id__in=ids) | Q(recipient__iexact=address))
    for event in events.iterator():
        event.recipient = placeholder
        event.description = redact(event.description, pattern)
        event.save(update_fields=["recipient", "description"])
    return {"contacts_removed": contacts, "messages_anonymised": changed, "messages_cancelled": cancelled}
