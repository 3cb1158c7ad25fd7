"""What the engine tells the phase apps, as Django signals: the engine never imports them.

A phase app connects its receivers in a ``receivers.py`` that its ``AppConfig.ready()`` imports
(as ``mailers/webhooks.py`` hears anymail's tracking signal). Receivers run in the same
transaction as the change that sent the signal, so an error in one rolls the change back.

- ``milestones_reached(sender=MilestoneReached, reached: list[MilestoneReached], now: datetime)``
- ``stages_changed(sender=Enrollment, enrollment_ids: list[int], from_stage: str, to_stage: str,
  now: datetime)``
- ``event_recorded(sender=JourneyEvent, event: JourneyEvent)``: a phase app reported something
  through ``services.journey_record`` (e.g. a testimonial submitted); the referral half listens.
- ``ticked(sender=ScheduledAction, processed: dict[str, int])``: the periodic tick (``tasks.tick``)
  ran; a receiver may do its own periodic work and count it in ``processed`` (the referral half
  tells the waitlist, once, that registration opened).
"""

from django.dispatch import Signal

milestones_reached = Signal()
stages_changed = Signal()
event_recorded = Signal()
ticked = Signal()
