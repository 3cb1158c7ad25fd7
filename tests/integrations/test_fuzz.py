"""Fuzz the events API from its own OpenAPI document (schemathesis, in-process through the WSGI app, no
network): whatever arrives, signed or not, well-formed or not, no 500, every error a JSON message."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks

from cms.wsgi import application
from tests.integrations.conftest import signed_headers

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 50


def assert_json_error(response):
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
        payload = json.loads(response.content)
        assert isinstance(payload.get("message"), str) and payload["message"], payload


def _run(operation, *, sign: bool, mode, max_examples: int = MAX_EXAMPLES) -> set[int]:
    statuses: set[int] = set()

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,  # the same examples on every run: a failure here is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        kwargs = {}
        if sign and not isinstance(case.body, schemathesis.core.NotSet):
            raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
            try:
                headers = signed_headers(raw, msg_id=str((case.headers or {}).get("webhook-id") or "fuzz"))
            except UnicodeDecodeError:  # nobody can sign bytes that are not UTF-8 (the 415 path)
                headers = {}
            kwargs = {"headers": {**headers, "Content-Type": "application/json"}, "data": raw}
        response = case.call(**kwargs)
        statuses.add(response.status_code)
        assert response.status_code < 500, (response.status_code, response.content[:500])
        assert_json_error(response)
        case.validate_response(
            response,
            checks=[
                schemathesis.checks.not_a_server_error,
                openapi_checks.status_code_conformance,
                openapi_checks.content_type_conformance,
                openapi_checks.response_schema_conformance,
            ],
        )

    fuzz()
    return statuses


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Schemathesis calls the WSGI application itself, which closes "old" connections at each request's
    start and end; inside the test's transaction that closes the test's PostgreSQL connection (SQLite's
    in-memory one ignores it). Django's own test client disconnects the same two receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


WEBHOOKS = [
    "POST /api/v1/webhooks/stripe",
    "POST /api/v1/webhooks/thinkific",
    "POST /api/v1/webhooks/teachable/{token}",
    "POST /api/v1/webhooks/kajabi/{token}",
]


@pytest.fixture
def operations(program, wsgi_keeps_the_test_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    found = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    assert list(found) == ["POST /api/v1/events", *WEBHOOKS]  # the platforms' webhooks are documented too
    return found


@pytest.mark.parametrize("sign", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_fuzz_the_events_api(operations, sign, mode):
    from schemathesis import GenerationMode

    statuses = _run(operations["POST /api/v1/events"], sign=sign, mode=GenerationMode(mode))
    if sign:
        # Signed examples get past the signature to the body's checks (random slugs: 400s).
        assert 400 in statuses, statuses
    else:
        assert statuses <= {401, 415}, statuses


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_fuzz_the_platform_webhooks_from_their_documentation(operations, mode, platform_secrets):
    """Whatever a stranger posts to a set-up platform's documented URL: refused (401 without the
    platform's signature or the current token, 415 for a body that is not even text), in JSON, as
    documented, and nothing stored that will be processed."""
    from schemathesis import GenerationMode

    from integrations import services
    from integrations.models import InboundEvent

    for source in ("teachable", "kajabi"):
        services.platform_token_rotate(source=source, actor="test")  # the fuzzer cannot know the token
    for label in WEBHOOKS:
        # Fewer each: four of them, and every example stops at the door's first check.
        statuses = _run(operations[label], sign=False, mode=GenerationMode(mode), max_examples=MAX_EXAMPLES // 2)
        assert statuses and statuses <= {401, 415}, (label, statuses)
    assert not InboundEvent.objects.filter(accepted=True).exists()
