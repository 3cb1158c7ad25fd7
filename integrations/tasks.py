"""Queue entry points of the integrations: thin, take ids, idempotent (a processed event is left alone)."""

from integrations import services
from mailers.runner import enqueue, task


@task
def process_event(event_id: int) -> str:
    return services.event_process(event_id=event_id)


@task
def process_due() -> dict[str, int]:
    """Periodic: retries, waiting events, pending events whose task was lost."""
    return services.events_process_due()


def enqueue_process(event_id: int) -> None:
    enqueue(process_event, event_id)
