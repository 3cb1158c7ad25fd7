"""The course platforms' webhooks, ``POST /api/v1/webhooks/<platform>[/<token>]``: the same door as the
events API (size, proof, JSON, then the adapter's look at the body), and the same path behind it
(``services.event_receive`` with the platform as the source, processed by the same handlers).

Every request is stored, whatever the answer. A proof that fails is 401 and stored unverified; a
missing secret 503; a body that is not JSON 415; over 256 KB 413. An event we do not act on is 200 and
stored as ignored: platforms retry anything but a 2xx (Stripe for three days), so a "no" would only
come back.
"""

import hmac
import json
import logging
from hashlib import sha256

import stripe
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations import services
from integrations.adapters import BadEvent
from integrations.models import Outcome
from integrations.platforms import PLATFORMS

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _answer(code: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"message": message, **extra}, status=code)


def _refuse(request, source: str, body: bytes, refused: Refused, *, verified: bool, body_size=None, **kw):
    services.event_store_refused(
        source=source,
        external_id=kw.get("external_id", ""),
        headers=request.headers,
        body=body,
        verified=verified,
        status_code=refused.status,
        error=refused.message,
        event_type=kw.get("event_type", ""),
        body_size=body_size,
    )
    return _answer(refused.status, refused.message)


def _read_body(request) -> tuple[bytes, int | None]:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        # Refused unread (but for what the record keeps): nobody fills memory or the disk with a body.
        return request.read(services.UNVERIFIED_BODY_BYTES), declared
    return request.body, None


def _verify_stripe(request, body: bytes) -> None:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise Refused(503, "The Stripe webhook is not configured: set STRIPE_WEBHOOK_SECRET (whsec_...).")
    try:
        # The official verifier: the v1 HMAC over "t.body", compared in constant time, 5 minutes' tolerance.
        stripe.WebhookSignature.verify_header(body, request.headers.get("Stripe-Signature"), secret, tolerance=300)
    except stripe.SignatureVerificationError as exc:
        raise Refused(401, f"Bad Stripe-Signature: {exc.user_message or exc}") from None


def _verify_thinkific(request, body: bytes) -> None:
    secret = settings.THINKIFIC_WEBHOOK_SECRET
    if not secret:
        raise Refused(503, "The Thinkific webhook is not configured: set THINKIFIC_WEBHOOK_SECRET.")
    given = request.headers.get("X-Thinkific-Hmac-Sha256", "").strip().lower()
    if not given:
        raise Refused(401, "Missing X-Thinkific-Hmac-Sha256.")
    expected = hmac.new(secret.encode(), body, sha256).hexdigest()
    # Constant-time: the time taken says nothing about how much of a forged signature was right.
    if not hmac.compare_digest(expected, given):
        raise Refused(401, "Bad X-Thinkific-Hmac-Sha256: not the HMAC-SHA256 of the body with our secret.")


def _verify_token(source: str, token: str) -> None:
    matches = services.platform_token_check(source=source, token=token)
    label = PLATFORMS[source].label
    if matches is None:
        raise Refused(
            503, f"The {label} webhook is not configured: make its URL in Integrations → Platform connections."
        )
    if not matches:
        raise Refused(401, f"This is not the {label} webhook's current URL (a wrong or rotated token).")


VERIFIERS = {"stripe": _verify_stripe, "thinkific": _verify_thinkific}


def receive(request, source: str, token: str = ""):
    response = _receive(request, source, token)
    if PLATFORMS[source].uses_token:
        # Django logs every 4xx/5xx with its path, and this path holds the secret: log it without.
        response._has_been_logged = True
        if response.status_code >= 400:
            logger.warning("%s webhook answered %s", source, response.status_code)
    return response


def _receive(request, source: str, token: str):
    if request.method != "POST":
        response = _answer(405, "Method not allowed: platforms POST their webhooks.")
        response["Allow"] = "POST"
        return response
    info = PLATFORMS[source]
    body, declared = _read_body(request)
    if declared is not None or len(body) > MAX_BODY_BYTES:
        refused = Refused(413, f"The body is over {MAX_BODY_BYTES // 1024} KB.")
        return _refuse(request, source, body, refused, verified=False, body_size=declared)
    try:
        if info.uses_token:
            _verify_token(source, token)
        else:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused(415, "The body is not JSON (it is not UTF-8).") from None
            VERIFIERS[source](request, body)
    except Refused as refused:
        return _refuse(request, source, body, refused, verified=False)
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return _refuse(request, source, body, Refused(415, "The body is not valid JSON."), verified=True)
    try:
        if not isinstance(payload, dict):
            raise BadEvent("The body is not a JSON object.")
        if info.uses_token:
            identified = info.adapter.identify(payload, body_sha256=services.body_sha256(body))
        else:
            identified = info.adapter.identify(payload)
    except BadEvent as exc:
        return _refuse(request, source, body, Refused(400, str(exc)), verified=True)
    if not identified.acted_on:
        services.event_store_refused(
            source=source,
            external_id=identified.external_id,
            headers=request.headers,
            body=body,
            verified=True,
            status_code=200,
            error=identified.reason,
            event_type=identified.event_type,
            outcome=Outcome.IGNORED,
        )
        return _answer(200, identified.reason, id=identified.external_id, status="ignored")
    received = services.event_receive(
        source=source,
        external_id=identified.external_id,
        event_type=identified.event_type,
        headers=request.headers,
        body=body,
    )
    if received.conflict:
        # Not a 4xx: the platform would retry it for days. The record says what happened.
        return _answer(200, "This event id came before with another body; the first stands.", status="conflict")
    status = "duplicate" if received.duplicate else "accepted"
    return _answer(202, f"Event {status}.", id=identified.external_id, status=status)


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


@csrf_exempt
def stripe_webhook(request):
    return receive(request, "stripe")


@csrf_exempt
def thinkific_webhook(request):
    return receive(request, "thinkific")


@csrf_exempt
def teachable_webhook(request, token: str):
    return receive(request, "teachable", token)


@csrf_exempt
def kajabi_webhook(request, token: str):
    return receive(request, "kajabi", token)
