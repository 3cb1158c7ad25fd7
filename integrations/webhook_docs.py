"""The course platforms' webhooks in the API's OpenAPI document (/api/v1/openapi.json and its docs).

They are plain Django views (integrations/webhooks.py), not ninja operations: each platform signs (or
tokens) its own way and sends its own JSON, which only its adapter reads. Described here from the same
table the views use (integrations/platforms.py), so a platform added there is documented with it.
"""

from integrations.platforms import PLATFORMS

TAG = "Course platforms' webhooks"

ANSWER = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string"},
        "id": {"type": "string", "description": "The platform's event id, as stored."},
        "status": {"type": "string", "enum": ["accepted", "duplicate", "ignored", "conflict"]},
    },
}


def _answer(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookAnswer"}}},
    }


def _responses(proof: str, missing: str) -> dict:
    return {
        "202": _answer("Stored and queued: status `accepted`, or `duplicate` for an event id seen with this body."),
        "200": _answer(
            "Stored and not acted on: an event type or state we do not act on (`ignored`), or an event id seen "
            "before with another body (`conflict`: the first stands). A 2xx, so the platform does not retry it."
        ),
        "400": _answer("Verified, but not an event the platform documents (a field of the wrong shape)."),
        "401": _answer(f"{proof} Stored unverified, never processed."),
        "405": _answer("Platforms POST their webhooks."),
        "413": _answer("The body is over 256 KB."),
        "415": _answer("The body is not JSON."),
        "503": _answer(missing),
    }


def _operation(info) -> tuple[str, dict]:
    acted_on = ", ".join(f"`{name}`" for name in info.adapter.ACTED_ON)
    if info.uses_token:
        path = f"/api/v1/webhooks/{info.source}/{{token}}"
        parameters = [
            {
                "name": "token",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": f"{info.label} does not sign its webhooks: the URL's long random token is the proof. "
                "Made, shown once and rotated in the admin (Integrations → Platform connections).",
            }
        ]
        proof = "Not the current token (a wrong or rotated URL)."
        missing = "No URL made yet (Integrations → Platform connections)."
    else:
        path = f"/api/v1/webhooks/{info.source}"
        parameters = [
            {
                "name": info.signature_header,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": f"{info.label}'s signature of the raw body, checked with `{info.setting}`.",
            }
        ]
        proof = f"A missing or bad `{info.signature_header}`."
        missing = f"`{info.setting}` is not set."
    operation = {
        "tags": [TAG],
        "summary": f"{info.label} webhook",
        "description": f"Point {info.label}'s webhook here. Acted on: {acted_on}; other events are stored and "
        "answered `200` (`ignored`). Events for a product, course or lesson no program maps (the program "
        "editor's Integrations tab) are stored as unmapped and processed when replayed after the mapping.",
        "operationId": f"webhook_{info.source}",
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "description": f"{info.label}'s own payload."}}
            },
        },
        "responses": _responses(proof, missing),
    }
    return path, {"post": operation}


def add_to(document: dict) -> dict:
    """The webhooks' paths, their answer's schema and their tag, added to ninja's document."""
    document.setdefault("paths", {}).update(dict(_operation(info) for info in PLATFORMS.values()))
    document.setdefault("components", {}).setdefault("schemas", {})["WebhookAnswer"] = ANSWER
    labels = [info.label for info in PLATFORMS.values()]
    names = f"{', '.join(labels[:-1])} and {labels[-1]}" if len(labels) > 1 else labels[0]
    document.setdefault("tags", []).append({"name": TAG, "description": f"{names} post here, each its own way."})
    return document
