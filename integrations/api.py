"""``POST /api/v1/events``: our signed events API (django-ninja; the document at /api/v1/openapi.json).

The body is read raw, because the signature covers the exact bytes: the size, the signature, the media
type, the JSON and then each field are checked in that order, and each refusal is a JSON body with a
message (and, for a 400, the field errors). Whatever the answer, the request is stored first.
"""

import json
import time

from django.dispatch import receiver
from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Redoc, Schema, Status
from pydantic import ValidationError as PydanticValidationError
from wagtail.signals import page_published, page_unpublished

from integrations import schemas, services, signing, webhook_docs
from integrations.handlers import live_program

SOURCE = "api"
EVENTS_TAG = "Events API"
MAX_BODY_BYTES = 256 * 1024

DESCRIPTION = """
Tell the engine what happened on your course platform or checkout: a student enrolled, reached a
milestone, completed or withdrew; a purchase, a refund.

**Signing** ([Standard Webhooks](https://www.standardwebhooks.com/)): send `webhook-id` (unique per
event: it is the idempotency key), `webhook-timestamp` (seconds since the epoch, within 5 minutes of
ours) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">` keyed with the
secret in `EVENTS_API_SECRET` (`whsec_<base64>`). Several space-separated signatures may be sent while
you rotate keys; one valid signature is enough.

An accepted event is stored, answered `202`, and processed in the background. The same id with the same
body again answers `202` with status `duplicate` and acts once; the same id with another body is `409`.
"""


class Accepted(Schema):
    id: str
    status: str


class FieldError(Schema):
    field: str
    message: str


class Error(Schema):
    message: str
    errors: list[FieldError] = []


class EventsAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        # The body is validated by hand (after the signature), so ninja cannot describe it: add its models.
        document = super().get_openapi_schema(*args, **kwargs)
        body, models = schemas.openapi_components()
        document.setdefault("components", {}).setdefault("schemas", {}).update({**models, "Event": body})
        document["tags"] = [{"name": EVENTS_TAG, "description": "Your own platform, checkout or script reports here."}]
        return webhook_docs.add_to(document)


api = EventsAPI(
    title="Referral engine events API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="integrations_api",
    docs=Redoc(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)

_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": signing.MAX_ID_LENGTH},
        "description": "Unique per event; the idempotency key.",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
        "description": "Seconds since the epoch; refused when more than 5 minutes off.",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": 'Space-separated "v1,<base64 HMAC-SHA256>" signatures of "<id>.<timestamp>.<body>".',
    },
]


def error(status: int, message: str, errors: list[dict] | None = None) -> Status:
    return Status(status, {"message": message, "errors": errors or []})


# What the door knows of a live program (its title, its milestones' slugs), kept per process for a few
# seconds: a Wagtail page query was the dearest part of accepting an event. Publishing or unpublishing
# clears it here at once; another process may accept for a few seconds more an event for a program just
# unpublished, and processing (which reads the program afresh) then fails it with the reason.
DOOR_CACHE_SECONDS = 5.0
_door_programs: dict[str, tuple[float, str, frozenset[str]]] = {}


def _door_program(slug: str) -> tuple[str, frozenset[str]] | None:
    now = time.monotonic()
    hit = _door_programs.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    program = live_program(slug)
    if program is None:
        return None  # not kept: a program published a moment later is known at once
    milestones = frozenset(program.milestones.values_list("slug", flat=True))
    if len(_door_programs) > 1000:
        _door_programs.clear()
    _door_programs[slug] = (now + DOOR_CACHE_SECONDS, program.title, milestones)
    return program.title, milestones


@receiver(page_published)
@receiver(page_unpublished)
def _forget_door_programs(**kwargs) -> None:
    _door_programs.clear()


def _door_errors(envelope) -> list[dict]:
    """Cheap checks against the database, so a typo is a 400 the sender sees rather than a failure later."""
    data = envelope.data
    slug = getattr(data, "program", None)
    if slug is None:
        return []
    program = _door_program(slug)
    if program is None:
        return [{"field": "data.program", "message": f"No published program has the slug {slug!r}."}]
    title, milestones = program
    milestone = getattr(data, "milestone", None)
    if milestone is not None and milestone not in milestones:
        return [{"field": "data.milestone", "message": f"{title} has no milestone {milestone!r}."}]
    return []


def _is_json_media_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _reject(request, body: bytes, status: int, message: str, *, verified: bool, event_type: str = "", **kw):
    errors = kw.pop("errors", None)
    details = "".join(f"\n{e['field']}: {e['message']}" for e in errors or [])
    services.event_store_refused(
        source=SOURCE,
        external_id=request.headers.get("webhook-id", ""),
        headers=request.headers,
        body=body,
        verified=verified,
        status_code=status,
        error=message + details,
        event_type=event_type,
        body_size=kw.pop("body_size", None),
    )
    return error(status, message, errors)


@api.post(
    "/events",
    response={202: Accepted, 400: Error, 401: Error, 409: Error, 413: Error, 415: Error, 503: Error},
    summary="Report an event",
    tags=[EVENTS_TAG],
    openapi_extra={
        "parameters": _HEADERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
        },
    },
)
def post_event(request: HttpRequest):
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        # Refused unread (but for what the record keeps): nobody fills memory or the disk with a body.
        head = request.read(services.UNVERIFIED_BODY_BYTES)
        return _reject(
            request, head, 413, f"The body is over {MAX_BODY_BYTES // 1024} KB.", verified=False, body_size=declared
        )
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _reject(request, body, 413, f"The body is over {MAX_BODY_BYTES // 1024} KB.", verified=False)
    try:
        wh = signing.webhook()
    except signing.SecretMissing as exc:
        # Stored all the same: the creator sees their platform trying while the secret is missing.
        return _reject(request, body, 503, str(exc), verified=False)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _reject(request, body, 415, "The body is not JSON (it is not UTF-8).", verified=False)
    try:
        signing.verify(wh=wh, body=body, headers=request.headers)
    except signing.Refused as exc:
        return _reject(request, body, 401, str(exc), verified=False)
    if not _is_json_media_type(request.content_type or ""):
        return _reject(request, body, 415, "Send the body as application/json.", verified=True)
    try:
        payload = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return _reject(request, body, 415, "The body is not valid JSON.", verified=True)
    try:
        envelope = schemas.EVENT_ADAPTER.validate_python(payload)
    except PydanticValidationError as exc:
        event_type = payload.get("type") if isinstance(payload, dict) else ""
        return _reject(
            request,
            body,
            400,
            "The event is not valid: see errors.",
            verified=True,
            event_type=event_type if isinstance(event_type, str) else "",
            errors=schemas.field_errors(exc),
        )
    if problems := _door_errors(envelope):
        return _reject(
            request,
            body,
            400,
            "The event is not valid: see errors.",
            verified=True,
            event_type=envelope.type,
            errors=problems,
        )
    msg_id = request.headers["webhook-id"]
    received = services.event_receive(
        source=SOURCE, external_id=msg_id, event_type=envelope.type, headers=request.headers, body=body
    )
    if received.conflict:
        return error(409, "This webhook-id was already used for another body; use a new id for a new event.")
    # A plain JsonResponse (ninja passes it through): validating our own two fields against the schema
    # cost a tenth of the request.
    return JsonResponse({"id": msg_id, "status": "duplicate" if received.duplicate else "accepted"}, status=202)


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


NOT_FOUND = "No such endpoint of the API."


def json_not_found(request, rest: str = ""):
    return JsonResponse({"message": NOT_FOUND, "errors": []}, status=404)
