"""Queue entry points of the composing layer: thin, idempotent."""

from cms.staff_emails import services as staff_emails
from mailers.runner import task


@task
def staff_emails_due() -> dict[str, int | None]:
    """Periodic (settings.PERIODIC_TASKS): the staff's daily digest and weekly summary when due, once each
    per day / week however often this runs."""
    return staff_emails.staff_emails_due()
