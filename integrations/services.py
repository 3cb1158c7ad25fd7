"""Writes of the integrations app: store what came in, process it once, retry, wait, replay.

Stored first: the request is a row before anything acts on it, and the task runner (``tasks.py``)
processes it after the commit. Every outcome of processing is written in the same transaction as the
work it did, so a crash half-way leaves the event pending and the work undone, never done twice.
"""

import hashlib
import hmac
import json
import logging
import secrets
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from integrations import adapters, batches, handlers
from integrations.models import InboundEvent, Outcome, PlatformToken
from integrations.schemas import EVENT_ADAPTER

logger = logging.getLogger(__name__)

# What an unverified request keeps: enough to see what someone sent, not enough to fill the disk.
UNVERIFIED_BODY_BYTES = 4096
MAX_HEADERS = 50
MAX_HEADER_CHARS = 1000
# Never stored: they carry the signature or a credential.
SECRET_HEADER_WORDS = ("signature", "authorization", "cookie", "token", "secret", "hmac", "api-key")


def pending_grace() -> timedelta:
    """How long a pending event waits for its task before the periodic pass takes it (a lost enqueue)."""
    return timedelta(seconds=settings.EVENTS_PENDING_GRACE_SECONDS)


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
    outcome: str | None = None,
) -> InboundEvent:
    """Keep a request we refused (or, verified, chose to ignore), for the record; it never acts.
    Unverified bodies are cut to 4 KB."""
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
        outcome=outcome or (Outcome.REJECTED if verified else Outcome.UNVERIFIED),
        error=_no_nul(error),
        received_at=now or timezone.now(),
    )


@dataclass(frozen=True)
class Received:
    event_id: int  # the accepted event that owns the id (the first one, for a repeat)
    duplicate: bool = False
    conflict: bool = False  # the same id came with another body

    @property
    def event(self) -> InboundEvent:
        return InboundEvent.objects.get(pk=self.event_id)


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
        # One statement: outside a transaction it commits on its own (one round trip, no BEGIN/COMMIT);
        # inside the caller's, a savepoint keeps a refused duplicate from spoiling it.
        # Outside one, the INSERT is also the connection's health check: one round trip, not two.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            event_id = InboundEvent.objects.insert_one(
                **fields,
                accepted=True,
                status_code=202,
                outcome=Outcome.PENDING,
                next_attempt_at=now + pending_grace(),
                checks_connection=True,
            )
    except IntegrityError:
        first = InboundEvent.objects.only("pk", "body_sha256", "received_at").get(
            source=source, external_id=external_id, accepted=True
        )
        if first.body_sha256 == digest and first.received_at == now:
            # This request's own row: the INSERT committed, the connection broke before its answer came
            # back, and the statement ran again on a new connection (inserts._checked_by_use).
            tasks.enqueue_process(first.pk)
            return Received(event_id=first.pk)
        if first.body_sha256 == digest:
            InboundEvent.objects.create(
                **fields, status_code=202, outcome=Outcome.DUPLICATE, duplicate_of=first, processed_at=now
            )
            return Received(event_id=first.pk, duplicate=True)
        InboundEvent.objects.create(
            **fields,
            status_code=409,
            outcome=Outcome.REJECTED,
            duplicate_of=first,
            error="This webhook-id was already used for another body.",
        )
        return Received(event_id=first.pk, conflict=True)
    tasks.enqueue_process(event_id)  # after the caller's commit, or at once when there is none
    return Received(event_id=event_id)


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
                data = EVENT_ADAPTER.validate_python(_our_event(event))
                handlers.handle(event=event, envelope=data, now=now)
        except adapters.Unmapped as exc:
            # Nothing to retry until the creator maps the id (the program editor): then a replay.
            _settle(event, now, Outcome.UNMAPPED, str(exc))
        except adapters.Ignored as exc:
            _settle(event, now, Outcome.IGNORED, str(exc))
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


def event_process_queued(*, event_id: int, now: datetime | None = None) -> str:
    """The queue's task for one event. Cheap when a batch pass took it already (one read); otherwise batch
    passes (``events_process_batch``, settings.EVENTS_BATCH_SIZE each) with it and the pending events
    queued beside it until none is left, so the tasks of those find them done."""
    size = settings.EVENTS_BATCH_SIZE
    if size <= 1:
        return event_process(event_id=event_id, now=now)
    outcome = InboundEvent.objects.filter(pk=event_id, accepted=True).values_list("outcome", flat=True).first()
    if outcome is None:
        return "missing"
    if outcome not in (Outcome.PENDING, Outcome.WAITING):
        return outcome
    # The whole backlog queued meanwhile, a batch (one transaction) at a time: the tasks of the others
    # then read one row each instead of taking a batch of their own.
    outcome = _drain(now=now).get(event_id)
    if outcome is not None:
        return outcome
    # Not due, or held by another pass: the row lock waits for that pass and then sees its outcome.
    return event_process(event_id=event_id, now=now)


def events_process_pending(*, now: datetime | None = None) -> dict[str, int]:
    """Every pending or due event, a batch (``EVENTS_BATCH_SIZE``, one transaction) at a time, until none is
    left; returns how many ended in each outcome."""
    return dict(Counter(_drain(now=now).values()))


