"""The batch pass: many accepted events in one transaction, new students' enrollments set-based, with the
same rows and outcomes as processing each event on its own."""

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from campaigns import services as engine
from campaigns.models import Enrollment, JourneyEvent, MilestoneReached, ScheduledAction, Stage, Student
from integrations import services
from integrations.models import InboundEvent, Outcome
from tests.factories import enroll, feedback_plan, program_page, sharing_prompt
from tests.referrals.graduates import make_link

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def receive(msg_id: str, event_type: str, data: dict, now: datetime) -> InboundEvent:
    """An accepted event as the door stores it; its task never runs (the on-commit hook is not executed)."""
    body = json.dumps({"type": event_type, "data": data}).encode()
    return services.event_receive(
        source="api", external_id=msg_id, event_type=event_type, headers={}, body=body, now=now
    ).event


def student(email: str, **extra) -> dict:
    return {"email": email, "first_name": "Ann", "last_name": "Lee", "timezone": "Europe/Paris", **extra}


def mixed(prefix: str) -> list[InboundEvent]:
    """Enrollments, a milestone after one of them, a milestone before its enrollment, a bad event, an existing
    student whose details the API corrects, a second enrollment of one person and a duplicate delivery."""
    at = NOW - timedelta(minutes=5)

    def send(name, event_type, data):
        nonlocal at
        at += timedelta(seconds=1)
        return receive(f"{prefix}-{name}", event_type, data, at)

    def email(name):
        return f"{prefix}{name}@example.org"

    events = [
        send("m-dan", "milestone.reached", {"email": email("dan"), "program": "focus", "milestone": "first-win"}),
        send(
            "e-ann",
            "enrollment.created",
            {"student": student(email("ann"), marketing_consent=True), "program": "focus"},
        ),
        send(
            "e-bo",
            "enrollment.created",
            {
                "student": student(email("bo")),
                "program": "focus",
                "cohort": "spring",
                "starts_at": "2026-04-01T09:00:00Z",
            },
        ),
        send(
            "e-bad", "enrollment.created", {"student": student(email("eve"), timezone="Mars/Base"), "program": "focus"}
        ),
        send(
            "e-carol",
            "enrollment.created",
            {"student": student(email("carol"), first_name="Carol"), "program": "focus"},
        ),
        send("e-dan", "enrollment.created", {"student": student(email("dan")), "program": "focus"}),
        send("m-ann", "milestone.reached", {"email": email("ann"), "program": "focus", "milestone": "first-win"}),
        send("e-ann2", "enrollment.created", {"student": student(email("ann"), first_name="Anna"), "program": "focus"}),
        send("e-fay", "enrollment.created", {"student": student(email("fay")), "program": "other"}),
    ]
    receive(
        f"{prefix}-e-ann",
        "enrollment.created",
        {"student": student(email("ann"), marketing_consent=True), "program": "focus"},
        at,
    )
    assert InboundEvent.objects.filter(external_id=f"{prefix}-e-ann", outcome=Outcome.DUPLICATE).count() == 1
    return events


def snapshot(prefix: str) -> dict:
    def plain(value):
        return json.loads(json.dumps(value, default=str).replace(prefix, "X"))

    mine = {"student__email__startswith": prefix}
    return plain(
        {
            "students": sorted(
                Student.objects.filter(email__startswith=prefix).values_list(
                    "email", "first_name", "last_name", "time_zone", "marketing_consent", "marketing_consent_at"
                )
            ),
            "enrollments": sorted(
                Enrollment.objects.filter(**mine).values_list(
                    "student__email", "cohort", "stage", "enrolled_at", "starts_at"
                )
            ),
            "journey": sorted(
                JourneyEvent.objects.filter(**mine).values_list(
                    "student__email", "kind", "from_stage", "to_stage", "reason", "actor", "occurred_at", "data"
                ),
                key=str,
            ),
            "schedule": sorted(
                ScheduledAction.objects.filter(enrollment__student__email__startswith=prefix).values_list(
                    "enrollment__student__email", "kind", "key", "due_at", "payload", "status"
                ),
                key=str,
            ),
            "milestones": sorted(
                MilestoneReached.objects.filter(enrollment__student__email__startswith=prefix).values_list(
                    "enrollment__student__email", "milestone__slug", "source"
                )
            ),
            "actions": sorted(
                ScheduledAction.objects.filter(enrollment__student__email__startswith=prefix).values_list(
                    "enrollment__student__email", "key", "status", "done_at"
                ),
                key=str,
            ),
            "events": sorted(
                InboundEvent.objects.filter(external_id__startswith=prefix).values_list(
                    "external_id", "outcome", "error", "waiting_for", "attempts", "next_attempt_at", "processed_at"
                )
            ),
        }
    )


