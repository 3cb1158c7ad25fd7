"""Signed, expiring personal links for unsubscribe and preferences (no login needed)."""

from django.conf import settings
from django.core import signing

SALT = "mailers.recipient"


def make(email: str) -> str:
    return signing.dumps({"e": email.lower()}, salt=SALT, compress=True)


def read(token: str) -> str | None:
    """The address a token was made for, or None if it is tampered with or expired."""
    try:
        # signing compares signatures in constant time.
        data = signing.loads(token, salt=SALT, max_age=settings.MAIL_LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    email = data.get("e") if isinstance(data, dict) else None
    return email if isinstance(email, str) and "@" in email else None
