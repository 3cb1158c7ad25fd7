"""What feedback hears from the engine (connected when TestimonialsConfig.ready() imports this): a
feedback request after the milestones and the completion its program's plan names."""

from django.dispatch import receiver

from campaigns import signals
from campaigns.models import Enrollment, MilestoneReached
from testimonials import feedback


@receiver(signals.milestones_reached, sender=MilestoneReached, dispatch_uid="testimonials.after_milestones")
def schedule_after_milestones(sender, *, reached, now, **kwargs) -> None:
    feedback.feedback_schedule_after_milestones(reached=reached, now=now)


@receiver(signals.stages_changed, sender=Enrollment, dispatch_uid="testimonials.after_completion")
def schedule_after_completion(sender, *, enrollment_ids, from_stage, to_stage, now, **kwargs) -> None:
    feedback.feedback_schedule_after_completion(
        enrollment_ids=enrollment_ids, from_stage=from_stage, to_stage=to_stage, now=now
    )