@pytest.mark.django_db
def test_a_batch_of_mixed_events_ends_as_processing_them_one_by_one(program, caplog):
    for prefix in ("zq1", "zq2"):
        enroll(program=program, email=f"{prefix}carol@example.org", first_name="Caz", now=NOW - timedelta(days=1))
    one_by_one = mixed("zq1")
    for event in one_by_one:
        services.event_process(event_id=event.pk, now=NOW)
    events = mixed("zq2")
    done = services.events_process_batch(now=NOW, fresh=True, exclude=[event.pk for event in one_by_one])
    assert set(done) == {event.pk for event in events}
    assert not [record for record in caplog.records if record.levelname == "ERROR"]  # the bulk path took its share
    expected = snapshot("zq1")
    assert snapshot("zq2") == expected
    outcomes = {row[0]: row[1:4] for row in expected["events"]}
    assert outcomes["X-e-bad"][0] == Outcome.FAILED and "time zone" in outcomes["X-e-bad"][1].lower()
    assert outcomes["X-e-fay"][0] == Outcome.FAILED  # no program "other"
    assert outcomes["X-m-dan"][0] == Outcome.WAITING  # woken by dan's enrollment: due again now
    assert {outcomes[name][0] for name in ("X-e-ann", "X-e-bo", "X-e-carol", "X-e-dan", "X-m-ann", "X-e-ann2")} == {
        Outcome.PROCESSED
    }
    assert [row for row in expected["students"] if row[0] == "Xcarol@example.org"][0][1] == "Carol"
    assert [row for row in expected["students"] if row[0] == "Xann@example.org"][0][1] == "Anna"
    # The woken milestone is due: the next pass records it.
    services.events_process_batch(now=NOW)
    assert MilestoneReached.objects.filter(enrollment__student__email="zq2dan@example.org").count() == 1


def milestone_events(prefix: str) -> list[InboundEvent]:
    """Milestones of started students (one of them graduated), two in a row for one person, one reached
    already, one after a withdrawal, one of a student not started yet, an unknown milestone, one before
    its enrollment, and a run broken by another kind of event."""
    at = NOW - timedelta(minutes=5)

    def send(name, milestone, who, event_type="milestone.reached"):
        nonlocal at
        at += timedelta(seconds=1)
        data = {"email": f"{prefix}{who}@example.org", "program": "focus", "milestone": milestone}
        if event_type == "program.completed":
            data.pop("milestone")
        return receive(f"{prefix}-{name}", event_type, data, at)

    return [
        send("m-ann", "first-win", "ann"),
        send("m-bo", "first-win", "bo"),
        send("m-ann-half", "halfway", "ann"),  # the same person again: a new run
        send("m-cy", "halfway", "cy"),  # graduated
        send("m-bo-again", "first-win", "bo"),  # reached already
        send("m-dee", "first-win", "dee"),  # withdrawn
        send("m-eli", "first-win", "eli"),  # not started: a stage change first
        send("m-fay", "no-such-milestone", "fay"),
        send("m-gus", "first-win", "gus"),  # not enrolled (yet)
        send("c-ann", "", "ann", event_type="program.completed"),
        send("m-fay-half", "halfway", "fay"),
    ]


def started(program, prefix: str) -> None:
    past = NOW - timedelta(days=10)
    for who in ("ann", "bo", "cy", "dee", "eli", "fay"):
        enroll(program=program, email=f"{prefix}{who}@example.org", starts_at=past, now=past)
    ids = dict(Enrollment.objects.filter(student__email__startswith=prefix).values_list("student__email", "pk"))

    def move(who, to_stage, from_stage=Stage.ACTIVE):
        engine.enrollments_change_stage(
            enrollment_ids=[ids[f"{prefix}{who}@example.org"]],
            from_stage=from_stage,
            to_stage=to_stage,
            actor="test",
            reason="test",
            now=past,
        )

    for who in ("ann", "bo", "cy", "dee", "fay"):
        move(who, Stage.ACTIVE, Stage.ENROLLED)
    move("cy", Stage.COMPLETED)
    move("dee", Stage.WITHDRAWN)


