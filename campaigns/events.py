"""The catalogue of journey events: what may be written on a student's timeline.

Each app names the kinds it records in an enum in its own ``events.py`` (the engine's are below)
and adds it to the catalogue from its ``AppConfig.ready()`` with ``events.register(TheEnum)``.
Recording a kind that is in no registered enum raises ``UnknownEventKind``: a typo in a kind
would otherwise write history that no funnel, filter or test ever finds.
"""

from enum import StrEnum


class UnknownEventKind(ValueError):
    pass


class EngineEvent(StrEnum):
    ENROLLED = "enrolled"
    STAGE_CHANGED = "stage_changed"
    MILESTONE_REACHED = "milestone_reached"
    DETAILS_UPDATED = "details_updated"  # a re-import changed a student's name or time zone
    LINKS_REVOKED = "links_revoked"  # "sign out everywhere"
    HUB_LINK_SENT = "hub_link_sent"


_CATALOGUE: dict[str, type[StrEnum]] = {}


def register(kinds: type[StrEnum]) -> None:
    for member in kinds:
        owner = _CATALOGUE.setdefault(member.value, kinds)
        if owner is not kinds:
            raise ValueError(f"journey event {member.value!r} is both {owner.__name__} and {kinds.__name__}")


def check(kind: str) -> str:
    if kind not in _CATALOGUE:
        raise UnknownEventKind(f"unknown journey event {kind!r}; add it to its app's events.py")
    return kind


def catalogue() -> dict[str, type[StrEnum]]:
    return dict(_CATALOGUE)


register(EngineEvent)
