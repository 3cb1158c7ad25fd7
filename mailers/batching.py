"""Batch sending: one provider call for many recipients of the same copy.

Claimed messages that share their copy (kind, body copy, layout shape) form a group. The
group's copy is rendered once with the provider's merge fields (``MAIL_BATCH_MERGE_FORMAT``,
e.g. ``%recipient.{}%``) in place of every per-recipient value, and goes out to up to
``MAIL_BATCH_SIZE`` recipients per call through anymail's batch send:

- ``merge_data``: each recipient's values, in the forms rendering.batch_values computes
  (raw for the text part, escaped for the HTML part, the subject whole), so the provider
  only substitutes strings and every recipient gets exactly what a single send would render;
- ``merge_metadata``: our message pk, which tracking webhooks use to find the message;
- ``merge_headers``: ``X-Engine-Message`` and, on marketing mail, the recipient's own
  ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` (RFC 8058).

The guarantees of sending.py hold per message: every message of a batch was claimed and
leased in the same transaction, each recipient's provider status is recorded on its own
message (one refused address fails that message only), a transient error retries the whole
group with backoff, and a crash mid-way is reconciled per message (the provider has each
message's key and pk). Groups of one, copy the provider's syntax could misread, recipients
whose values cannot be computed, and calls the provider refuses as a whole before sending
anything fall back to single sends, which report each message's own problem.
"""

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from email.utils import formataddr

