"""Queue entry points of the referral half: thin, take ids, idempotent (outbound webhooks, the conversions' hold)."""

from mailers.runner import task
from referrals.conversions import services as conversions
from referrals.webhooks import services


@task(recovered_by="referrals.tasks.webhooks_send_due")
def webhook_send(delivery_id: int, trigger: str = "schedule") -> str:
    """One attempt of a due delivery; a second run for the same attempt sends nothing."""
    return services.delivery_send(delivery_id=delivery_id, trigger=trigger)


@task
def webhooks_send_due() -> dict[str, int]:
    """Periodic: due retries, and first attempts whose task was lost."""
    return services.deliveries_send_due()


@task
def conversions_release_due() -> int:
    """Periodic: conversions whose refund window has passed become approved for reward (never one held
    for review)."""
    return conversions.conversions_release_due()
