"""POST /api/v1/events at the door: each answer, the signature, idempotency, what is stored."""

import json

import pytest

from campaigns.models import Enrollment, JourneyEvent
from integrations.models import InboundEvent, Outcome
from tests.integrations.conftest import FROZEN, OTHER_SECRET, SECRET, URL, frozen_clock, signed_headers, student_data

pytestmark = pytest.mark.django_db


def body_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def test_accepted_event_is_stored_then_processed(post, program):
    response = post("enrollment.created", student_data(), msg_id="msg_enroll_1")
    assert response.status_code == 202
    assert body_of(response) == {"id": "msg_enroll_1", "status": "accepted"}
    event = InboundEvent.objects.get()
    assert event.verified and event.accepted and event.outcome == Outcome.PROCESSED
    assert event.event_type == "enrollment.created" and event.attempts == 1
    assert "webhook-signature" not in event.headers and event.headers["webhook-id"] == "msg_enroll_1"
    assert json.loads(event.body)["data"]["student"]["email"] == "ann@example.org"
    assert Enrollment.objects.get().student.email == "ann@example.org"


def test_without_a_secret_the_api_answers_503(post, settings, program):
    settings.EVENTS_API_SECRET = ""
    response = post("enrollment.created", student_data())
    assert response.status_code == 503
    assert "EVENTS_API_SECRET" in body_of(response)["message"]
    assert InboundEvent.objects.get().outcome == Outcome.UNVERIFIED
    assert not Enrollment.objects.exists()


def test_a_malformed_secret_is_a_503_not_a_500(post, settings, program):
    settings.EVENTS_API_SECRET = "whsec_!!!"
    response = post("enrollment.created", student_data())
    assert response.status_code == 503 and "whsec_" in body_of(response)["message"]


def test_wrong_signature_is_401_and_stored_unverified_and_truncated(post, program):
    body = json.dumps({"type": "enrollment.created", "data": student_data(), "junk": "x" * 10_000}).encode()
    response = post.raw(body, headers=signed_headers(body, msg_id="msg_bad", secrets=(OTHER_SECRET,)))
    assert response.status_code == 401
    assert "signature" in body_of(response)["message"].lower()
    event = InboundEvent.objects.get()
    assert not event.verified and not event.accepted and event.outcome == Outcome.UNVERIFIED
    assert event.body_truncated and len(event.body) == 4096 and event.body_size == len(body)
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "garbage"},
        {"webhook-id": "m", "webhook-timestamp": "now", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,not base64!"},
        {"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,a,b"},
    ],
)
def test_missing_or_malformed_signature_headers_are_401(post, headers):
    response = post.raw(b'{"type": "x"}', headers=headers)
    assert response.status_code == 401 and body_of(response)["message"]


def test_credentials_are_never_stored(post, program):
    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    headers = {**signed_headers(body, msg_id="msg_auth"), "Authorization": "Bearer s3cret", "X-Api-Token": "t0k"}
    assert post.raw(body, headers=headers).status_code == 202
    stored = InboundEvent.objects.get().headers
    assert "s3cret" not in json.dumps(stored) and "t0k" not in json.dumps(stored) and "webhook-id" in stored


def test_key_rotation_one_valid_signature_among_several_is_enough(post, program):
    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    response = post.raw(body, headers=signed_headers(body, msg_id="msg_rot", secrets=(OTHER_SECRET, SECRET)))
    assert response.status_code == 202
    assert Enrollment.objects.count() == 1


def test_stale_and_future_timestamps_are_refused(post, program):
    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    signed_at = int(FROZEN.timestamp())
    with frozen_clock(FROZEN.replace(minute=6)):  # six minutes later: too old
        stale = post.raw(body, headers=signed_headers(body, msg_id="msg_t", timestamp=signed_at))
    with frozen_clock(FROZEN.replace(minute=4, second=59)):  # within five minutes: fine
        fresh = post.raw(body, headers=signed_headers(body, msg_id="msg_t", timestamp=signed_at))
    with frozen_clock(FROZEN.replace(hour=11, minute=54)):  # signed six minutes in the future
        future = post.raw(body, headers=signed_headers(body, msg_id="msg_t2", timestamp=signed_at))
    assert stale.status_code == 401 and "too old" in body_of(stale)["message"]
    assert future.status_code == 401 and "too new" in body_of(future)["message"]
    assert fresh.status_code == 202