@pytest.mark.django_db
def test_a_batch_of_milestones_ends_as_processing_them_one_by_one(program, caplog, django_assert_max_num_queries):
    sharing_prompt(program=program, milestone_slug="first-win")
    feedback_plan(program=program, after_milestone_slug="halfway")
    for prefix in ("zm1", "zm2"):
        started(program, prefix)
    one_by_one = milestone_events("zm1")
    for event in one_by_one:
        services.event_process(event_id=event.pk, now=NOW)
    events = milestone_events("zm2")
    done = services.events_process_batch(now=NOW, fresh=True, exclude=[event.pk for event in one_by_one])
    assert set(done) == {event.pk for event in events}
    assert not [record for record in caplog.records if record.levelname == "ERROR"]  # the runs took their share
    expected = snapshot("zm1")
    assert snapshot("zm2") == expected
    outcomes = {row[0]: row[1:3] for row in expected["events"]}
    assert outcomes["X-m-dee"][0] == Outcome.FAILED and "withdrawn" in outcomes["X-m-dee"][1]
    assert outcomes["X-m-fay"][0] == Outcome.FAILED and "no milestone" in outcomes["X-m-fay"][1]
    assert outcomes["X-m-gus"][0] == Outcome.WAITING
    assert {outcomes[f"X-{name}"][0] for name in ("m-ann", "m-bo", "m-ann-half", "m-cy", "m-bo-again", "m-eli")} == {
        Outcome.PROCESSED
    }
    reached = {tuple(row[:2]) for row in expected["milestones"]}
    assert ("Xeli@example.org", "first-win") in reached and ("Xcy@example.org", "halfway") in reached
    actors = {row[5] for row in expected["journey"] if row[1] == "milestone_reached"}
    assert "api:X-m-ann" in actors and "api:X-m-bo" in actors  # each event's own sender
    keys = {row[1] for row in expected["actions"]}
    assert {key for key in keys if key.startswith("milestone:")} and len(
        keys
    ) > 2  # fallbacks and what reaching schedules
    cancelled = {tuple(row[:2]) for row in expected["actions"] if row[2] == "cancelled"}
    assert any(who == "Xann@example.org" for who, _ in cancelled)  # the platform reported it: no fallback later

    # A run of many started students costs a few queries, not a dozen each.
    events = []
    for n in range(30):
        enroll(
            program=program, email=f"zr{n}@example.org", starts_at=NOW - timedelta(days=1), now=NOW - timedelta(days=1)
        )
        events.append(
            receive(
                f"zr-{n}",
                "milestone.reached",
                {"email": f"zr{n}@example.org", "program": "focus", "milestone": "first-win"},
                NOW,
            )
        )
    engine.enrollments_change_stage(
        enrollment_ids=Enrollment.objects.filter(student__email__startswith="zr").values_list("pk", flat=True),
        from_stage=Stage.ENROLLED,
        to_stage=Stage.ACTIVE,
        actor="test",
        reason="test",
        now=NOW - timedelta(days=1),
    )
    with django_assert_max_num_queries(40):
        done = services.events_process_batch(now=NOW, fresh=True)
    assert set(done.values()) == {Outcome.PROCESSED} and len(done) == 30
    assert MilestoneReached.objects.filter(enrollment__student__email__startswith="zr").count() == 30


@pytest.mark.django_db
def test_the_queued_task_of_an_event_a_batch_took_reads_one_row(program, settings, django_assert_num_queries):
    settings.EVENTS_BATCH_SIZE = 2  # the first task takes the whole backlog, two at a time
    events = [
        receive(f"q-{n}", "enrollment.created", {"student": student(f"q{n}@example.org"), "program": "focus"}, NOW)
        for n in range(5)
    ]
    assert services.event_process_queued(event_id=events[0].pk, now=NOW) == Outcome.PROCESSED
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {Outcome.PROCESSED}
    assert Enrollment.objects.count() == 5
    with django_assert_num_queries(1):
        assert services.event_process_queued(event_id=events[3].pk, now=NOW) == Outcome.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_two_batch_passes_at_once_act_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (skip locked): PostgreSQL")
    program_page(slug="focus", milestones=[("first-win", 7)])
    for n in range(60):
        receive(f"t-{n}", "enrollment.created", {"student": student(f"t{n}@example.org"), "program": "focus"}, NOW)
    results, errors = [], []
    start = threading.Barrier(2)

    def work():
        try:
            start.wait()
            results.append(services.events_process_batch(now=NOW, fresh=True, limit=40))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    taken = [pk for result in results for pk in result]
    assert len(taken) == len(set(taken))  # no event in both passes
    services.events_process_batch(now=NOW, fresh=True)
    assert set(InboundEvent.objects.values_list("outcome", "attempts")) == {(Outcome.PROCESSED, 1)}
    assert Student.objects.count() == Enrollment.objects.count() == 60
    assert JourneyEvent.objects.filter(kind="enrolled").count() == 60


