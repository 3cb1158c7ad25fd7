"""Queue entry points: thin, take ids, idempotent (the engine filters on state)."""

from campaigns import engine, signals
from campaigns.models import ScheduledAction
from mailers.runner import enqueue, task


@task
def tick() -> dict[str, int]:
    """The periodic tick (django-q2 schedule or Celery beat)."""
    processed = engine.tick()
    # Phase apps' periodic work, e.g. telling the waitlist, once, that registration opened since.
    signals.ticked.send(sender=ScheduledAction, processed=processed)
    return processed


@task(recovered_by="campaigns.tasks.tick")
def advance_enrollment(enrollment_id: int) -> dict[str, int]:
    """Run an enrollment's due actions at once, e.g. right after it enrolled into a started cohort."""
    return engine.run_due_for_enrollment(enrollment_id=enrollment_id)


def enqueue_advance(enrollment_id: int) -> None:
    enqueue(advance_enrollment, enrollment_id)


@task(recovered_by="campaigns.tasks.resume_imports")
def run_student_import(student_import_id: int) -> str:
    """A CSV import, chunk by chunk; a redelivered task resumes after the last committed chunk."""
    from campaigns import imports  # imports enqueues this task: import here to keep the cycle lazy

    return imports.student_import_run(student_import_id=student_import_id).status


@task
def resume_imports() -> int:
    """Periodic: imports whose task never came (the queue was away) or whose worker stopped mid-file."""
    from campaigns import imports

    return imports.student_imports_resume()