def test_a_fractional_timestamp_is_refused(post):
    body = b'{"type": "program.completed", "data": {}}'
    headers = signed_headers(body, msg_id="m")
    headers["webhook-timestamp"] += ".0"
    assert post.raw(body, headers=headers).status_code == 401


def test_same_id_same_body_is_a_duplicate_that_acts_once(post, program):
    first = post("enrollment.created", student_data(), msg_id="msg_dup")
    again = post("enrollment.created", student_data(), msg_id="msg_dup")
    assert first.status_code == again.status_code == 202
    assert body_of(again) == {"id": "msg_dup", "status": "duplicate"}
    assert Enrollment.objects.count() == 1
    assert JourneyEvent.objects.filter(kind="enrolled").count() == 1
    original, repeat = InboundEvent.objects.order_by("pk")
    assert repeat.outcome == Outcome.DUPLICATE and repeat.duplicate_of == original and not repeat.accepted


def test_same_id_other_body_is_409(post, program):
    post("enrollment.created", student_data(), msg_id="msg_same")
    response = post("enrollment.created", student_data(email="bo@example.org"), msg_id="msg_same")
    assert response.status_code == 409 and "webhook-id" in body_of(response)["message"]
    assert list(Enrollment.objects.values_list("student__email", flat=True)) == ["ann@example.org"]
    assert InboundEvent.objects.filter(outcome=Outcome.REJECTED, status_code=409).count() == 1


def test_a_racing_duplicate_is_decided_by_the_unique_constraint(post, program, django_capture_on_commit_callbacks):
    """Two requests with one id, the second checking before the first committed: the insert decides."""
    from integrations import services

    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    headers = signed_headers(body, msg_id="msg_race")
    first = services.event_receive(
        source="api", external_id="msg_race", event_type="enrollment.created", headers=headers, body=body
    )
    second = services.event_receive(
        source="api", external_id="msg_race", event_type="enrollment.created", headers=headers, body=body
    )
    assert not first.duplicate and second.duplicate and second.event == first.event
    assert InboundEvent.objects.filter(accepted=True).count() == 1


def test_body_over_256_kb_is_413_unread(post):
    body = b'{"type": "enrollment.created", "data": {"x": "' + b"a" * (256 * 1024) + b'"}}'
    response = post.raw(body, headers=signed_headers(body, msg_id="msg_big"))
    assert response.status_code == 413 and "256 KB" in body_of(response)["message"]
    event = InboundEvent.objects.get()
    assert event.outcome == Outcome.UNVERIFIED and len(event.body) <= 4096 and event.body_size == len(body)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "program.completed"', "application/json"),  # cut short
        (b"type=program.completed", "application/x-www-form-urlencoded"),
        (b'{"type": "program.completed", "data": {}}', "text/plain"),
        (b'{"a": NaN}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nested past Python's recursion limit
        (b'{"type": "\xff"}', "application/json"),  # not UTF-8
    ],
)
def test_a_body_that_is_not_json_is_415(post, body, content_type):
    response = post.raw(
        body, headers=signed_headers(body, msg_id="msg_415") if b"\xff" not in body else {}, content_type=content_type
    )
    assert response.status_code == 415 and body_of(response)["message"]
    assert InboundEvent.objects.get().outcome in (Outcome.REJECTED, Outcome.UNVERIFIED)


