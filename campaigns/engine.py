"""The journey engine's tick: claim what is due, in chunks, and hand it to its handler.

Runtime state lives in the database (``ScheduledAction`` rows with a ``due_at``), not in
the queue. The tick is safe to run twice at once: on PostgreSQL each chunk is claimed
with ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite the IMMEDIATE transaction mode (see
settings) serialises the two. Handlers are set-based and filter on the state they expect,
so a chunk replayed after a crash changes nothing twice.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns import services
from campaigns.models import ActionStatus, ScheduledAction, Stage

logger = logging.getLogger(__name__)

# handler(actions, now) -> None; it runs inside the chunk's transaction.
ActionHandler = Callable[[list[ScheduledAction], datetime], None]
_HANDLERS: dict[str, ActionHandler] = {}


def register_action_handler(kind: str, handler: ActionHandler) -> None:
    """Phase apps register the kinds of scheduled action they own in ``AppConfig.ready()``."""
    _HANDLERS[kind] = handler


def tick(
    *, now: datetime | None = None, chunk: int | None = None, enrollments: QuerySet | None = None
) -> dict[str, int]:
    """Run every action due by ``now``; returns how many of each kind were processed.

    ``enrollments`` (a queryset of Enrollment) restricts the tick to their actions: the simulator
    ticks only its own cohort, so its future-dated ticks never act on real students' due steps.
    """
    now = now or timezone.now()
    chunk = chunk or settings.ENGINE_TICK_CHUNK
    processed: Counter[str] = Counter()
    while True:
        claimed = _run_chunk(now=now, chunk=chunk, processed=processed, enrollments=enrollments)
        if claimed < chunk:
            break
    if processed:
        logger.info("tick at %s processed %s", now.isoformat(), dict(processed))
    return dict(processed)


def run_due_for_enrollment(*, enrollment_id: int, now: datetime | None = None) -> dict[str, int]:
    """Run one enrollment's due actions now (after an enrollment or an event), not at the next tick."""
    now = now or timezone.now()
    processed: Counter[str] = Counter()
    _run_chunk(now=now, chunk=1000, processed=processed, enrollment_id=enrollment_id)
    return dict(processed)


def _run_chunk(
    *,
    now: datetime,
    chunk: int,
    processed: Counter,
    enrollment_id: int | None = None,
    enrollments: QuerySet | None = None,
) -> int:
    with transaction.atomic():
        due = ScheduledAction.objects.select_for_update(skip_locked=True).filter(
            status=ActionStatus.PENDING, due_at__lte=now
        )
        if enrollment_id is not None:
            due = due.filter(enrollment_id=enrollment_id)
        if enrollments is not None:
            due = due.filter(enrollment_id__in=enrollments.values("pk"))
        batch = list(due.order_by("due_at", "id")[:chunk])
        if not batch:
            return 0
        by_kind: dict[str, list[ScheduledAction]] = defaultdict(list)
        for action in batch:
            by_kind[action.kind].append(action)
        for kind, actions in by_kind.items():
            ids = [a.pk for a in actions]
            handler = _HANDLERS.get(kind)
            if handler is None:
                _mark(ids, ActionStatus.FAILED, now, error=f"no handler registered for {kind!r}")
                continue
            try:
                # A savepoint per kind: a broken handler cannot take the rest of the chunk with it.
                with transaction.atomic():
                    handler(actions, now)
                    _mark(ids, ActionStatus.DONE, now)
            except Exception:
                logger.exception("handler for %r failed on %d actions; retrying one by one", kind, len(ids))
                _run_one_by_one(handler, actions, now)
            processed[kind] += len(ids)
        return len(batch)


def _run_one_by_one(handler: ActionHandler, actions: list[ScheduledAction], now: datetime) -> None:
    """After a batch failed: only the actions that fail on their own are marked failed."""
    for action in actions:
        try:
            with transaction.atomic():
                handler([action], now)
                _mark([action.pk], ActionStatus.DONE, now)
        except Exception as exc:
            logger.exception("action %s (%s) failed", action.pk, action.kind)
            _mark([action.pk], ActionStatus.FAILED, now, error=f"{type(exc).__name__}: {exc}")


def _mark(ids: list[int], status: str, now: datetime, error: str = "") -> None:
    ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.PENDING).update(
        status=status, done_at=now, error=error[:2000]
    )


# --- The foundation's handlers --------------------------------------------------------


def handle_start(actions: list[ScheduledAction], now: datetime) -> None:
    services.enrollments_change_stage(
        enrollment_ids=[a.enrollment_id for a in actions],
        from_stage=Stage.ENROLLED,
        to_stage=Stage.ACTIVE,
        actor=services.ENGINE_ACTOR,
        reason="the program started for this cohort",
        now=now,
    )


def handle_milestone(actions: list[ScheduledAction], now: datetime) -> None:
    services.milestones_record_reached(
        pairs=[(a.enrollment_id, a.payload["milestone_id"]) for a in actions],
        source="schedule",
        actor=services.ENGINE_ACTOR,
        now=now,
    )


def handle_complete(actions: list[ScheduledAction], now: datetime) -> None:
    services.enrollments_change_stage(
        enrollment_ids=[a.enrollment_id for a in actions],
        from_stage=Stage.ACTIVE,
        to_stage=Stage.COMPLETED,
        actor=services.ENGINE_ACTOR,
        reason="reached the end of the program",
        now=now,
    )


def register_foundation_handlers() -> None:
    register_action_handler(services.ACTION_START, handle_start)
    register_action_handler(services.ACTION_MILESTONE, handle_milestone)
    register_action_handler(services.ACTION_COMPLETE, handle_complete)
