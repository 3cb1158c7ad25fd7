"""Standard Webhooks verification of our events API, through the maintained ``standardwebhooks`` package.

The package does the HMAC and the five-minute timestamp tolerance; this module turns every way it can
fail (including malformed headers it does not anticipate) into one refusal with a reason.
"""

import re

from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# What the spec sends: an id, integer seconds, and one or more "v1,<base64>" separated by spaces.
_TIMESTAMP = re.compile(r"^\d{1,12}$")
MAX_ID_LENGTH = 200


class SecretMissing(Exception):
    """EVENTS_API_SECRET is not set (or is not a ``whsec_<base64>`` secret)."""


class Refused(Exception):
    """The request is not signed by us, or not now."""


def webhook() -> Webhook:
    secret = settings.EVENTS_API_SECRET
    if not secret:
        raise SecretMissing("The events API is not configured: set EVENTS_API_SECRET (whsec_<base64>).")
    try:
        return Webhook(secret)
    except Exception:
        raise SecretMissing("EVENTS_API_SECRET is not a whsec_<base64> secret.") from None


def verify(*, wh: Webhook, body: bytes, headers) -> None:
    """Raise ``Refused`` unless one of the request's signatures is ours over ``id.timestamp.body``."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (msg_id and timestamp and signature):
        raise Refused("Missing webhook-id, webhook-timestamp or webhook-signature.")
    if len(msg_id) > MAX_ID_LENGTH:
        raise Refused(f"webhook-id is longer than {MAX_ID_LENGTH} characters.")
    # The package parses the header as a float and signs its floor: "1.7e9" would be checked against
    # another string than the one the sender signed. The spec says integer seconds; hold it to that.
    if not _TIMESTAMP.match(timestamp):
        raise Refused("webhook-timestamp must be whole seconds since the epoch.")
    try:
        wh.verify(
            body,
            {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature},
            json_parse=False,
        )
    except WebhookVerificationError as exc:
        raise Refused(f"Bad signature: {exc}.") from None
    except (ValueError, TypeError):
        # A signature entry without "v1," or with broken base64 makes the package raise ValueError.
        raise Refused("Bad signature: webhook-signature is not a list of v1,<base64> values.") from None


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The header value a sender computes (used by tests, the simulator and the README example)."""
    from datetime import UTC, datetime

    return Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())
