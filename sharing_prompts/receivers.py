"""What sharing prompts hear from the engine (connected when SharingPromptsConfig.ready() imports this)."""

from django.dispatch import receiver

from campaigns import signals
from campaigns.models import MilestoneReached
from sharing_prompts import services


@receiver(signals.milestones_reached, sender=MilestoneReached, dispatch_uid="sharing_prompts.schedule_prompts")
def schedule_prompts(sender, *, reached, now, **kwargs) -> None:
    services.prompts_schedule_for_reached(reached=reached, now=now)
