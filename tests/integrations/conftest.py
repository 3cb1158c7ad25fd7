import base64
import json
import time
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from integrations import signing

SECRET = "whsec_" + base64.b64encode(b"a test secret of thirty-two byte").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"somebody else's secret, not ours").decode()
URL = "/api/v1/events"


@pytest.fixture(autouse=True)
def events_secret(settings):
    settings.EVENTS_API_SECRET = SECRET


def signed_headers(body: bytes, *, msg_id: str, timestamp: int | None = None, secrets=(SECRET,)) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signatures = " ".join(signing.sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}


class Poster:
    """Posts signed events as a sender would; ``on_commit`` callbacks (the task runner) run."""

    def __init__(self, client, capture):
        self.client, self.capture, self.count = client, capture, 0

    def raw(self, body: bytes, *, headers: dict, content_type: str = "application/json"):
        with self.capture(execute=True):
            return self.client.post(URL, data=body, content_type=content_type, headers=headers)

    def __call__(self, event_type: str, data: dict, *, msg_id: str | None = None, **kwargs):
        self.count += 1
        msg_id = msg_id or f"msg_{self.count}"
        body = json.dumps({"type": event_type, "data": data}).encode()
        return self.raw(body, headers=signed_headers(body, msg_id=msg_id, **kwargs))


@pytest.fixture
def post(client, django_capture_on_commit_callbacks, db):
    return Poster(client, django_capture_on_commit_callbacks)


class frozen_clock:  # used like a function, in a with statement
    """Freeze the clock standardwebhooks reads (it calls datetime.now directly)."""

    def __init__(self, at: datetime):
        self.at = at

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return at.astimezone(tz) if tz else at.replace(tzinfo=None)

        self.patch = mock.patch("standardwebhooks.webhooks.datetime", Frozen)

    def __enter__(self):
        self.patch.start()
        return self.at

    def __exit__(self, *exc):
        self.patch.stop()


FROZEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def student_data(email="ann@example.org", **extra):
    return {"student": {"email": email, "first_name": "Ann", **extra}, "program": "focus"}


def admin_url(name, *args):
    return reverse(name, args=args)


# The course platforms' webhooks: ``send("stripe", "checkout.session.completed")`` posts a fixture signed.
from tests.integrations.platform_helpers import platform_secrets, send  # noqa: E402, F401
