"""Queue entry points of the mailer: thin, take ids, idempotent (a sent message is never re-sent)."""

from mailers import services
from mailers.runner import enqueue, task


@task(recovered_by="mailers.tasks.send_due")
def send_message(message_id: int) -> str:
    return services.message_send(message_id=message_id)


@task
def send_due() -> dict[str, int]:
    """Periodic: deferred messages whose time has come, retries, scheduled sends."""
    return services.messages_send_due()


def enqueue_send(message_id: int) -> None:
    enqueue(send_message, message_id)
