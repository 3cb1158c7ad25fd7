"""What the referral half hears from the engine (connected when ReferralsConfig.ready() imports this):
a testimonial or happy feedback recorded (check for an ask), and the periodic tick (tell the
waitlist that registration opened)."""

from django.dispatch import receiver

from campaigns import signals
from campaigns.models import JourneyEvent, ScheduledAction
from referrals import services, waitlist


@receiver(signals.event_recorded, sender=JourneyEvent, dispatch_uid="referrals.ask")
def schedule_ask(sender, *, event, **kwargs) -> None:
    services.on_event_recorded(event=event)


@receiver(signals.ticked, sender=ScheduledAction, dispatch_uid="referrals.waitlist")
def tell_the_waitlist(sender, *, processed, **kwargs) -> None:
    waitlist.on_ticked(processed=processed)
