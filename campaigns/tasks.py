"""Queue entry points: thin, take ids, idempotent (the engine filters on state)."""

from campaigns import engine
from mailers.runner import enqueue, task


@task
def tick() -> dict[str, int]:
    """The periodic tick (django-q2 schedule or Celery beat)."""
    return engine.tick()


@task
def advance_enrollment(enrollment_id: int) -> dict[str, int]:
    """Run an enrollment's due actions at once, e.g. right after it enrolled into a started cohort."""
    return engine.run_due_for_enrollment(enrollment_id=enrollment_id)


def enqueue_advance(enrollment_id: int) -> None:
    enqueue(advance_enrollment, enrollment_id)
