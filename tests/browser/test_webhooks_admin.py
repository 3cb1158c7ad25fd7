"""A creator adds a webhook endpoint in the admin, copies its secret, sends a test event to their
receiver (a real local server), reads the attempt in the delivery log and replays it."""

import pytest
from standardwebhooks.webhooks import Webhook

from referrals.webhooks.models import WebhookAttempt, WebhookEndpoint
from tests.referrals.webhook_receiver import URL, dns, receiver  # noqa: F401 - fixtures used below


@pytest.fixture
def signed_in(desktop, live_server, admin_user):
    desktop.goto(f"{live_server.url}/admin/login/")
    desktop.fill("#id_username", "alice")
    desktop.fill("#id_password", "pw-alice-123")
    desktop.click("button[type=submit]")
    desktop.wait_for_url(f"{live_server.url}/admin/")
    return desktop


def test_creator_adds_an_endpoint_sends_a_test_event_and_replays_it(signed_in, live_server, program, receiver):  # noqa: F811
    page = signed_in
    page.goto(f"{live_server.url}/admin/webhook-endpoints/new/")
    page.select_option("#id_program", str(program.pk))
    page.fill("#id_url", "http://hooks.example.com/in")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=This URL cannot be used: only https:// URLs are allowed.")
    assert not WebhookEndpoint.objects.exists()
    page.fill("#id_url", URL)
    page.check("input[value='lead.created']")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Copy it now")
    secret = page.input_value("#webhook-secret")
    endpoint = WebhookEndpoint.objects.get()
    assert secret == endpoint.secret and secret.startswith("whsec_")
    assert endpoint.event_types == ["lead.created"]
    page.click("text=Back to the endpoint")
    assert secret not in page.content()
    page.click("text=Send a test event")
    page.wait_for_selector("text=Test event queued")
    assert "Delivered" in page.inner_text("main")
    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
    page.click("main button:has-text('Replay')")
    page.wait_for_selector("text=queued to be sent again")
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["webhook-id"] == request.headers["webhook-id"]
    assert WebhookAttempt.objects.count() == 2
    assert page.inner_text("main").count("204") >= 2
