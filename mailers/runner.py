"""The one seam between our code and the task queue: django-q2 (default) or Celery.

Tasks are plain functions decorated with ``@task``; callers enqueue them with
``enqueue(fn, *ids)``. The queue only ever carries ids, the message is sent after the
surrounding transaction commits (so a worker never sees a row that is not there yet),
and ``settings.TASK_RUNNER`` picks the engine. It lives in ``mailers``, the bottom
layer, because every layer above it (and the mailer itself) enqueues through it.

A task whose row is the source of truth names the periodic pass that does its work anyway
(``@task(recovered_by="mailers.tasks.send_due")``). Its send may fail (the broker is away): the
failure is logged and the request that committed the row goes on; the pass picks the row up.
While sends fail, such tasks are not sent for ``RETRY_AFTER_SECONDS``, so an outage costs one
broker timeout per process now and then, not one per request. A task without a pass still raises.
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_TASKS: dict[str, Callable] = {}
RETRY_AFTER_SECONDS = 2.0
LOG_EVERY_SECONDS = 10.0


def task(fn: Callable | None = None, *, recovered_by: str = "") -> Callable:
    """Register ``fn`` as a task under its dotted path, on both engines.

    ``recovered_by``: the dotted path of the periodic task (``settings.PERIODIC_TASKS``) that does this
    task's work when its message never reaches the queue; with it, a failed send is logged, not raised.
    """
    if fn is None:
        return partial(task, recovered_by=recovered_by)
    name = f"{fn.__module__}.{fn.__name__}"
    _TASKS[name] = fn
    fn.task_name = name
    fn.recovered_by = recovered_by
    if settings.TASK_RUNNER == "celery":
        from celery import shared_task

        # Registered under the dotted path so q2 (which imports by path) and Celery agree.
        fn.celery_task = shared_task(name=name)(fn)
    return fn


def registered_tasks() -> dict[str, Callable]:
    return dict(_TASKS)


def _registered_name(fn: Callable) -> str:
    name = getattr(fn, "task_name", None)
    if name is None or name not in _TASKS:
        raise ValueError(f"{fn!r} is not a registered task; decorate it with @task")
    return name


def enqueue(fn: Callable, *ids: int | str) -> None:
    """Queue ``fn(*ids)`` once the current transaction commits (at once outside one)."""
    name = _registered_name(fn)
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError(f"tasks take ids, not {type(value).__name__}")
    transaction.on_commit(partial(_send, name, ids), robust=False)


# A process that saw a wake-up flag set trusts it this long before reading it again: on a burst, one cache
# read per process every tenth of a second instead of one per row (a local Redis round trip is about
# 0.4 ms, a quarter of accepting an event). The task pays for it with one last look (``wakeup_finish``).
WAKEUP_TRUST_SECONDS = 0.1
_flags_seen_until: dict[str, float] = {}


def enqueue_wakeup(fn: Callable, *, flag: str, ttl: int) -> None:
    """Queue ``fn()`` once the current transaction commits, unless one queued earlier has not started yet.

    For a task that works through whatever rows are waiting (not one id): a flag in the shared cache says
    "one is queued"; the task clears it (``wakeup_started``) BEFORE it reads the rows, so a row committed
    before the flag was seen is read by that task, and one committed after gets a task of its own. A
    process that saw the flag set skips reading it for ``WAKEUP_TRUST_SECONDS``: a row it committed in that
    time after the task cleared the flag is read by the task's last look, which waits for that trust to
    run out. The flag expires after ``ttl`` seconds, so a lost message costs at most that (and its
    periodic pass still runs). A cache that cannot answer reads as "none queued": the task is sent. The
    cache must be shared by every web process and worker (Redis), or a worker's clearing would not reach
    the web processes.
    """
    name = _registered_name(fn)

    def wake() -> None:
        from django.core.cache import cache

        now = time.monotonic()
        if _flags_seen_until.get(flag, 0.0) > now:
            return
        if cache.get(flag) is None:
            cache.set(flag, 1, ttl)
            _send(name, ())
        _flags_seen_until[flag] = now + WAKEUP_TRUST_SECONDS

    transaction.on_commit(wake, robust=False)


def wakeup_started(flag: str) -> float:
    """Called first by a task queued with ``enqueue_wakeup``: the rows committed from now on wake another.
    Returns the time to give ``wakeup_finish``."""
    from django.core.cache import cache

    cache.delete(flag)
    return time.monotonic()


def wakeup_finish(started: float) -> None:
    """Wait until no process still trusts the flag this task cleared at ``started`` (the task then reads
    the rows once more: those processes committed theirs without waking anyone)."""
    wait = started + 2 * WAKEUP_TRUST_SECONDS - time.monotonic()
    if wait > 0:
        time.sleep(wait)


class _Outage:
    """Per-process memory of failed sends: when to try the queue again, and when the log last heard."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.logged_at = -LOG_EVERY_SECONDS
        self.skipped = 0

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, name: str, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + RETRY_AFTER_SECONDS
            self.report(name, f"{type(exc).__name__}: {exc}", now)

    def skip(self, name: str) -> None:
        with self.lock:
            self.report(name, "the queue failed moments ago", time.monotonic())

    def report(self, name: str, why: str, now: float) -> None:
        self.skipped += 1
        if now - self.logged_at < LOG_EVERY_SECONDS:
            return
        skipped, self.skipped, self.logged_at = self.skipped, 0, now
        logger.warning(
            "task queue unavailable (%s): %d task(s) not sent since the last report, the latest %s; "
            "their periodic pass (%s) will do the work",
            why,
            skipped,
            name,
            _TASKS[name].recovered_by,
        )


_outage = _Outage()


def _send(name: str, ids: tuple) -> None:
    if not _TASKS[name].recovered_by:
        _publish(name, ids)
        return
    if _outage.is_down():
        _outage.skip(name)
        return
    try:
        _publish(name, ids)
    except Exception as exc:  # the row is committed and its periodic pass will find it: never fail the caller
        _outage.failed(name, exc)


def _publish(name: str, ids: tuple) -> None:
    if settings.TASK_RUNNER == "celery":
        from celery import current_app

        current_app.send_task(name, args=list(ids))
    else:
        from django_q.tasks import async_task

        async_task(name, *ids, task_name=name.rsplit(".", 1)[-1])


def sync_periodic_schedule(**kwargs) -> None:
    """Make django-q2's schedule table hold exactly ``settings.PERIODIC_TASKS`` (run after migrate).

    Celery beat reads the same setting in ``cms/celery.py``. django-q2 schedules in whole
    minutes, so intervals are rounded up to at least one minute there.
    """
    from django_q.models import Schedule

    for name, seconds in settings.PERIODIC_TASKS.items():
        minutes = max(1, -(-int(seconds) // 60))
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": name, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1},
        )
