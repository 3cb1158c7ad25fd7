"""The batch pass's set-based runs: consecutive API events of one kind and program, each about another person,
written together with the same rows their handlers would write one at a time.

``services.events_process_batch`` walks the due events in order and collects a ``Run`` while events fit it;
a run is processed before the next event that does not (another kind, another program, the same person
again), so the order of what happens to one person is the order the events came in. Whatever a run cannot
take (an existing student whose details the API corrects, a bad name, an enrollment not started or not
there yet, an unknown milestone) goes through ``services.event_process`` on its own, which records the wait
or the error as it would have anyway. A run that fails as a whole is rolled back to its savepoint and its
events go one by one.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from integrations import handlers
from integrations.models import InboundEvent, Outcome
from integrations.schemas import EVENT_ADAPTER

logger = logging.getLogger(__name__)

# The event types a run can take, with the handler whose rows it writes (another one registered in its
# place, as a test or a plug-in may do, runs as it is).
BULK_HANDLERS = {
    "enrollment.created": handlers.enrollment_created,
    "milestone.reached": handlers.milestone_reached,
}


@dataclass(frozen=True)
class Item:
    kind: str
    data: object

    @property
    def program(self) -> str:
        return self.data.program

    @property
    def person(self) -> str:
        email = self.data.student.email if self.kind == "enrollment.created" else self.data.email
        return email.lower()


def bulk_item(event: InboundEvent) -> Item | None:
    """The event as a run's item if a run may take it, else None (it goes on its own)."""
    # A platform's event is translated by its adapter (which may ask the platform's API): one by one.
    if event.source != "api" or event.event_type not in BULK_HANDLERS:
        return None
    if handlers.HANDLERS.get(event.event_type) is not BULK_HANDLERS[event.event_type]:
        return None
    try:
        envelope = EVENT_ADAPTER.validate_python(json.loads(event.body))
    except Exception:  # noqa: BLE001 - the per-event path records what is wrong with it
        return None
    return Item(kind=envelope.type, data=envelope.data) if envelope.type == event.event_type else None


@dataclass
class Run:
    events: list[tuple[InboundEvent, object]] = field(default_factory=list)
    kind: str = ""
    program: str = ""
    people: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.events)

    def takes(self, item: Item | None) -> bool:
        return (
            item is not None
            and (item.kind, item.program) == (self.kind, self.program)
            and (item.person not in self.people)
        )

    def add(self, event: InboundEvent, item: Item) -> None:
        if not self.events:
            self.kind, self.program = item.kind, item.program
        self.events.append((event, item.data))
        self.people.add(item.person)

    def process(self, *, now: datetime, stamp: bool) -> dict[int, str]:
        process = _enrollments if self.kind == "enrollment.created" else _milestones
        return process(self.events, now, stamp)


def _one_by_one(events: list[InboundEvent], outcomes: dict[int, str], now: datetime) -> dict[int, str]:
    from integrations import services

    for event in sorted(events, key=lambda e: (e.received_at, e.pk)):
        if event.pk not in outcomes:
            outcomes[event.pk] = services.event_process(event_id=event.pk, now=now)
    return outcomes


def _mark_processed(events: list[InboundEvent], outcomes: dict[int, str], now: datetime, stamp: bool) -> None:
    InboundEvent.objects.filter(pk__in=[event.pk for event in events]).update(
        outcome=Outcome.PROCESSED,
        processed_at=timezone.now() if stamp else now,
        error="",
        waiting_for="",
        next_attempt_at=None,
        attempts=F("attempts") + 1,
    )
    outcomes.update({event.pk: Outcome.PROCESSED for event in events})


