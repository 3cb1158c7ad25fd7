"""How phase apps plug into the engine without the engine importing them.

A phase app registers a callback in its ``AppConfig.ready()``::

    hooks.register("milestones_reached", schedule_my_prompt)

and the engine calls every callback registered for that name, in the same transaction
as the change that triggered it. Hook names and their keyword arguments:

- ``milestones_reached(reached: list[MilestoneReached], now: datetime)``
- ``stages_changed(enrollment_ids: list[int], from_stage: str, to_stage: str, now: datetime)``
- ``event_recorded(event: JourneyEvent)`` — a phase app reported something through
  ``services.journey_record`` (e.g. "testimonial_submitted"); the referral half listens.
"""

from collections import defaultdict
from collections.abc import Callable

HOOK_NAMES = ("milestones_reached", "stages_changed", "event_recorded")

_HOOKS: dict[str, list[Callable]] = defaultdict(list)


def register(name: str, callback: Callable) -> None:
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown hook {name!r}; known: {', '.join(HOOK_NAMES)}")
    if callback not in _HOOKS[name]:
        _HOOKS[name].append(callback)


def unregister(name: str, callback: Callable) -> None:
    if callback in _HOOKS[name]:
        _HOOKS[name].remove(callback)


def run(name: str, **kwargs) -> None:
    for callback in list(_HOOKS[name]):
        callback(**kwargs)
