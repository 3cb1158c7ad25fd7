"""One handler per event type, each a translation into the services of the apps below.

A handler either does its work, raises ``Wait`` (what it needs has not arrived: a milestone before its
enrollment, a refund before its purchase) or raises ``Permanent``/``ValidationError`` (retrying cannot
help). Every handler is idempotent, so a replay or a redelivered task acts once.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from campaigns import services as engine
from campaigns.inboxes import mailbox
from campaigns.models import Enrollment, ProgramPage, Stage
from integrations import schemas
from integrations.models import InboundEvent, Purchase
from referrals.conversions import services as conversions
from referrals.models import FriendLead, LeadStatus


class Wait(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


class Permanent(Exception):
    pass


# The programs a batch pass looked up, by slug: its events share one transaction, so a program's page
# cannot change under them, and a thousand events of one program need one query, not a thousand.
_remembered: ContextVar[dict | None] = ContextVar("remembered_programs", default=None)


@contextmanager
def programs_remembered():
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def live_program(slug: str) -> ProgramPage | None:
    remembered = _remembered.get()
    if remembered is not None and slug in remembered:
        return remembered[slug]
    program = ProgramPage.objects.live().filter(slug=slug).order_by("pk").first()
    if remembered is not None:
        remembered[slug] = program
    return program


def _program(slug: str) -> ProgramPage:
    program = live_program(slug)
    if program is None:
        raise Permanent(f"No published program has the slug {slug!r}.")
    return program


def actor(event: InboundEvent) -> str:
    return f"{event.source}:{event.external_id}"[:150]


def enrollment_key(email: str, program_id: int) -> str:
    return f"enrollment:{email.lower()}:{program_id}"


def purchase_key(source: str, order_id: str) -> str:
    return f"purchase:{source}:{order_id}"


def _enrollment(email: str, program: ProgramPage) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_related("program").filter(student__email__iexact=email, program=program).first()
    )
    if enrollment is None:
        raise Wait(enrollment_key(email, program.pk), f"waiting for {email} to be enrolled in {program.title}")
    return enrollment


def _wake(*keys: str, now: datetime) -> None:
    from integrations import services

    services.events_wake_many(keys=list(keys), now=now)  # one query for them all


def enrollment_created(event: InboundEvent, data: schemas.EnrollmentCreated, now: datetime) -> None:
    program = _program(data.program)
    student = data.student
    # Our own signed API speaks for the creator's platform, the record of who the student is: unlike a
    # public form, it may correct a name, a time zone or the consent (keep_existing=False).
    engine.student_enroll(
        email=student.email,
        program=program,
        first_name=student.first_name,
        last_name=student.last_name,
        time_zone=student.timezone or "",
        marketing_consent=student.marketing_consent,
        keep_existing=False,
        cohort=data.cohort,
        starts_at=data.starts_at,
        actor=actor(event),
        reason=f"enrolled through the events API ({event.source})",
        now=now,
    )
    _wake(enrollment_key(student.email, program.pk), now=now)


def milestone_reached(event: InboundEvent, data: schemas.MilestoneReached, now: datetime) -> None:
    program = _program(data.program)
    milestone = program.milestones.filter(slug=data.milestone).first()
    if milestone is None:
        raise Permanent(f"{program.title} has no milestone {data.milestone!r}.")
    enrollment = _enrollment(data.email, program)
    engine.enrollment_record_milestone(
        enrollment=enrollment, milestone=milestone, source=event.source[:40], actor=actor(event), now=now
    )


def program_completed(event: InboundEvent, data: schemas.ProgramCompleted, now: datetime) -> None:
    program = _program(data.program)
    enrollment = _enrollment(data.email, program)
    if enrollment.stage == Stage.COMPLETED:
        return
    if enrollment.stage == Stage.WITHDRAWN:
        raise Permanent(f"{data.email} has withdrawn from {program.title}; not marked as graduated.")
    if enrollment.stage == Stage.ENROLLED:
        engine.enrollment_change_stage(
            enrollment=enrollment,
            to_stage=Stage.ACTIVE,
            actor=actor(event),
            reason=f"completed before the scheduled start ({event.source})",
            now=now,
        )
    engine.enrollment_change_stage(
        enrollment=enrollment,
        to_stage=Stage.COMPLETED,
        actor=actor(event),
        reason=f"completed the program, reported by {event.source}",
        now=now,
    )


def enrollment_withdrawn(event: InboundEvent, data: schemas.EnrollmentWithdrawn, now: datetime) -> None:
    program = _program(data.program)
    enrollment = _enrollment(data.email, program)
    if enrollment.stage == Stage.WITHDRAWN:
        return
    engine.enrollment_change_stage(
        enrollment=enrollment,
        to_stage=Stage.WITHDRAWN,
        actor=actor(event),
        reason=(data.reason or f"withdrew, reported by {event.source}")[:255],
        now=now,
    )


def checkout_lead(*, email: str, program: ProgramPage) -> FriendLead | None:
    """The friend's checkout hand-off for this inbox and program (any alias), if there was one."""
    return (
        FriendLead.objects.filter(program=program, status=LeadStatus.CHECKOUT, inbox=mailbox(email))
        .order_by("registered_at", "pk")
        .first()
    )