@pytest.mark.parametrize(
    ("event_type", "data", "field"),
    [
        (
            "enrollment.created",
            {"student": {"email": "not-an-address", "first_name": "Ann"}, "program": "focus"},
            "data.student.email",
        ),
        ("enrollment.created", {"student": {"email": "a@example.org"}, "program": "focus"}, "data.student.first_name"),
        (
            "enrollment.created",
            {
                "student": {"email": "a@example.org", "first_name": "Ann", "timezone": "Mars/Olympus"},
                "program": "focus",
            },
            "data.student.timezone",
        ),
        (
            "enrollment.created",
            {"student": {"email": "a@example.org", "first_name": "www.buy-now.com"}, "program": "focus"},
            "data.student.first_name",
        ),
        (
            "enrollment.created",
            {"student": {"email": "a@example.org", "first_name": "Ann"}, "program": "nope"},
            "data.program",
        ),
        (
            "enrollment.created",
            {
                "student": {"email": "a@example.org", "first_name": "Ann"},
                "program": "focus",
                "starts_at": "2026-03-01T10:00:00",
            },
            "data.starts_at",
        ),
        ("milestone.reached", {"email": "a@example.org", "program": "focus", "milestone": "no-such"}, "data.milestone"),
        (
            "purchase.completed",
            {"order_id": "o1", "email": "a@example.org", "program": "focus", "amount": -1},
            "data.amount",
        ),
        (
            "purchase.completed",
            {"order_id": "o1", "email": "a@example.org", "program": "focus", "currency": "euro"},
            "data.currency",
        ),
        ("purchase.refunded", {"order_id": "", "amount": "1"}, "data.order_id"),
        ("program.completed", {"email": "a@example.org", "program": "focus", "frist_name": "x"}, "data.frist_name"),
        ("program.exploded", {}, "type"),
    ],
)
def test_invalid_events_are_400_with_field_errors(post, program, event_type, data, field):
    response = post(event_type, data)
    assert response.status_code == 400
    payload = body_of(response)
    assert payload["message"] and field in [error["field"] for error in payload["errors"]], payload
    assert InboundEvent.objects.get().outcome == Outcome.REJECTED
    assert not Enrollment.objects.exists()


def test_a_rejected_event_does_not_take_its_id(post, program):
    assert (
        post("enrollment.created", {"student": {"email": "x"}, "program": "focus"}, msg_id="msg_fix").status_code == 400
    )
    assert post("enrollment.created", student_data(), msg_id="msg_fix").status_code == 202


def test_every_other_path_and_method_answers_json(client, db):
    wrong_method = client.get(URL)
    assert wrong_method.status_code == 405 and wrong_method.json()["message"] and "POST" in wrong_method["Allow"]
    missing = client.post("/api/v1/nothing-here", data=b"{}", content_type="application/json")
    assert missing.status_code == 404 and missing.json()["message"]


def test_openapi_document_and_docs_are_served(client, db):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/events"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert set(operation["responses"]) >= {"202", "400", "401", "409", "413", "415", "503"}
    event = document["components"]["schemas"]["Event"]
    assert set(event["discriminator"]["mapping"]) == {
        "enrollment.created",
        "milestone.reached",
        "program.completed",
        "enrollment.withdrawn",
        "purchase.completed",
        "purchase.refunded",
    }
    # The platforms' webhooks are there too, each with its proof and what it acts on.
    stripe = document["paths"]["/api/v1/webhooks/stripe"]["post"]
    assert [p["name"] for p in stripe["parameters"]] == ["Stripe-Signature"] and "checkout.session.completed" in stripe[
        "description"
    ]
    teachable = document["paths"]["/api/v1/webhooks/teachable/{token}"]["post"]
    assert (
        teachable["parameters"][0]["in"] == "path"
        and "Platform connections" in teachable["parameters"][0]["description"]
    )
    assert set(teachable["responses"]) >= {"200", "202", "401", "413", "415", "503"}
    assert [tag["name"] for tag in document["tags"]] == ["Events API", "Course platforms' webhooks"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.content


def test_the_api_needs_no_csrf_token(program, django_capture_on_commit_callbacks):
    from django.test import Client

    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    strict = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = strict.post(
            URL, data=body, content_type="application/json", headers=signed_headers(body, msg_id="c")
        )
    assert response.status_code == 202 and Enrollment.objects.count() == 1
