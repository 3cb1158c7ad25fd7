"""A student's personal links: signed, expiring, no password (the hub and the pages under it).

The token carries only the student's id; the signature (compared in constant time by
Django's signer) makes it unguessable, the timestamp makes it expire.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from mailers.rendering import absolute

SALT = "campaigns.hub"


@dataclass(frozen=True)
class LinkCheck:
    student_id: int | None
    problem: str = ""  # "expired" or "invalid" when student_id is None

    @property
    def ok(self) -> bool:
        return self.student_id is not None


def hub_token(student_id: int) -> str:
    return signing.dumps(student_id, salt=SALT)


def read_hub_token(token: str) -> LinkCheck:
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.HUB_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return LinkCheck(None, "expired")
    except signing.BadSignature:
        return LinkCheck(None, "invalid")
    return LinkCheck(value) if isinstance(value, int) and value > 0 else LinkCheck(None, "invalid")


def hub_path(student_id: int, name: str = "hub", *args) -> str:
    """A path under the student's hub, e.g. hub_path(7, "sharing_prompts:prompt", 12)."""
    return reverse(name, args=[hub_token(student_id), *args])


def hub_url(student_id: int, name: str = "hub", *args) -> str:
    return absolute(hub_path(student_id, name, *args))
