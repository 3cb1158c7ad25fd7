"""The catalogue of journey events: every kind recorded is a member of some app's enum."""

import pytest
from django.utils import timezone

from campaigns import events, services
from campaigns.events import EngineEvent, UnknownEventKind
from campaigns.models import JourneyEvent
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_every_app_registers_its_kinds_once():
    catalogue = events.catalogue()
    owners = {owner.__name__ for owner in catalogue.values()}
    assert {"EngineEvent", "PromptEvent", "FeedbackEvent", "ReferralEvent"} <= owners
    assert catalogue["enrolled"] is EngineEvent
    assert catalogue["prompt_completed"].__name__ == "PromptEvent"


def test_recording_an_unknown_kind_is_an_error_and_writes_nothing(program):
    enrollment = enroll(program=program)
    before = JourneyEvent.objects.count()
    with pytest.raises(UnknownEventKind, match="unknown journey event 'prompt_complete'"):
        services.journey_record(enrollment=enrollment, kind="prompt_complete", actor="test")
    with pytest.raises(UnknownEventKind):
        services.journey_record_many(events=[(enrollment, {})], kind="nope", actor="test", now=timezone.now())
    with pytest.raises(UnknownEventKind):
        JourneyEvent.objects.create(student_id=enrollment.student_id, enrollment=enrollment, kind="", actor="x")
    assert JourneyEvent.objects.count() == before


def test_a_kind_cannot_belong_to_two_enums():
    from enum import StrEnum

    class Clash(StrEnum):
        ENROLLED = "enrolled"

    with pytest.raises(ValueError, match="both EngineEvent and Clash"):
        events.register(Clash)