def _milestones(run: list, now: datetime, stamp: bool) -> dict[int, str]:
    """One program's consecutive milestones of started enrollments, in bulk; the others one by one."""
    from campaigns import services as engine
    from campaigns.models import Enrollment, Stage

    outcomes: dict[int, str] = {}
    program = handlers.live_program(run[0][1].program)
    if program is None:
        return _one_by_one([event for event, _ in run], outcomes, now)
    milestones = {m.slug: m.pk for m in program.milestones.all()}
    found = {
        email: (pk, stage)
        for email, pk, stage in Enrollment.objects.filter(program=program)
        .annotate(email_lower=Lower("student__email"))
        .filter(email_lower__in=[data.email.lower() for _, data in run])
        .values_list("email_lower", "pk", "stage")
    }
    taken, one_by_one = {}, []
    for event, data in run:
        milestone, (enrollment, stage) = milestones.get(data.milestone), found.get(data.email.lower(), (None, None))
        # An unknown milestone (an error), a missing enrollment (a wait) or one not started (a stage change
        # first) or withdrawn (an error): what the handler says about it is its own.
        if milestone is None or enrollment is None or stage not in (Stage.ACTIVE, Stage.COMPLETED):
            one_by_one.append(event)
        else:
            taken[enrollment] = (event, milestone)
    if taken:
        try:
            with transaction.atomic():  # a savepoint: if the bulk path fails, each goes its own way
                not_ready = engine.enrollments_record_milestones(
                    pairs=[(enrollment, milestone) for enrollment, (_, milestone) in taken.items()],
                    source="api",
                    actors={enrollment: handlers.actor(event) for enrollment, (event, _) in taken.items()},
                    now=now,
                )
                # Withdrawn or moved since it was read (another worker): the handler says what became of it.
                one_by_one += [taken[enrollment][0] for enrollment in not_ready]
                done = [event for enrollment, (event, _) in taken.items() if enrollment not in not_ready]
                _mark_processed(done, outcomes, now, stamp)
        except Exception:
            logger.exception("bulk milestones of %s events failed; processing them one by one", len(taken))
            outcomes.clear()
            one_by_one += [event for event, _ in taken.values()]
    return _one_by_one(one_by_one, outcomes, now)


def _enrollments(run: list, now: datetime, stamp: bool) -> dict[int, str]:
    """One program's consecutive enrollments of new people, in bulk; the others one by one."""
    from campaigns import bulk
    from campaigns import tasks as campaign_tasks
    from campaigns.models import validate_time_zone
    from campaigns.names import name_problem
    from campaigns.services import normalize_email
    from integrations import services

    outcomes: dict[int, str] = {}
    program = handlers.live_program(run[0][1].program)
    people, by_key, one_by_one = [], {}, []
    if program is not None:
        taken = bulk._student_ids_by_lower_email([data.student.email.lower() for _, data in run])
        for event, data in run:
            student = data.student
            first, last = " ".join(student.first_name.split()), " ".join(student.last_name.split())
            try:
                email = normalize_email(student.email)
                if student.timezone:
                    validate_time_zone(student.timezone)
            except (ValidationError, ValueError):
                email = None
            if email is None or email.lower() in taken or name_problem(first) or name_problem(last):
                one_by_one.append(event)
                continue
            starts_at = data.starts_at or now
            by_key[email.lower()] = event
            people.append(
                {
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "time_zone": student.timezone or "",
                    "marketing_consent": bool(student.marketing_consent),
                    "cohort": (data.cohort or f"{starts_at:%Y-%m}")[:60],
                    "starts_at": starts_at,
                    "actor": handlers.actor(event),
                }
            )
    else:
        one_by_one = [event for event, _ in run]
    if people:
        try:
            with transaction.atomic():  # a savepoint: if the bulk path fails, each goes its own way
                result = bulk.enroll_chunk(
                    program=program,
                    people=people,
                    cohort="",
                    starts_at=now,
                    actor="api",
                    now=now,
                    reason=f"enrolled through the events API ({run[0][0].source})",
                )
                done = [by_key[key] for key in result.enrolled if key in result.new_students]
                # Someone became a student meanwhile (another worker): the per-event path corrects the details.
                one_by_one += [event for key, event in by_key.items() if key not in result.new_students]
                for person in people:
                    key = person["email"].lower()
                    if key in result.enrolled and person["starts_at"] <= now:
                        campaign_tasks.enqueue_advance(result.enrolled[key])
                services.events_wake_many(
                    keys=[handlers.enrollment_key(key, program.pk) for key in result.enrolled], now=now
                )
                _mark_processed(done, outcomes, now, stamp)
        except Exception:
            logger.exception("bulk enrollment of %s events failed; processing them one by one", len(people))
            outcomes.clear()
            one_by_one += list(by_key.values())
    return _one_by_one(one_by_one, outcomes, now)
