"""What the referral half hears from the engine (connected when ReferralsConfig.ready() imports this):
a testimonial or happy feedback recorded (check for an ask), unhappy feedback and an approved
testimonial (the creator's webhooks), and the periodic tick (tell the
waitlist that registration opened). And what the referral half itself announces (referrals/signals.py)
that closes the graduate's loop: a friend's purchase credited to them, their thank-you released, shipped
or revoked (referrals/loops.py)."""

from django.dispatch import receiver

from campaigns import signals
from campaigns.models import JourneyEvent, ScheduledAction
from referrals import loops, services, waitlist
from referrals import signals as referral_signals
from referrals.conversions.models import Conversion
from referrals.rewards.models import Reward
from referrals.webhooks import payloads


@receiver(signals.event_recorded, sender=JourneyEvent, dispatch_uid="referrals.ask")
def schedule_ask(sender, *, event, **kwargs) -> None:
    services.on_event_recorded(event=event)


@receiver(signals.event_recorded, sender=JourneyEvent, dispatch_uid="referrals.webhooks")
def tell_the_creators_systems(sender, *, event, **kwargs) -> None:
    payloads.on_event_recorded(event=event)


@receiver(signals.ticked, sender=ScheduledAction, dispatch_uid="referrals.waitlist")
def tell_the_waitlist(sender, *, processed, **kwargs) -> None:
    waitlist.on_ticked(processed=processed)


@receiver(referral_signals.conversion_attributed, sender=Conversion, dispatch_uid="referrals.loops.converted")
def tell_the_graduate_a_friend_joined(sender, *, conversion, **kwargs) -> None:
    loops.friend_converted(conversion=conversion)


@receiver(referral_signals.reward_released, sender=Reward, dispatch_uid="referrals.loops.released")
def tell_the_graduate_it_is_released(sender, *, reward, **kwargs) -> None:
    loops.reward_released(reward=reward)


@receiver(referral_signals.reward_shipped, sender=Reward, dispatch_uid="referrals.loops.shipped")
def tell_the_graduate_it_is_shipped(sender, *, reward, **kwargs) -> None:
    loops.reward_shipped(reward=reward)


@receiver(referral_signals.reward_revoked, sender=Reward, dispatch_uid="referrals.loops.revoked")
def tell_the_graduate_it_is_revoked(sender, *, reward, explanation="", **kwargs) -> None:
    loops.reward_revoked(reward=reward, explanation=explanation)
