"""The testimonials app's periodic task (settings.PERIODIC_TASKS)."""

from mailers.runner import task


@task
def case_webhooks_due() -> int:
    """Help-desk webhooks of support cases whose task the queue lost (testimonials.support)."""
    from testimonials import support

    return support.case_webhooks_due()
