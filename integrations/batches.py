"""The batch pass's set-based runs: consecutive API events, each about another person and order, written
together with the same rows their handlers would write one at a time.

``services.events_process_batch`` walks the due events in order and collects a ``Run`` while events fit it;
a run is processed before the next event that does not (the same inbox or order again, or an event no run
takes: a refund, a platform's event, a purchase with a referral code), so the order of what happens to one
person is the order the events came in. Whatever a run cannot take (an existing student whose details the
API corrects, a bad name, an enrollment not started or not there yet, an unknown milestone, a buyer who is
not a student or has a lead to judge) goes through ``services.event_process`` on its own, which records the
wait or the error as it would have anyway. A group that fails as a whole is rolled back to its savepoint
and its events go one by one.
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

from campaigns.inboxes import mailbox
from integrations import handlers
from integrations.models import InboundEvent, Outcome
from integrations.schemas import EVENT_ADAPTER

logger = logging.getLogger(__name__)

# The event types a run can take, with the handler whose rows it writes (another one registered in its
# place, as a test or a plug-in may do, runs as it is).
BULK_HANDLERS = {
    "enrollment.created": handlers.enrollment_created,
    "milestone.reached": handlers.milestone_reached,
    "purchase.completed": handlers.purchase_completed,
}


@dataclass(frozen=True)
class Item:
    kind: str
    data: object

    @property
    def program(self) -> str:
        return self.data.program

    @property
    def keys(self) -> set[str]:
        """What two events of one run may not share: the inbox of the person (any alias), and an order."""
        if self.kind == "enrollment.created":
            return {f"inbox:{mailbox(self.data.student.email)}"}
        if self.kind == "purchase.completed":
            return {f"inbox:{mailbox(self.data.email)}", f"order:{self.data.order_id}"}
        return {f"inbox:{mailbox(self.data.email)}"}


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
    if envelope.type != event.event_type:
        return None
    data = envelope.data
    # A referral code is evidence to weigh (conversion_record): only purchases without one go in bulk.
    if envelope.type == "purchase.completed" and (data.ref or data.coupon or data.affiliate):
        return None
    return Item(kind=envelope.type, data=data)


@dataclass
class Run:
    """Consecutive bulk items, each about another inbox and order: what happens to one person is then never
    reordered, however the kinds are interleaved (an enrollment, someone else's milestone, a third
    person's purchase). Written a group of one kind and program at a time."""

    groups: dict[tuple[str, str], list[tuple[InboundEvent, object]]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def takes(self, item: Item | None) -> bool:
        return item is not None and not (item.keys & self.keys)

    def add(self, event: InboundEvent, item: Item) -> None:
        self.groups.setdefault((item.kind, item.program), []).append((event, item.data))
        self.keys |= item.keys

    def process(self, *, now: datetime, stamp: bool) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        for (kind, _), events in self.groups.items():
            outcomes.update(WRITERS[kind](events, now, stamp))
        return outcomes


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


def _enrollments_by_address(program, run: list) -> dict[str, tuple[int, str]]:
    """The program's enrollments of the run's addresses (``data.email``), by lower-cased address: (id, stage)."""
    from campaigns.models import Enrollment

    return {
        email: (pk, stage)
        for email, pk, stage in Enrollment.objects.filter(program=program)
        .annotate(email_lower=Lower("student__email"))
        .filter(email_lower__in=[data.email.lower() for _, data in run])
        .values_list("email_lower", "pk", "stage")
    }


def _milestones(run: list, now: datetime, stamp: bool) -> dict[int, str]:
    """One program's consecutive milestones of started enrollments, in bulk; the others one by one."""
    from campaigns import services as engine
    from campaigns.models import Stage

    outcomes: dict[int, str] = {}
    program = handlers.live_program(run[0][1].program)
    if program is None:
        return _one_by_one([event for event, _ in run], outcomes, now)
    milestones = {m.slug: m.pk for m in program.milestones.all()}
    found = _enrollments_by_address(program, run)
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


def _purchases(run: list, now: datetime, stamp: bool) -> dict[int, str]:
    """One program's consecutive purchases without a referral code, by its students, each a new order of an
    inbox with no lead or conversion in the program: the purchase and its unattributed first conversion in
    bulk (``conversions_record_uncoded``); the others (a new buyer to enroll, an order seen before, a
    friend to judge) one by one."""
    from campaigns.models.inserts import insert_values
    from campaigns.names import name_problem
    from campaigns.services import normalize_email
    from integrations import services
    from integrations.models import Purchase
    from referrals.conversions import services as conversions

    outcomes: dict[int, str] = {}
    program = handlers.live_program(run[0][1].program)
    if program is None:
        return _one_by_one([event for event, _ in run], outcomes, now)
    enrolled = {email: pk for email, (pk, _) in _enrollments_by_address(program, run).items()}
    bought = set(
        Purchase.objects.filter(source="api", order_id__in=[data.order_id for _, data in run]).values_list(
            "order_id", flat=True
        )
    )
    taken, one_by_one = {}, []
    for event, data in run:
        try:
            # What student_enroll refuses even for a student it finds: the handler says why.
            good = not name_problem(" ".join(data.first_name.split())) and bool(normalize_email(data.email))
        except (ValidationError, ValueError):
            good = False
        if good and data.email.lower() in enrolled and data.order_id not in bought:
            taken[data.order_id] = (event, data)
        else:
            one_by_one.append(event)
    if taken:
        try:
            with transaction.atomic():  # a savepoint: if the bulk path fails, each goes its own way
                left = conversions.conversions_record_uncoded(
                    program=program,
                    purchases=[(event.source, order, data.email) for order, (event, data) in taken.items()],
                    now=now,
                )
                one_by_one += [taken[order][0] for order in left]
                done = {order: item for order, item in taken.items() if order not in left}
                insert_values(
                    Purchase,
                    rows=[
                        {
                            "source": event.source,
                            "order_id": order,
                            "email": data.email,
                            "program": program.pk,
                            "enrollment": enrolled[data.email.lower()],
                            "amount": data.amount,
                            "currency": data.currency,
                            "purchased_at": now,
                            "inbound_event": event.pk,
                        }
                        for order, (event, data) in done.items()
                    ],
                )
                services.events_wake_many(
                    keys=[
                        key
                        for order, (event, data) in done.items()
                        for key in (
                            handlers.purchase_key(event.source, order),
                            handlers.enrollment_key(data.email, program.pk),
                        )
                    ],
                    now=now,
                )
                _mark_processed([event for event, _ in done.values()], outcomes, now, stamp)
        except Exception:
            logger.exception("bulk purchases of %s events failed; processing them one by one", len(taken))
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


WRITERS = {"enrollment.created": _enrollments, "milestone.reached": _milestones, "purchase.completed": _purchases}
