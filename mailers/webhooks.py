"""Provider tracking webhooks: our own secret check in front of anymail's parser.

anymail answers a wrong secret with 400; we answer 401 (with a Basic challenge) so a forged
call is clearly refused, and compare in constant time before anymail parses anything.
"""

import base64
import binascii

from anymail import urls as anymail_urls
from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from mailers import services


def _credentials(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _tracking_view(esp: str):
    for pattern in anymail_urls.urlpatterns:
        if getattr(pattern, "name", None) == f"{esp}_tracking_webhook":
            return pattern.callback
    return None


@csrf_exempt
def tracking_webhook(request, esp: str):
    view = _tracking_view(esp)
    if view is None:
        raise Http404("unknown provider")
    secrets = settings.ANYMAIL.get("WEBHOOK_SECRET", "")
    allowed = [secrets] if isinstance(secrets, str) else list(secrets)
    given = _credentials(request)
    # Every candidate is compared, in constant time, so timing does not reveal which was close.
    if not given or not any([constant_time_compare(given, secret) for secret in allowed if secret]):
        response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Basic realm="webhooks"'
        return response
    return view(request)


@receiver(tracking)
def record_tracking_event(sender, event, esp_name, **kwargs):
    services.tracking_event_record(event=event, provider=esp_name.lower())
