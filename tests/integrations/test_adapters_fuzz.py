"""The adapters read untrusted, nested JSON: whatever a field holds (null, a number, a list where an
object belongs), translating a documented payload with any part replaced ends in one of our events or
a clear outcome (bad event, unmapped, ignored), never a crash that would be retried for nothing."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.adapters import BadEvent, Ignored, Unmapped
from integrations.platforms import PLATFORMS
from tests.integrations.platform_helpers import FIXTURES, fixture_json, map_program

pytestmark = pytest.mark.django_db

# What JSON can carry: no NaN or Infinity (json.dumps would write them, and the door rightly refuses them).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
CASES = sorted((p.parent.name, p.stem) for p in FIXTURES.glob("*/*.json"))


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def replaced(payload, path, value):
    payload = copy.deepcopy(payload)
    if not path:
        return value
    node = payload
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return payload


@pytest.mark.parametrize(("platform", "name"), CASES)
def test_any_field_replaced_by_any_json_translates_or_says_why(program, platform, name):
    map_program(program)
    payload = fixture_json(platform, name)
    adapter = PLATFORMS[platform].adapter
    every_path = list(paths(payload))

    @settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(every_path), value=JSON)
    def translate(path, value):
        mutated = replaced(payload, path, value)
        try:
            result = adapter.translate(mutated) if isinstance(mutated, dict) else None
        except (BadEvent, Unmapped, Ignored):
            return
        assert result is None or result["type"] in {
            "purchase.completed",
            "purchase.refunded",
            "enrollment.created",
            "milestone.reached",
            "program.completed",
        }

    translate()


KEYS = st.sampled_from(["id", "type", "object", "data", "resource", "action", "payload", "event", "hook_event_id"])


@pytest.mark.parametrize("source", sorted(PLATFORMS))
def test_any_signed_json_object_at_the_door_is_never_a_500(send, source):
    @settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(payload=st.dictionaries(KEYS, JSON, max_size=5))
    def post(payload):
        response = send(source, body=json.dumps(payload).encode())
        assert response.status_code in (200, 202, 400), response.content
        assert response.json()["message"]

    post()
