"""Provider tracking webhooks: our own secret check in front of anymail's parser.

anymail answers a wrong secret with 400; we answer 401 (with a Basic challenge) so a forged
call is clearly refused, and compare in constant time before anymail parses anything.

Only the provider we send with (``EMAIL_BACKEND``, or ``MAIL_WEBHOOK_PROVIDER`` where the
backend is not anymail's, e.g. in tests) has an open webhook: every other provider's URL is a
404, so a guessed provider's parser is never reachable. A body the provider's parser cannot read
(``{bad``, ``""``, ``[1]``, ``null``) is a 400, not a 500.
"""

import base64
import binascii
import logging
import re

from anymail import urls as anymail_urls
from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from mailers import services

logger = logging.getLogger(__name__)
# What a provider's parser raises on a body that is not what it expects (bad JSON, a list or
# null where an object belongs, a missing key): the caller's fault, so a 400.
JUNK_BODY_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError)


def _credentials(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""


def configured_provider() -> str:
    """The anymail provider we send with: its tracking webhook is the only one open."""
    explicit = getattr(settings, "MAIL_WEBHOOK_PROVIDER", "")
    if explicit:
        return explicit.strip().lower()
    match = re.fullmatch(r"anymail\.backends\.([a-z0-9_]+)\.EmailBackend", settings.EMAIL_BACKEND)
    return match.group(1) if match else ""


def _tracking_view(esp: str):
    if not esp or esp != configured_provider():
        return None
    for pattern in anymail_urls.urlpatterns:
        if getattr(pattern, "name", None) == f"{esp}_tracking_webhook":
            return pattern.callback
    return None


@csrf_exempt
def tracking_webhook(request, esp: str):
    view = _tracking_view(esp)
    if view is None:
        raise Http404("no webhook for this provider")
    secrets = settings.ANYMAIL.get("WEBHOOK_SECRET", "")
    allowed = [secrets] if isinstance(secrets, str) else list(secrets)
    given = _credentials(request)
    # Every candidate is compared, in constant time, so timing does not reveal which was close.
    if not given or not any([constant_time_compare(given, secret) for secret in allowed if secret]):
        response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Basic realm="webhooks"'
        return response
    if request.method != "POST":
        return view(request)  # HEAD and OPTIONS: anymail's own answers (providers probe with them)
    return _receive(view, request)


def _receive(view, request) -> HttpResponse:
    """anymail's POST, with the parsing apart from the signals: a junk body is a 400, while an
    error in our own handling of a well-formed event stays a 500 (the provider then retries)."""
    handler = view.view_class(**view.view_initkwargs)
    handler.setup(request)
    handler.run_validators(request)
    try:
        events = handler.parse_events(request)
        events = list(events)
    except JUNK_BODY_ERRORS as exc:
        logger.info("tracking webhook of %s: unreadable body (%s)", handler.esp_name, type(exc).__name__)
        return HttpResponseBadRequest("The body is not a webhook payload this provider sends.")
    for event in events:
        handler.signal.send(sender=handler.__class__, event=event, esp_name=handler.esp_name)
    return HttpResponse()


@receiver(tracking)
def record_tracking_event(sender, event, esp_name, **kwargs):
    services.tracking_event_record(event=event, provider=esp_name.lower())
