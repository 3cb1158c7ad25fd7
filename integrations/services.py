"""Writes of the integrations app: store what came in, process it once, retry, wait, replay.

Stored first: the request is a row before anything acts on it, and the task runner (``tasks.py``)
processes it after the commit. Every outcome of processing is written in the same transaction as the
work it did, so a crash half-way leaves the event pending and the work undone, never done twice.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations import handlers
from integrations.models import InboundEvent, Outcome
from integrations.schemas import EVENT_ADAPTER

logger = logging.getLogger(__name__)

# What an unverified request keeps: enough to see what someone sent, not enough to fill the disk.
UNVERIFIED_BODY_BYTES = 4096
MAX_HEADERS = 50
MAX_HEADER_CHARS = 1000
# Never stored: they carry the signature or a credential.
SECRET_HEADER_WORDS = ("signature", "authorization", "cookie", "token", "secret", "hmac", "api-key")
# A pending event gets this long for its task before the periodic pass takes it (a lost enqueue).
PENDING_GRACE = timedelta(minutes=2)


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def safe_headers(headers) -> dict[str, str]:
    """The request's headers without secrets, each cut short, at most ``MAX_HEADERS`` of them."""
    kept = {}
    for name, value in headers.items():
        lowered = name.lower()
        if any(word in lowered for word in SECRET_HEADER_WORDS):
            continue
        kept[_no_nul(lowered[:MAX_HEADER_CHARS])] = _no_nul(str(value)[:MAX_HEADER_CHARS])
        if len(kept) >= MAX_HEADERS:
            break
    return kept


def _no_nul(text: str) -> str:
    """PostgreSQL's text cannot hold NUL: a junk request's NULs are kept as U+FFFD, as undecodable bytes are."""
    return text.replace("\x00", "\ufffd")


def _text(body: bytes, limit: int | None) -> tuple[str, bool]:
    cut = body if limit is None else body[:limit]
    return _no_nul(cut.decode("utf-8", errors="replace")), len(cut) < len(body)


def event_store_refused(
    *,
    source: str,
    external_id: str,
    headers,
    body: bytes,
    verified: bool,
    status_code: int,
    error: str,
    event_type: str = "",
    body_size: int | None = None,
    now: datetime | None = None,
) -> InboundEvent:
    """Keep a request we refused, for the record; it never acts. Unverified bodies are cut to 4 KB."""
    text, truncated = _text(body, None if verified else UNVERIFIED_BODY_BYTES)
    return InboundEvent.objects.create(
        source=source,
        external_id=_no_nul(external_id[:255]),
        event_type=_no_nul(event_type[:60]),
        headers=safe_headers(headers),
        body=text,
        body_size=len(body) if body_size is None else body_size,
        body_truncated=truncated or (body_size or 0) > len(body),
        body_sha256=body_sha256(body) if verified else "",
        verified=verified,
        status_code=status_code,
        outcome=Outcome.REJECTED if verified else Outcome.UNVERIFIED,
        error=_no_nul(error),
        received_at=now or timezone.now(),
    )


@dataclass(frozen=True)
class Received:
    event: InboundEvent  # the accepted event that owns the id (the first one, for a repeat)
    duplicate: bool = False
    conflict: bool = False  # the same id came with another body


@transaction.atomic
def event_receive(
    *, source: str, external_id: str, event_type: str, headers, body: bytes, now: datetime | None = None
) -> Received:
    """Store a verified, well-formed event and queue its processing, once per (source, event id).

    A repeat with the same body is stored as a duplicate of the first and acts nothing; the same id with
    another body is a conflict. The unique constraint decides, so two requests racing with one id end
    the same way as two in a row.
    """
    from integrations import tasks

    now = now or timezone.now()
    digest = body_sha256(body)
    fields = {
        "source": source,
        "external_id": external_id,
        "event_type": event_type,
        "headers": safe_headers(headers),
        "body": body.decode("utf-8"),
        "body_size": len(body),
        "body_sha256": digest,
        "verified": True,
        "received_at": now,
    }
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                **fields, accepted=True, status_code=202, outcome=Outcome.PENDING, next_attempt_at=now + PENDING_GRACE
            )
    except IntegrityError:
        first = InboundEvent.objects.get(source=source, external_id=external_id, accepted=True)
        if first.body_sha256 == digest:
            InboundEvent.objects.create(
                **fields, status_code=202, outcome=Outcome.DUPLICATE, duplicate_of=first, processed_at=now
            )
            return Received(event=first, duplicate=True)
        InboundEvent.objects.create(
            **fields,
            status_code=409,
            outcome=Outcome.REJECTED,
            duplicate_of=first,
            error="This webhook-id was already used for another body.",
        )
        return Received(event=first, conflict=True)
    tasks.enqueue_process(event.pk)
    return Received(event=event)


