"""Queue entry points of the integrations: thin, take ids, idempotent (a processed event is left alone)."""

from collections import Counter

from django.conf import settings

from integrations import services
from mailers.runner import enqueue, enqueue_wakeup, task, wakeup_finish, wakeup_started

# Set while a ``process_pending`` task is queued and has not started (the shared cache).
QUEUED_RUN_FLAG = "integrations:pending-pass-queued"
QUEUED_RUN_TTL = 60


@task(recovered_by="integrations.tasks.process_due")
def process_event(event_id: int) -> str:
    return services.event_process_queued(event_id=event_id)


@task(recovered_by="integrations.tasks.process_due")
def process_pending() -> dict[str, int]:
    """Every pending event, a batch at a time: the one task a burst of accepted events shares."""
    started = wakeup_started(QUEUED_RUN_FLAG)
    outcomes = Counter(services.events_process_pending())
    wakeup_finish(started)
    outcomes.update(services.events_process_pending())  # what came while web processes trusted the flag
    return dict(outcomes)


@task
def process_due() -> dict[str, int]:
    """Periodic: retries, waiting events, pending events whose task was lost."""
    return services.events_process_due()


def enqueue_process(event_id: int) -> None:
    """Have the event processed soon. With a shared cache (``EVENTS_COALESCE_TASKS``), a burst of events
    shares one queued pass instead of one message each: publishing a Celery message cost more than
    storing the event (about 2.4 ms against 0.2 ms for the cache's flag)."""
    if settings.EVENTS_COALESCE_TASKS:
        enqueue_wakeup(process_pending, flag=QUEUED_RUN_FLAG, ttl=QUEUED_RUN_TTL)
    else:
        enqueue(process_event, event_id)