def _drain(*, now: datetime | None) -> dict[int, str]:
    """Batch passes (fresh events included) until one takes fewer than a batch; each event's outcome."""
    size = settings.EVENTS_BATCH_SIZE
    outcomes: dict[int, str] = {}
    while True:
        done = events_process_batch(now=now, limit=size, fresh=True, stamp=now is None)
        outcomes.update(done)
        if len(done) < size:
            return outcomes


def _our_event(event: InboundEvent) -> dict:
    """The stored body as one of our events: the API's as sent, a platform's through its adapter."""
    if event.source == "api":
        return json.loads(event.body)
    from integrations import platforms

    return platforms.translate(event)


def _settle(event: InboundEvent, now: datetime, outcome: str, error: str) -> None:
    event.outcome = outcome
    event.processed_at = now
    event.error = error[:4000]
    event.waiting_for = ""
    event.next_attempt_at = None


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
    whose task never ran (the queue was down). Oldest first, so an enrollment comes before its milestone.

    The whole backlog, a batch (``events_process_batch``) at a time: after a queue outage it is every event
    of the outage. Each event it processes leaves the due set (done, or due again after ``now``), so it ends."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    seen: set[int] = set()
    while True:
        done = events_process_batch(now=now, limit=chunk, exclude=seen)
        for outcome in done.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        seen.update(done)
        if len(done) < chunk:
            return counts


def events_process_batch(
    *, now: datetime | None = None, limit: int = 500, fresh: bool = False, exclude=(), stamp: bool = False
) -> dict[int, str]:
    """Process up to ``limit`` due events in one transaction, oldest first; returns each one's outcome.

    Due: a retry or a wait whose time has come; with ``fresh``, also every pending event not tried yet (the
    queue's task for one event takes its neighbours along). Rows another worker holds are skipped
    (PostgreSQL), so two passes at once share the backlog and act once. Consecutive API events, each about
    another inbox and order, are written together (``batches``): new students' ``enrollment.created`` by the
    CSV import's set-based enrollment, ``milestone.reached`` of started enrollments by
    ``enrollments_record_milestones``, students' ``purchase.completed`` without a referral code by
    ``conversions_record_uncoded``; the same rows the handlers write, in a few statements. Every other
    event, and any of those a run cannot take (an existing student, whose details the API may correct; a
    bad name; an enrollment not started yet or missing; a friend's purchase to judge), goes through
    ``event_process``. ``stamp``: ``processed_at`` is when each run was written rather than ``now``. A
    program is looked up once per batch.
    """

    now = now or timezone.now()
    due = Q(outcome__in=[Outcome.PENDING, Outcome.WAITING], next_attempt_at__lte=now)
    if fresh:
        due |= Q(outcome=Outcome.PENDING, attempts=0)
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        events = InboundEvent.objects.filter(due, accepted=True).exclude(pk__in=list(exclude))
        if connection.features.has_select_for_update_skip_locked:
            events = events.select_for_update(skip_locked=True)
        events = list(events.order_by("received_at", "pk")[:limit])
        with handlers.programs_remembered():
            run = batches.Run()
            for event in events:
                item = batches.bulk_item(event)
                if run and not run.takes(item):
                    outcomes.update(run.process(now=now, stamp=stamp))
                    run = batches.Run()
                if item is not None:
                    run.add(event, item)
                else:
                    outcomes[event.pk] = event_process(event_id=event.pk, now=now)
            if run:
                outcomes.update(run.process(now=now, stamp=stamp))
    return outcomes


def events_wake_many(*, keys: list[str], now: datetime) -> int:
    """What these keys waited for has arrived: process the events waiting on any of them (after this commit),
    in one query."""
    from integrations import tasks

    if not keys:
        return 0
    ids = list(
        InboundEvent.objects.filter(outcome=Outcome.WAITING, waiting_for__in=keys)
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
    event.next_attempt_at = now + pending_grace()
    event.error = f"replayed by {actor} at {now:%Y-%m-%d %H:%M:%S} UTC"
    event.save()
    tasks.enqueue_process(event.pk)
    return event


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


@transaction.atomic
def platform_token_rotate(*, source: str, actor: str, now: datetime | None = None) -> str:
    """A new secret token for a platform that does not sign (its webhook URL carries it); the old one
    stops working at once. Only its SHA-256 is kept: the caller shows the token once."""
    token = secrets.token_urlsafe(32)  # 256 bits: guessing is not an attack
    PlatformToken.objects.update_or_create(
        source=source,
        defaults={"token_sha256": token_sha256(token), "rotated_at": now or timezone.now(), "rotated_by": actor[:150]},
    )
    logger.info("webhook token of %s rotated by %s", source, actor)  # never the token itself
    return token


def platform_token_check(*, source: str, token: str) -> bool | None:
    """True when ``token`` is the platform's, False when not, None when it has no token yet."""
    stored = PlatformToken.objects.filter(source=source).values_list("token_sha256", flat=True).first()
    if stored is None:
        return None
    # Constant-time: the time taken says nothing about how much of a guess was right.
    return hmac.compare_digest(stored, token_sha256(token))
