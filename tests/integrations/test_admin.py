"""Integrations → Inbound events in the admin: list, filters, the full record, replay."""

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from campaigns.models import Enrollment
from integrations.models import InboundEvent, Outcome
from tests.integrations.conftest import OTHER_SECRET, signed_headers, student_data

pytestmark = pytest.mark.django_db

LIST = "integrations_inboundevent:index"
INSPECT = "integrations_inboundevent:inspect"


def test_the_menu_links_the_events_and_the_api_docs(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Integrations" in html and "Inbound events" in html and "/api/v1/docs" in html


def test_list_filters_by_outcome_type_and_verified(admin_client, post, program):
    post("enrollment.created", student_data(), msg_id="msg_ok")
    body = b'{"type": "program.completed", "data": {}}'
    post.raw(body, headers=signed_headers(body, msg_id="msg_forged", secrets=(OTHER_SECRET,)))
    everything = admin_client.get(reverse(LIST)).content.decode()
    assert "msg_ok" in everything and "msg_forged" in everything
    unverified = admin_client.get(reverse(LIST), {"verified": "false"}).content.decode()
    assert "msg_forged" in unverified and "msg_ok" not in unverified
    processed = admin_client.get(reverse(LIST), {"outcome": "processed"}).content.decode()
    assert "msg_ok" in processed and "msg_forged" not in processed
    by_type = admin_client.get(reverse(LIST), {"event_type": "enrollment.created", "source": "api"}).content.decode()
    assert "msg_ok" in by_type and "msg_forged" not in by_type
    today = InboundEvent.objects.first().received_at.date().isoformat()
    dated = admin_client.get(reverse(LIST), {"received_at_from": today, "received_at_to": today})
    assert "msg_ok" in dated.content.decode()
    assert "msg_ok" not in admin_client.get(reverse(LIST), {"received_at_from": "2999-01-01"}).content.decode()


def test_detail_shows_headers_and_body_escaped_and_the_outcome(admin_client, post, program):
    post("enrollment.created", student_data(first_name="Ann"), msg_id="msg_<b>")
    bad = {"student": {"email": "<script>alert(1)</script>", "first_name": "Ann"}, "program": "focus"}
    post("enrollment.created", bad, msg_id="msg_xss")
    event = InboundEvent.objects.get(external_id="msg_xss")
    html = admin_client.get(reverse(INSPECT, args=[event.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "webhook-timestamp" in html and "v1," not in html  # the signature is never stored
    assert "not a valid email address" in html and "Replay" not in html  # rejected: never processed
    accepted = InboundEvent.objects.get(external_id="msg_<b>")
    page = admin_client.get(reverse(INSPECT, args=[accepted.pk])).content.decode()
    assert "msg_&lt;b&gt;" in page and "Replay" in page and json.loads(accepted.body)["type"] in page


def test_replay_reprocesses_a_failed_event(admin_client, post, program, django_capture_on_commit_callbacks):
    post("program.completed", {"email": "ann@example.org", "program": "focus"}, msg_id="msg_wait")
    event = InboundEvent.objects.get()
    assert event.outcome == Outcome.WAITING
    Enrollment.objects.create(
        student=__import__("tests.factories").factories.StudentFactory(email="ann@example.org"),
        program=program,
        stage="active",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("integrations_event_replay", args=[event.pk]))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.outcome == Outcome.PROCESSED
    assert Enrollment.objects.get().stage == "completed"


def test_replay_needs_post_and_the_change_permission(client, admin_client, post, program, django_user_model):
    post("enrollment.created", student_data(), msg_id="msg_perm")
    event = InboundEvent.objects.get()
    url = reverse("integrations_event_replay", args=[event.pk])
    assert admin_client.get(url).status_code == 405
    viewer = django_user_model.objects.create_user("vic", password="pw-vic-12345")
    group = Group.objects.create(name="Viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_inboundevent")
    )
    viewer.groups.add(group)
    client.force_login(viewer)
    page = client.get(reverse(INSPECT, args=[event.pk]))
    assert page.status_code == 200 and "Replay" not in page.content.decode()
    denied = client.post(url)  # Wagtail's admin turns PermissionDenied into a redirect with a message
    assert denied.status_code in (302, 403) and denied.get("Location", "") != reverse(INSPECT, args=[event.pk])
    event.refresh_from_db()
    assert event.attempts == 1 and "replayed" not in event.error
    # Nobody adds or edits an inbound event by hand.
    assert admin_client.get(reverse("integrations_inboundevent:add")).status_code in (302, 403)


def test_replay_checks_csrf(post, program, admin_user):
    from django.test import Client

    post("enrollment.created", student_data(), msg_id="msg_csrf")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    response = strict.post(reverse("integrations_event_replay", args=[InboundEvent.objects.get().pk]))
    assert response.status_code == 403


def test_purchases_are_listed(admin_client, post, program):
    post("purchase.completed", {"order_id": "ord_77", "email": "bo@example.org", "program": "focus", "ref": "ZZ"})
    html = admin_client.get(reverse("integrations_purchase:index")).content.decode()
    assert "ord_77" in html and "bo@example.org" in html


def test_the_record_says_yes_no_and_a_dash_rather_than_python(admin_client, post, program):
    """Before: "Verified: True", "Next attempt at: None" (every viewset's Inspect, through cms/admin_values.py)."""
    post("enrollment.created", student_data(first_name="Ann"), msg_id="msg_done")
    event = InboundEvent.objects.get(external_id="msg_done")
    assert event.outcome == Outcome.PROCESSED and event.next_attempt_at is None and event.verified
    html = admin_client.get(reverse(INSPECT, args=[event.pk])).content.decode()
    fields = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>\s*(.*?)\s*</dd>", html, flags=re.S))
    assert fields["Verified"] == "Yes" and fields["Next attempt at"] == "—", fields
    assert fields["Outcome"] == "Processed"  # a choice keeps its label
    assert "None" not in fields.values() and "True" not in fields.values() and "False" not in fields.values()


def test_simulated_events_can_be_told_from_the_platforms(admin_client, post, program):
    post("enrollment.created", student_data(email="real@example.org"), msg_id="msg_real")
    post("enrollment.created", student_data(email="sim@example.test"), msg_id="sim-run1-1")
    only_simulated = admin_client.get(reverse(LIST), {"simulated": "true"}).content.decode()
    assert "sim-run1-1" in only_simulated and "msg_real" not in only_simulated
    real_only = admin_client.get(reverse(LIST), {"simulated": "false"}).content.decode()
    assert "msg_real" in real_only and "sim-run1-1" not in real_only
