"""The one seam between our code and the task queue: django-q2 (default) or Celery.

Tasks are plain functions decorated with ``@task``; callers enqueue them with
``enqueue(fn, *ids)``. The queue only ever carries ids, the message is sent after the
surrounding transaction commits (so a worker never sees a row that is not there yet),
and ``settings.TASK_RUNNER`` picks the engine. It lives in ``mailers``, the bottom
layer, because every layer above it (and the mailer itself) enqueues through it.
"""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction

_TASKS: dict[str, Callable] = {}


def task(fn: Callable) -> Callable:
    """Register ``fn`` as a task under its dotted path, on both engines."""
    name = f"{fn.__module__}.{fn.__name__}"
    _TASKS[name] = fn
    fn.task_name = name
    if settings.TASK_RUNNER == "celery":
        from celery import shared_task

        # Registered under the dotted path so q2 (which imports by path) and Celery agree.
        fn.celery_task = shared_task(name=name)(fn)
    return fn


def registered_tasks() -> dict[str, Callable]:
    return dict(_TASKS)


def enqueue(fn: Callable, *ids: int | str) -> None:
    """Queue ``fn(*ids)`` once the current transaction commits (at once outside one)."""
    name = getattr(fn, "task_name", None)
    if name is None or name not in _TASKS:
        raise ValueError(f"{fn!r} is not a registered task; decorate it with @task")
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError(f"tasks take ids, not {type(value).__name__}")
    transaction.on_commit(partial(_send, name, ids), robust=False)


def _send(name: str, ids: tuple) -> None:
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
