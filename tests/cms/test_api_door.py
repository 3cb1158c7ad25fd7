"""/api/v1/ skips the browsers' middleware (cms/api_door.py): no session or CSRF cookie, the Host still
checked, the security headers still set, and every error answered in JSON."""

import json
import logging

import pytest

from integrations import services
from integrations.models import InboundEvent
from tests.integrations.conftest import SECRET, URL, signed_headers, student_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def events_secret(settings):
    settings.EVENTS_API_SECRET = SECRET


def enrollment(msg_id="msg_door"):
    body = json.dumps({"type": "enrollment.created", "data": student_data()}).encode()
    return body, signed_headers(body, msg_id=msg_id)


def test_an_api_request_reads_and_sets_no_cookie(client, program):
    client.cookies["sessionid"] = "somebody's session"
    client.cookies["csrftoken"] = "x" * 32
    body, headers = enrollment()
    response = client.post(URL, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 202
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    # A page for browsers still goes through the whole chain (its login form sets the CSRF cookie).
    assert "csrftoken" in client.get("/admin/login/").cookies


def test_a_host_not_allowed_is_refused_in_json_and_nothing_is_stored(client, program):
    body, headers = enrollment()
    response = client.post(URL, data=body, content_type="application/json", headers=headers, HTTP_HOST="evil.example")
    assert response.status_code == 400 and response.json() == {"message": "Bad request.", "errors": []}
    assert not InboundEvent.objects.exists()


def test_the_security_headers_still_apply_and_the_docs_cannot_be_framed(client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and docs["Content-Type"].startswith("text/html")
    assert docs["X-Frame-Options"] == "DENY" and docs["X-Content-Type-Options"] == "nosniff"


def test_the_https_redirect_runs_before_the_door(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/api/v1/openapi.json")  # a new client: the middleware reads the setting
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_an_error_in_a_view_is_a_json_500_and_is_logged(client, program, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(services, "event_receive", broken)
    client.raise_request_exception = False
    body, headers = enrollment()
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(URL, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json()["message"] and "fire" not in response.content.decode()
    assert any("the disk is on fire" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(client, db):
    response = client.get(URL)
    assert response.status_code == 405 and response.json()["message"] == "Method not allowed."
    assert "POST" in response["Allow"]