def purchase_completed(event: InboundEvent, data: schemas.PurchaseCompleted, now: datetime) -> None:
    if Purchase.objects.filter(source=event.source, order_id=data.order_id).exists():
        return  # one purchase per order, whichever event (or replay) reported it first
    program = _program(data.program)
    # A checkout proves payment, not who typed the name: an existing student keeps theirs.
    enrollment = engine.student_enroll(
        email=data.email,
        program=program,
        first_name=data.first_name,
        keep_existing=True,
        actor=actor(event),
        reason=f"bought order {data.order_id} ({event.source})"[:255],
        now=now,
    )
    try:
        with transaction.atomic():
            Purchase.objects.create(
                source=event.source,
                order_id=data.order_id,
                email=data.email,
                program=program,
                enrollment=enrollment,
                amount=data.amount,
                currency=data.currency,
                ref=data.ref,
                coupon=data.coupon,
                affiliate=data.affiliate,
                friend_lead=checkout_lead(email=data.email, program=program),
                purchased_at=now,
                inbound_event=event,
            )
    except IntegrityError:
        return  # another event for the same order won the race; it stands
    conversions.conversion_record(
        program=program,
        email=data.email,
        source=event.source,
        order_id=data.order_id,
        codes={"ref": data.ref, "coupon": data.coupon, "affiliate": data.affiliate},
        occurred_at=now,
        now=now,
    )
    _wake(purchase_key(event.source, data.order_id), enrollment_key(data.email, program.pk), now=now)


def purchase_refunded(event: InboundEvent, data: schemas.PurchaseRefunded, now: datetime) -> None:
    purchase = Purchase.objects.select_for_update().filter(source=event.source, order_id=data.order_id).first()
    if purchase is None:
        raise Wait(purchase_key(event.source, data.order_id), f"waiting for the purchase of order {data.order_id}")
    if any(refund.get("event") == event.pk for refund in purchase.refunds):
        return  # this refund was recorded already (a replay)
    amount = data.amount if data.amount is not None else purchase.amount
    purchase.refunds = [
        *purchase.refunds,
        {"event": event.pk, "amount": None if amount is None else str(amount), "at": now.isoformat()},
    ]
    amounts = [Decimal(r["amount"]) for r in purchase.refunds if r.get("amount") is not None]
    purchase.refund_amount = sum(amounts, Decimal(0)) if amounts else None
    purchase.refunded_at = purchase.refunded_at or now
    purchase.save(update_fields=["refunds", "refund_amount", "refunded_at"])
    conversions.conversion_refund(source=event.source, order_id=data.order_id, now=now)


HANDLERS = {
    "enrollment.created": enrollment_created,
    "milestone.reached": milestone_reached,
    "program.completed": program_completed,
    "enrollment.withdrawn": enrollment_withdrawn,
    "purchase.completed": purchase_completed,
    "purchase.refunded": purchase_refunded,
}


def handle(*, event: InboundEvent, envelope, now: datetime) -> None:
    HANDLERS[envelope.type](event, envelope.data, now)