def _backoff(attempts: int) -> timedelta:
    """60 s, 2 min, 4 min … at most an hour (settings.EVENTS_RETRY_BASE_SECONDS doubles each attempt)."""
    return timedelta(seconds=min(settings.EVENTS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def event_process(*, event_id: int, now: datetime | None = None) -> str:
    """Process one accepted event through the services; returns its outcome. Idempotent: an event already
    processed or given up on is left alone, and its row is locked while it is worked on."""
    now = now or timezone.now()
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().filter(pk=event_id, accepted=True).first()
        if event is None:
            return "missing"
        if event.outcome not in (Outcome.PENDING, Outcome.WAITING):
            return event.outcome
        event.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: a failed handler leaves none of its writes behind
                data = EVENT_ADAPTER.validate_python(json.loads(event.body))
                handlers.handle(event=event, envelope=data, now=now)
        except handlers.Wait as wait:
            _wait_or_give_up(event, wait, now)
        except (handlers.Permanent, ValidationError, ValueError) as exc:
            # The same input will fail the same way: retrying cannot help (a withdrawn student, a program
            # unpublished since the event was accepted).
            _fail(event, now, _message(exc))
        except Exception as exc:
            logger.exception("inbound event %s failed (attempt %s)", event.pk, event.attempts)
            if event.attempts >= settings.EVENTS_MAX_ATTEMPTS:
                _fail(event, now, f"gave up after {event.attempts} attempts: {type(exc).__name__}: {exc}")
            else:
                event.outcome = Outcome.PENDING
                event.error = f"attempt {event.attempts} failed: {type(exc).__name__}: {exc}"[:4000]
                event.next_attempt_at = now + _backoff(event.attempts)
        else:
            event.outcome = Outcome.PROCESSED
            event.processed_at = now
            event.error = ""
            event.waiting_for = ""
            event.next_attempt_at = None
        event.save()
        return event.outcome


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _fail(event: InboundEvent, now: datetime, error: str) -> None:
    event.outcome = Outcome.FAILED
    event.processed_at = now
    event.error = error[:4000]
    event.next_attempt_at = None


def _wait_or_give_up(event: InboundEvent, wait: "handlers.Wait", now: datetime) -> None:
    waited = now - event.received_at
    if waited >= timedelta(seconds=settings.EVENTS_WAIT_MAX_SECONDS):
        _fail(event, now, f"gave up after waiting {waited.days} days: {wait.message}")
        return
    event.outcome = Outcome.WAITING
    event.waiting_for = wait.key[:400]
    event.error = wait.message[:4000]
    event.next_attempt_at = now + _backoff(event.attempts)


def events_process_due(*, now: datetime | None = None, chunk: int = 500) -> dict[str, int]:
    """The periodic pass: retries whose time has come, waiting events to look at again, and pending events
    whose task never ran (the queue was down). Oldest first, so an enrollment comes before its milestone."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    ids = list(
        InboundEvent.objects.filter(
            accepted=True, outcome__in=[Outcome.PENDING, Outcome.WAITING], next_attempt_at__lte=now
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:chunk]
    )
    for pk in ids:
        outcome = event_process(event_id=pk, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def events_wake(*, key: str, now: datetime) -> int:
    """What ``key`` waited for has arrived: process the events waiting on it (after this commit)."""
    from integrations import tasks

    ids = list(
        InboundEvent.objects.filter(outcome=Outcome.WAITING, waiting_for=key)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )
    if ids:
        InboundEvent.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for pk in ids:
            tasks.enqueue_process(pk)
    return len(ids)


class NotReplayable(Exception):
    pass


@transaction.atomic
def event_replay(*, event: InboundEvent, actor: str, now: datetime | None = None) -> InboundEvent:
    """Process an accepted event again (after a fix, or to check). The handlers are idempotent, so what
    it already did is not done twice. Refused, duplicate and unverified requests never act."""
    from integrations import tasks

    now = now or timezone.now()
    event = InboundEvent.objects.select_for_update().get(pk=event.pk)
    if not event.accepted:
        raise NotReplayable(f"A {event.get_outcome_display().lower()} request is never processed.")
    event.outcome = Outcome.PENDING
    event.attempts = 0
    event.next_attempt_at = now + PENDING_GRACE
    event.error = f"replayed by {actor} at {now:%Y-%m-%d %H:%M:%S} UTC"
    event.save()
    tasks.enqueue_process(event.pk)
    return event