from anymail.backends.base import AnymailBaseBackend
from anymail.exceptions import (
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailSerializationError,
    AnymailUnsupportedFeature,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from mailers import rendering
from mailers.models import Message
from mailers.outcomes import Outcome, is_permanent_api_error, retry_or_fail, send_failed

logger = logging.getLogger(__name__)

Item = tuple[Message, rendering.RecipientValues]


def enabled(connection) -> bool:
    # Only anymail knows merge data: any other backend would send the placeholders, to everyone at once.
    return (
        bool(settings.MAIL_BATCH_MERGE_FORMAT)
        and settings.MAIL_BATCH_SIZE > 1
        and isinstance(connection, AnymailBaseBackend)
    )


def deliver(
    messages: list[Message], *, now: datetime, connection, outcome: Outcome, deadline: float | None
) -> list[Message]:
    """Send every group that can go in batches; returns the messages left to send one by one."""
    groups: dict[tuple, list[Message]] = {}
    singles: list[Message] = []
    for message in messages:
        try:
            groups.setdefault(rendering.batch_key(message.kind, message.context), []).append(message)
        except Exception:  # an unknown kind: the single send fails it with the reason
            singles.append(message)
    for members in groups.values():
        if len(members) < 2:
            singles.extend(members)
        else:
            singles.extend(_deliver_group(members, now=now, connection=connection, outcome=outcome, deadline=deadline))
    return singles


def placeholder_format() -> tuple[str, str]:
    prefix, _, suffix = settings.MAIL_BATCH_MERGE_FORMAT.partition("{}")
    return prefix, suffix


def _deliver_group(members, *, now, connection, outcome, deadline) -> list[Message]:
    prefix, suffix = placeholder_format()

    def placeholder(key: str) -> str:
        return f"{prefix}{key}{suffix}"

    first = members[0]
    try:
        template = rendering.batch_template(kind_name=first.kind, context=first.context, placeholder=placeholder)
    except Exception:  # unsafe copy: each single send reports it on its message
        return members
    if not _only_our_fields(template, placeholder, prefix, suffix):
        return members
    ready: list[Item] = []
    leftovers: list[Message] = []
    for message in members:
        try:
            values = rendering.batch_values(
                kind_name=message.kind,
                to_email=message.to_email,
                to_name=message.to_name,
                context=message.context,
                keys=template.keys,
            )
        except Exception:  # a field without a value, an odd stored value: this message goes alone
            leftovers.append(message)
            continue
        ready.append((message, values))
    for batch in _batches(ready, settings.MAIL_BATCH_SIZE):
        if len(batch) < 2:
            leftovers.extend(message for message, _ in batch)
        elif deadline is not None and time.monotonic() > deadline:
            outcome.returned.extend(message.pk for message, _ in batch)
        else:
            leftovers.extend(_send_batch(batch, template, connection=connection, now=now, outcome=outcome))
    return leftovers


def _only_our_fields(template: rendering.BatchTemplate, placeholder, prefix: str, suffix: str) -> bool:
    """False when the rendered copy itself contains the provider's merge syntax.

    A creator who writes ``%recipient.x%`` (or ``{{{x}}}``) means it literally; the provider
    would substitute it. Such copy goes out in single sends. One-character delimiters (``-``)
    are plain string substitution, where only our exact placeholders are ever replaced.
    """
    rest = template.subject + template.text + template.html
    for key in template.keys:
        rest = rest.replace(placeholder(key), "")
    return not any(len(delimiter) >= 2 and delimiter in rest for delimiter in (prefix, suffix))


def _batches(ready: list[Item], size: int) -> Iterator[list[Item]]:
    """Calls of at most ``size`` recipients, each address once per call (merge data is keyed by address)."""
    pending = ready
    while pending:
        batch: list[Item] = []
        seen: set[str] = set()
        later: list[Item] = []
        for item in pending:
            address = item[0].to_email.lower()
            if len(batch) < size and address not in seen:
                batch.append(item)
                seen.add(address)
            else:
                later.append(item)
        yield batch
        pending = later


def _send_batch(batch: list[Item], template, *, connection, now: datetime, outcome: Outcome) -> list[Message]:
    """One provider call; records each recipient's result and returns messages to send alone."""
    messages = [message for message, _ in batch]
    email = build_batch_email(batch, template, connection)
    try:
        email.send()
    except (AnymailUnsupportedFeature, AnymailSerializationError, AnymailInvalidAddress) as exc:
        # Raised while anymail builds the request, so nothing reached the provider.
        logger.warning("batch of %s cannot be sent as one call, sending singly: %s", len(batch), exc)
        return messages
    except AnymailRecipientsRefused as exc:  # every recipient refused: their statuses say why
        if not getattr(email.anymail_status, "recipients", None):
            send_failed(outcome, messages, now, exc)
            return []
    except Exception as exc:
        if is_permanent_api_error(exc):
            # The provider refused the request as a whole (nothing was sent): one bad
            # recipient must not fail the others, so each goes alone and fails on its own.
            logger.warning("provider refused a batch of %s, sending singly: %s", len(batch), exc)
            return messages
        send_failed(outcome, messages, now, exc)  # 5xx, 429, timeouts: the whole group again later
        return []
    _record_recipients(batch, email.anymail_status, now=now, outcome=outcome)
    return []


def _record_recipients(batch: list[Item], status, *, now: datetime, outcome: Outcome) -> None:
    by_address = {str(address).lower(): recipient for address, recipient in (status.recipients or {}).items()}
    shared_id = status.message_id if not isinstance(status.message_id, set) else None
    for message, values in batch:
        recipient = by_address.get(message.to_email.lower())
        state = getattr(recipient, "status", None)
        if state in ("rejected", "invalid"):
            outcome.failed.append((message.pk, f"refused by the provider ({state})"))
        elif state == "failed":
            retry_or_fail(outcome, message, now, "the provider reported this recipient's send as failed")
        else:  # sent, queued, scheduled, unknown: it is the provider's now, never send it again
            provider_id = recipient.message_id if recipient is not None else shared_id
            outcome.sent.append((message.pk, values.subject, "" if provider_id is None else str(provider_id)[:200]))


def build_batch_email(batch: list[Item], template: rendering.BatchTemplate, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=template.subject,
        body=template.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # formataddr quotes the name: "Doe, John" or "Eve <eve@x>, " stay one display name.
        to=[formataddr((m.to_name, m.to_email)) if m.to_name else m.to_email for m, _ in batch],
        connection=connection,
    )
    email.attach_alternative(template.html, "text/html")
    email.merge_data = {m.to_email: values.data for m, values in batch}
    email.merge_metadata = {m.to_email: {"message_id": str(m.pk), "message_key": m.idempotency_key} for m, _ in batch}
    email.merge_headers = {
        m.to_email: rendering.email_headers(
            category=m.category, idempotency_key=m.idempotency_key, unsubscribe_url=values.unsubscribe_url
        )
        for m, values in batch
    }
    email.tags = [batch[0][0].kind]
    if getattr(connection, "esp_name", "") == "SendGrid":
        # SendGrid substitutes plain strings: anymail adds our delimiters to the keys.
        prefix, suffix = (part.replace("{", "{{").replace("}", "}}") for part in placeholder_format())
        email.esp_extra = {"merge_field_format": f"{prefix}{{}}{suffix}"}
    return email