def purchase_events(prefix: str, code: str) -> list[InboundEvent]:
    """Purchases by students (the bulk run's own), an alias of one of them, one carrying a graduate's
    code, a new buyer, a friend with a lead, a buyer with an earlier conversion, an order reported again
    and a bad name."""
    at = NOW - timedelta(minutes=5)

    def send(name, who, order, **extra):
        nonlocal at
        at += timedelta(seconds=1)
        data = {"order_id": f"{prefix}-{order}", "email": f"{prefix}{who}@example.org", "program": "focus", **extra}
        return receive(f"{prefix}-{name}", "purchase.completed", data, at)

    return [
        send("p-ann", "ann", "o1"),
        send("p-bo", "bo", "o2", amount="49.00", currency="EUR", first_name="Bo"),
        send("p-ann-alias", "ann+x", "o3"),  # the same inbox: a new run, and a new student refused as not first
        send("p-cy-code", "cy", "o4", ref=code),  # evidence to weigh
        send("p-new", "newbie", "o5", first_name="Nia"),  # not a student yet
        send("p-fay", "fay", "o6"),  # registered through a link: a friend to judge
        send("p-hal", "hal", "o7"),  # bought before
        send("p-dee-again", "dee", "o1"),  # an order reported again (by another address)
        send("p-dee", "dee", "o8"),
        send("p-eve", "eve", "o9", first_name="http://spam.example"),
    ]


def buyers(program, prefix: str) -> str:
    from referrals import leads

    link = make_link(program, email=f"{prefix}gus@example.org", now=NOW - timedelta(days=5))
    for who in ("ann", "bo", "cy", "dee", "eve", "fay", "hal"):
        enroll(program=program, email=f"{prefix}{who}@example.org", now=NOW - timedelta(days=3))
    leads.lead_register(link=link, first_name="Fay", email=f"{prefix}fay@example.org", now=NOW - timedelta(days=2))
    earlier = receive(
        f"{prefix}-p-hal-0",
        "purchase.completed",
        {"order_id": f"{prefix}-o0", "email": f"{prefix}hal@example.org", "program": "focus"},
        NOW - timedelta(days=1),
    )
    services.event_process(event_id=earlier.pk, now=NOW - timedelta(days=1))
    return link.code


def purchase_snapshot(prefix: str, code: str) -> dict:
    from integrations.models import Purchase
    from referrals.conversions.models import Conversion

    def no_ids(value):
        if isinstance(value, dict):
            return {k: no_ids(v) for k, v in value.items() if k != "id"}
        return [no_ids(v) for v in value] if isinstance(value, list) else value

    def plain(value):
        text = json.dumps(value, default=str).replace(prefix, "X").replace(code, "CODE")
        return json.loads(re.sub(r"conversion \d+", "conversion N", text))  # a reason names the first by id

    return plain(
        {
            "purchases": sorted(
                Purchase.objects.filter(order_id__startswith=prefix).values_list(
                    "order_id",
                    "email",
                    "enrollment__student__email",
                    "amount",
                    "currency",
                    "ref",
                    "friend_lead__email",
                    "purchased_at",
                    "refunds",
                ),
                key=str,
            ),
            "conversions": sorted(
                (
                    [*row[:-1], no_ids(row[-1])]
                    for row in Conversion.objects.filter(friend_email__startswith=prefix).values_list(
                        "friend_email",
                        "friend_inbox",
                        "source",
                        "order_id",
                        "rule",
                        "status",
                        "is_first",
                        "reasons",
                        "graduate__email",
                        "lead__email",
                        "occurred_at",
                        "hold_until",
                        "evidence",
                    )
                ),
                key=str,
            ),
            "students": sorted(Student.objects.filter(email__startswith=prefix).values_list("email", "first_name")),
            "enrollments": sorted(
                Enrollment.objects.filter(student__email__startswith=prefix).values_list("student__email", "stage")
            ),
            "events": sorted(
                InboundEvent.objects.filter(external_id__startswith=prefix).values_list(
                    "external_id", "outcome", "error", "waiting_for", "attempts", "next_attempt_at", "processed_at"
                )
            ),
        }
    )


