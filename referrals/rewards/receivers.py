"""The rewards code hears the conversions' signals (connected when ReferralsConfig.ready() imports this)."""

from django.dispatch import receiver

from referrals.conversions.models import Conversion
from referrals.rewards import services
from referrals.signals import conversion_approved, conversion_refunded


@receiver(conversion_approved, sender=Conversion, dispatch_uid="referrals.rewards.release")
def release_thank_you(sender, *, conversion, **kwargs) -> None:
    services.rewards_on_approved(conversion=conversion)


@receiver(conversion_refunded, sender=Conversion, dispatch_uid="referrals.rewards.revoke")
def revoke_thank_you(sender, *, conversion, released, **kwargs) -> None:
    # released=False: refunded during the hold, so no reward was ever made for it.
    if released:
        services.rewards_on_refunded(conversion=conversion)
