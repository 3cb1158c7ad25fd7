"""What an accepted event does: each type through the engine's services, in any order, once."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from campaigns.models import Enrollment, JourneyEvent, MilestoneReached, Stage, Student
from integrations import handlers, services
from integrations.models import InboundEvent, Outcome, Purchase
from referrals.models import FriendLead, LeadStatus
from tests.factories import enroll
from tests.integrations.conftest import student_data

pytestmark = pytest.mark.django_db


def event_of(msg_id: str) -> InboundEvent:
    return InboundEvent.objects.get(external_id=msg_id, accepted=True)


def test_enrollment_created_enrolls_through_the_service_with_the_api_actor(post, program):
    post(
        "enrollment.created",
        {
            "student": {
                "email": "Ann@Example.ORG",
                "first_name": "Ann",
                "last_name": "Lee",
                "timezone": "Europe/Paris",
                "marketing_consent": True,
            },
            "program": "focus",
            "cohort": "2026-spring",
            "starts_at": "2026-04-01T09:00:00+02:00",
        },
        msg_id="msg_e1",
    )
    enrollment = Enrollment.objects.get()
    student = enrollment.student
    assert (student.email, student.full_name, student.time_zone, student.marketing_consent) == (
        "Ann@example.org",
        "Ann Lee",
        "Europe/Paris",
        True,
    )
    assert enrollment.cohort == "2026-spring" and enrollment.starts_at.isoformat() == "2026-04-01T07:00:00+00:00"
    enrolled = JourneyEvent.objects.get(kind="enrolled")
    assert enrolled.actor == "api:msg_e1" and "events API" in enrolled.reason


def test_the_platform_may_correct_an_existing_students_details(post, program):
    enroll(program=program, email="ann@example.org", first_name="Annie", marketing_consent=False)
    post("enrollment.created", student_data(marketing_consent=True))
    student = Student.objects.get()
    assert student.first_name == "Ann" and student.marketing_consent
    assert Enrollment.objects.count() == 1


def test_milestone_completion_and_withdrawal_go_through_the_services(post, program):
    now = timezone.now()
    enroll(program=program, email="ann@example.org", now=now)
    enroll(program=program, email="bo@example.org", now=now)
    post(
        "milestone.reached",
        {"email": "ann@example.org", "program": "focus", "milestone": "platform-only"},
        msg_id="msg_m",
    )
    post("program.completed", {"email": "ann@example.org", "program": "focus"}, msg_id="msg_c")
    post(
        "enrollment.withdrawn",
        {"email": "bo@example.org", "program": "focus", "reason": "moved abroad"},
        msg_id="msg_w",
    )
    ann = Enrollment.objects.get(student__email="ann@example.org")
    bo = Enrollment.objects.get(student__email="bo@example.org")
    assert ann.stage == Stage.COMPLETED and bo.stage == Stage.WITHDRAWN
    reached = MilestoneReached.objects.get(enrollment=ann)
    assert reached.milestone.slug == "platform-only" and reached.source == "api"
    events = {(e.kind, e.to_stage, e.actor) for e in JourneyEvent.objects.exclude(actor="test")}
    assert ("milestone_reached", "", "api:msg_m") in events
    assert ("stage_changed", Stage.COMPLETED, "api:msg_c") in events
    assert ("stage_changed", Stage.WITHDRAWN, "api:msg_w") in events
    assert JourneyEvent.objects.get(to_stage=Stage.WITHDRAWN).reason == "moved abroad"
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {Outcome.PROCESSED}


def test_a_milestone_before_its_enrollment_waits_then_is_processed_when_it_arrives(post, program):
    post(
        "milestone.reached",
        {"email": "ann@example.org", "program": "focus", "milestone": "first-win"},
        msg_id="msg_early",
    )
    early = event_of("msg_early")
    assert early.outcome == Outcome.WAITING and "ann@example.org" in early.error and early.next_attempt_at
    assert not MilestoneReached.objects.exists()
    post("enrollment.created", student_data(), msg_id="msg_late")
    early.refresh_from_db()
    assert early.outcome == Outcome.PROCESSED and early.error == ""
    assert MilestoneReached.objects.get().milestone.slug == "first-win"


def test_a_waiting_event_is_retried_by_the_periodic_pass_and_gives_up_after_three_days(post, program):
    post("program.completed", {"email": "ghost@example.org", "program": "focus"}, msg_id="msg_ghost")
    event = event_of("msg_ghost")
    received = event.received_at
    # Enrolled by another way (the admin): the periodic pass finds it.
    post("program.completed", {"email": "bo@example.org", "program": "focus"}, msg_id="msg_bo")
    enroll(program=program, email="bo@example.org")
    bo = event_of("msg_bo")
    assert services.events_process_due(now=bo.next_attempt_at) == {Outcome.PROCESSED: 1, Outcome.WAITING: 1}
    assert Enrollment.objects.get(student__email="bo@example.org").stage == Stage.COMPLETED
    event.refresh_from_db()
    assert event.outcome == Outcome.WAITING
    later = received + timedelta(days=3, minutes=1)
    assert services.events_process_due(now=later) == {Outcome.FAILED: 1}
    event.refresh_from_db()
    assert event.outcome == Outcome.FAILED and "gave up after waiting 3 days" in event.error


def test_a_failure_is_retried_with_backoff_then_succeeds(post, program):
    real = handlers.HANDLERS["enrollment.created"]
    flaky = mock.Mock(side_effect=[OperationalError("database is locked"), OperationalError("again"), real])
    with mock.patch.dict(handlers.HANDLERS, {"enrollment.created": lambda *a: _call(flaky, real, *a)}):
        post("enrollment.created", student_data(), msg_id="msg_flaky")
        event = event_of("msg_flaky")
        first_failure = event.next_attempt_at
        assert event.outcome == Outcome.PENDING and event.attempts == 1 and "database is locked" in event.error
        # Not yet due: the pass leaves it alone.
        assert services.events_process_due(now=first_failure - timedelta(seconds=1)) == {}
        assert services.events_process_due(now=first_failure) == {Outcome.PENDING: 1}
        event.refresh_from_db()
        # The second wait is twice the first (60 s, then 120 s).
        assert event.next_attempt_at - first_failure == timedelta(seconds=120)
        assert services.events_process_due(now=event.next_attempt_at) == {Outcome.PROCESSED: 1}
    event.refresh_from_db()
    assert event.outcome == Outcome.PROCESSED and event.attempts == 3
    assert Enrollment.objects.count() == 1


def _call(flaky, real, *args):
    effect = flaky()
    return effect(*args) if callable(effect) else effect


def test_a_failure_gives_up_after_the_last_attempt(post, program, settings):
    settings.EVENTS_MAX_ATTEMPTS = 2
    with mock.patch.dict(handlers.HANDLERS, {"enrollment.created": mock.Mock(side_effect=OperationalError("down"))}):
        post("enrollment.created", student_data(), msg_id="msg_down")
        event = event_of("msg_down")
        services.events_process_due(now=event.next_attempt_at)
    event.refresh_from_db()
    assert event.outcome == Outcome.FAILED and "gave up after 2 attempts" in event.error


def test_a_permanent_error_fails_at_once_with_a_clear_message(post, program):
    enrollment = enroll(program=program, email="ann@example.org")
    from campaigns import services as engine

    engine.enrollment_change_stage(enrollment=enrollment, to_stage=Stage.WITHDRAWN, actor="test", reason="left")
    post(
        "milestone.reached",
        {"email": "ann@example.org", "program": "focus", "milestone": "first-win"},
        msg_id="msg_gone",
    )
    event = event_of("msg_gone")
    assert event.outcome == Outcome.FAILED and "withdrawn" in event.error and event.attempts == 1


def test_a_purchase_enrolls_the_buyer_records_the_evidence_and_links_the_checkout_lead(post, program):
    lead = FriendLead.objects.create(
        program=program, email="bo+course@example.org", first_name="Bo", status=LeadStatus.CHECKOUT
    )
    post(
        "purchase.completed",
        {
            "order_id": "ord_1",
            "email": "bo@example.org",
            "program": "focus",
            "first_name": "Bo",
            "ref": "ABCD2345",
            "coupon": "FRIEND10",
            "amount": "199.00",
            "currency": "eur",
        },
        msg_id="msg_buy",
    )
    purchase = Purchase.objects.get()
    assert (purchase.source, purchase.order_id, purchase.email, purchase.program_id) == (
        "api",
        "ord_1",
        "bo@example.org",
        program.pk,
    )
    assert (purchase.amount, purchase.currency, purchase.ref, purchase.coupon) == (
        Decimal("199.000"),
        "EUR",
        "ABCD2345",
        "FRIEND10",
    )
    assert purchase.friend_lead == lead and purchase.inbound_event == event_of("msg_buy")
    assert purchase.enrollment.student.email == "bo@example.org"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CHECKOUT and lead.link is None  # evidence only: nothing credited
    assert JourneyEvent.objects.get(kind="enrolled").actor == "api:msg_buy"


def test_a_purchase_does_not_rename_an_existing_student(post, program):
    enroll(program=program, email="ann@example.org", first_name="Ann")
    post("purchase.completed", {"order_id": "o", "email": "ann@example.org", "program": "focus", "first_name": "Zed"})
    assert Student.objects.get().first_name == "Ann"


def test_one_purchase_per_order_whatever_the_event_id(post, program):
    data = {"order_id": "ord_2", "email": "bo@example.org", "program": "focus"}
    post("purchase.completed", data, msg_id="msg_a")
    post("purchase.completed", {**data, "amount": 5}, msg_id="msg_b")
    assert Purchase.objects.count() == 1 and Purchase.objects.get().amount is None
    assert event_of("msg_b").outcome == Outcome.PROCESSED


def test_a_refund_before_its_purchase_waits_then_marks_it_refunded(post, program):
    post("purchase.refunded", {"order_id": "ord_3", "amount": "50"}, msg_id="msg_refund")
    assert event_of("msg_refund").outcome == Outcome.WAITING
    post(
        "purchase.completed",
        {"order_id": "ord_3", "email": "bo@example.org", "program": "focus", "amount": 199},
        msg_id="msg_purchase",
    )
    purchase = Purchase.objects.get()
    assert purchase.refunded_at is not None and purchase.refund_amount == Decimal("50")
    assert event_of("msg_refund").outcome == Outcome.PROCESSED


def test_a_full_refund_without_an_amount_and_a_replay_counts_once(post, program, admin_user):
    post("purchase.completed", {"order_id": "ord_4", "email": "bo@example.org", "program": "focus", "amount": 80})
    post("purchase.refunded", {"order_id": "ord_4"}, msg_id="msg_full")
    with post.capture(execute=True):
        services.event_replay(event=event_of("msg_full"), actor="admin:alice")
    purchase = Purchase.objects.get()
    assert purchase.refund_amount == Decimal("80") and len(purchase.refunds) == 1


def test_replaying_every_type_acts_once(post, program):
    post("enrollment.created", student_data(), msg_id="r1")
    post("milestone.reached", {"email": "ann@example.org", "program": "focus", "milestone": "first-win"}, msg_id="r2")
    post("program.completed", {"email": "ann@example.org", "program": "focus"}, msg_id="r3")
    post("purchase.completed", {"order_id": "o9", "email": "cy@example.org", "program": "focus"}, msg_id="r4")
    post("enrollment.withdrawn", {"email": "cy@example.org", "program": "focus"}, msg_id="r5")
    before = JourneyEvent.objects.count()
    for event in InboundEvent.objects.filter(accepted=True):
        with post.capture(execute=True):
            services.event_replay(event=event, actor="test")
    assert JourneyEvent.objects.count() == before
    assert set(InboundEvent.objects.filter(accepted=True).values_list("outcome", flat=True)) == {Outcome.PROCESSED}
    assert Purchase.objects.count() == 1 and MilestoneReached.objects.count() == 1


def test_an_unverified_request_cannot_be_replayed(post):
    post.raw(b"{}", headers={})
    with pytest.raises(services.NotReplayable):
        services.event_replay(event=InboundEvent.objects.get(), actor="test")


def test_a_pending_event_whose_task_was_lost_is_picked_up_by_the_periodic_pass(client, program):
    import json as _json

    from tests.integrations.conftest import URL, signed_headers

    body = _json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    # No on_commit capture: the enqueue never happens, as when the queue is down.
    assert (
        client.post(
            URL, data=body, content_type="application/json", headers=signed_headers(body, msg_id="lost")
        ).status_code
        == 202
    )
    event = event_of("lost")
    assert event.outcome == Outcome.PENDING and not Enrollment.objects.exists()
    assert services.events_process_due(now=event.next_attempt_at) == {Outcome.PROCESSED: 1}
    assert Enrollment.objects.count() == 1


def test_process_due_is_a_periodic_task(settings):
    import integrations.tasks  # noqa: F401 - the workers import it by its dotted path
    from mailers.runner import registered_tasks

    assert "integrations.tasks.process_due" in settings.PERIODIC_TASKS
    assert "integrations.tasks.process_due" in registered_tasks()