@pytest.mark.django_db
def test_a_batch_of_purchases_ends_as_processing_them_one_by_one(program, caplog, django_assert_max_num_queries):
    from integrations.models import Purchase
    from referrals.conversions.models import Conversion

    codes = {prefix: buyers(program, prefix) for prefix in ("zp1", "zp2")}
    one_by_one = purchase_events("zp1", codes["zp1"])
    for event in one_by_one:
        services.event_process(event_id=event.pk, now=NOW)
    events = purchase_events("zp2", codes["zp2"])
    done = services.events_process_batch(now=NOW, fresh=True, exclude=[event.pk for event in one_by_one])
    assert set(done) == {event.pk for event in events}
    assert not [record for record in caplog.records if record.levelname == "ERROR"]  # the runs took their share
    expected = purchase_snapshot("zp1", codes["zp1"])
    assert purchase_snapshot("zp2", codes["zp2"]) == expected
    outcomes = {row[0]: row[1:3] for row in expected["events"]}
    assert outcomes["X-p-eve"][0] == Outcome.FAILED
    assert {outcome for name, (outcome, _) in outcomes.items() if name != "X-p-eve"} == {Outcome.PROCESSED}
    status = {row[3]: row[5] for row in expected["conversions"]}
    assert status["X-o1"] == status["X-o2"] == status["X-o8"] == "unattributed"
    assert status["X-o3"] == status["X-o7"] == "refused"  # not the inbox's first
    assert status["X-o4"] == "refused"  # a student before the code's click
    assert len(expected["purchases"]) == 9  # o1 once

    # A run of many plain purchases costs a few queries, not twenty each.
    for n in range(30):
        enroll(program=program, email=f"zs{n}@example.org", now=NOW - timedelta(days=1))
    for n in range(30):
        receive(
            f"zs-{n}",
            "purchase.completed",
            {"order_id": f"zs-{n}", "email": f"zs{n}@example.org", "program": "focus"},
            NOW,
        )
    with django_assert_max_num_queries(30):
        done = services.events_process_batch(now=NOW, fresh=True)
    assert set(done.values()) == {Outcome.PROCESSED} and len(done) == 30
    assert Purchase.objects.filter(order_id__startswith="zs-").count() == 30
    assert set(Conversion.objects.filter(order_id__startswith="zs-").values_list("status", "is_first")) == {
        ("unattributed", True)
    }


@pytest.mark.django_db
def test_interleaved_kinds_about_different_people_share_one_run(program, django_assert_max_num_queries):
    """The events API's usual traffic: one person's milestone, the next one's purchase, and so on."""
    started_at = NOW - timedelta(days=1)
    for n in range(30):
        enroll(program=program, email=f"zi{n}@example.org", starts_at=started_at, now=started_at)
    engine.enrollments_change_stage(
        enrollment_ids=Enrollment.objects.values_list("pk", flat=True),
        from_stage=Stage.ENROLLED,
        to_stage=Stage.ACTIVE,
        actor="test",
        reason="test",
        now=started_at,
    )
    for n in range(30):
        email = f"zi{n}@example.org"
        if n % 2:
            receive(f"zi-{n}", "milestone.reached", {"email": email, "program": "focus", "milestone": "first-win"}, NOW)
        else:
            receive(f"zi-{n}", "purchase.completed", {"order_id": f"zi-{n}", "email": email, "program": "focus"}, NOW)
    with django_assert_max_num_queries(40):
        done = services.events_process_batch(now=NOW, fresh=True)
    assert len(done) == 30 and set(done.values()) == {Outcome.PROCESSED}
    assert MilestoneReached.objects.count() == 15
    assert set(JourneyEvent.objects.filter(kind="milestone_reached").values_list("actor", flat=True)) == {
        f"api:zi-{n}" for n in range(1, 30, 2)
    }


def test_a_run_ends_at_a_second_event_for_the_same_inbox_whatever_the_kinds():
    from integrations import batches, schemas

    def item(kind, data):
        return batches.Item(kind=kind, data=schemas.EVENT_ADAPTER.validate_python({"type": kind, "data": data}).data)

    run = batches.Run()
    run.add(None, item("enrollment.created", {"student": student("Ann.Lee@gmail.com"), "program": "focus"}))
    run.add(None, item("milestone.reached", {"email": "bo@example.org", "program": "focus", "milestone": "m"}))
    alias = item("milestone.reached", {"email": "annlee+x@googlemail.com", "program": "focus", "milestone": "m"})
    same_order = item("purchase.completed", {"order_id": "o1", "email": "cy@example.org", "program": "focus"})
    other_order = item("purchase.completed", {"order_id": "o1", "email": "dee@example.org", "program": "other"})
    assert not run.takes(alias)  # another alias of Ann's inbox: after her enrollment, not beside it
    assert run.takes(same_order)
    run.add(None, same_order)
    assert not run.takes(other_order)  # the same order again
    assert run.takes(item("purchase.completed", {"order_id": "o2", "email": "eve@example.org", "program": "x"}))
