"""Posting the platforms' documented webhooks (tests/integrations/fixtures/<platform>/) as each platform signs them."""

import hashlib
import hmac
import json
from pathlib import Path

import pytest
import stripe
from django.urls import reverse

from campaigns.models import ProgramPage
from integrations import services
from integrations.models import MilestonePlatformId, ProgramPlatformId

FIXTURES = Path(__file__).parent / "fixtures"
STRIPE_SECRET = "whsec_test_0123456789abcdef0123456789abcdef"  # noqa: S105 - test value
THINKIFIC_SECRET = "thinkific-test-secret-0123456789"  # noqa: S105 - test value


def fixture(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / f"{name}.json").read_bytes()


def fixture_json(platform: str, name: str) -> dict:
    return json.loads(fixture(platform, name))


def stripe_signature(body: bytes, *, secret: str = STRIPE_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, t=...,v1=..., computed by the stripe package itself."""
    return stripe.WebhookSignature.generate_signature_header(body.decode(errors="replace"), secret, timestamp=timestamp)


def thinkific_signature(body: bytes, *, secret: str = THINKIFIC_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def url(source: str, token: str = "") -> str:
    return reverse(f"integrations_api:webhook_{source}", args=[token] if token else [])


class PlatformPoster:
    """Posts as the platform would: signed (Stripe, Thinkific) or to the token URL (Teachable, Kajabi).
    The task runner's ``on_commit`` callbacks run, so each accepted event is processed."""

    def __init__(self, client, capture):
        self.client, self.capture, self.tokens = client, capture, {}

    def token(self, source: str) -> str:
        if source not in self.tokens:
            self.tokens[source] = services.platform_token_rotate(source=source, actor="test")
        return self.tokens[source]

    def raw(self, source: str, body: bytes, *, headers=None, token: str | None = None, content_type="application/json"):
        if source in ("teachable", "kajabi"):
            target = url(source, self.token(source) if token is None else token)
        else:
            target = url(source)
        with self.capture(execute=True):
            return self.client.post(target, data=body, content_type=content_type, headers=headers or {})

    def __call__(self, source: str, name: str | None = None, *, body: bytes | None = None, **kwargs):
        body = fixture(source, name) if body is None else body
        headers = {}
        if source == "stripe":
            headers["Stripe-Signature"] = stripe_signature(body)
        elif source == "thinkific":
            headers["X-Thinkific-Hmac-Sha256"] = thinkific_signature(body)
        return self.raw(source, body, headers=headers, **kwargs)


@pytest.fixture
def platform_secrets(settings):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.THINKIFIC_WEBHOOK_SECRET = THINKIFIC_SECRET
    settings.STRIPE_API_KEY = ""


@pytest.fixture
def send(client, django_capture_on_commit_callbacks, platform_secrets, db):
    return PlatformPoster(client, django_capture_on_commit_callbacks)


# The ids the fixtures carry, as a creator enters them in the program editor's Integrations tab.
PROGRAM_IDS = [
    ("stripe", "product", "plink_1QfocusLink01"),
    ("thinkific", "product", "1401"),
    ("thinkific", "course", "68"),
    ("teachable", "course", "987"),
    ("kajabi", "product", "2148123"),
]
LESSON_IDS = [("thinkific", "5501", "first-win"), ("teachable", "6610", "first-win")]


def map_program(program, ids=PROGRAM_IDS, lessons=LESSON_IDS) -> ProgramPage:
    """Add the platform ids to the program and publish it, as the creator would in the editor."""
    program = ProgramPage.objects.get(pk=program.pk)
    for platform, kind, external_id in ids:
        program.platform_ids.add(ProgramPlatformId(platform=platform, kind=kind, external_id=external_id))
    for platform, external_id, slug in lessons:
        program.milestone_platform_ids.add(
            MilestonePlatformId(platform=platform, external_id=external_id, milestone_slug=slug)
        )
    program.save_revision().publish()
    return ProgramPage.objects.get(pk=program.pk)
