"""The course platforms we take webhooks from: how each proves a request is its own, and its adapter.

Stripe and Thinkific sign their webhooks (a setting holds the secret); Teachable and Kajabi do not, so
their URL carries a long random token made in Integrations → Platform connections.
"""

import json
from dataclasses import dataclass
from types import ModuleType

from integrations.adapters import BadEvent, kajabi, stripe, teachable, thinkific
from integrations.models import InboundEvent, Platform


@dataclass(frozen=True)
class PlatformInfo:
    source: str
    label: str
    adapter: ModuleType
    setting: str = ""  # the setting with its signing secret; "" for the token sources
    signature_header: str = ""

    @property
    def uses_token(self) -> bool:
        return not self.setting


PLATFORMS = {
    Platform.STRIPE: PlatformInfo(Platform.STRIPE, "Stripe", stripe, "STRIPE_WEBHOOK_SECRET", "Stripe-Signature"),
    Platform.THINKIFIC: PlatformInfo(
        Platform.THINKIFIC, "Thinkific", thinkific, "THINKIFIC_WEBHOOK_SECRET", "X-Thinkific-Hmac-Sha256"
    ),
    Platform.TEACHABLE: PlatformInfo(Platform.TEACHABLE, "Teachable", teachable),
    Platform.KAJABI: PlatformInfo(Platform.KAJABI, "Kajabi", kajabi),
}

# Every platform event type the adapters act on, for the Inbound events filter.
EVENT_TYPES = tuple(name for info in PLATFORMS.values() for name in info.adapter.ACTED_ON)


def translate(event: InboundEvent) -> dict:
    """A stored platform event as one of our events, ``{"type": ..., "data": {...}}``, read against the
    mappings as they are now (raises ``adapters.Unmapped`` / ``Ignored`` / ``BadEvent``)."""
    info = PLATFORMS[event.source]
    try:
        return info.adapter.translate(json.loads(event.body))
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        # A field that is not the documented shape: the same body fails the same way, so once, saying so.
        raise BadEvent(f"The {info.label} event is not in the documented shape ({type(exc).__name__}: {exc}).") from exc
