"""What one sender pass decided for each message, and how a provider's error is classified.

Shared by the single sends (sending.py) and the batch sends (batching.py), so that an
error means the same for a message whether it went out alone or with a thousand others.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings

from mailers.models import Message

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    sent: list[tuple[int, str, str]] = field(default_factory=list)  # (pk, subject, provider message id)
    retry: list[tuple[int, datetime, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)  # not attempted before the lease ran out


def is_permanent_api_error(exc: Exception) -> bool:
    """A 4xx other than 429: the provider refused the request itself; sending it again won't help."""
    status = getattr(exc, "status_code", None)
    return isinstance(exc, AnymailAPIError) and status is not None and 400 <= status < 500 and status != 429


def send_failed(outcome: Outcome, messages: list[Message], now: datetime, exc: Exception) -> None:
    """The provider call for ``messages`` raised ``exc``: fail them, or retry them with backoff."""
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        outcome.failed.extend((m.pk, f"refused by the provider: {exc}") for m in messages)
    elif is_permanent_api_error(exc):
        error = f"provider rejected the message ({exc.status_code}): {exc}"
        outcome.failed.extend((m.pk, error) for m in messages)
    else:  # 5xx, 429, connection errors, timeouts, SMTP hiccups: all worth another try
        for message in messages:
            retry_or_fail(outcome, message, now, exc)


def retry_or_fail(outcome: Outcome, message: Message, now: datetime, exc: Exception | str) -> None:
    error = (f"{type(exc).__name__}: {exc}" if isinstance(exc, Exception) else exc)[:2000]
    if message.attempts >= settings.MAIL_MAX_ATTEMPTS:
        outcome.failed.append((message.pk, f"gave up after {message.attempts} attempts; last error: {error}"))
        return
    delay = min(settings.MAIL_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), 3600)
    outcome.retry.append((message.pk, now + timedelta(seconds=delay), error))
    logger.warning("message %s: transient error, retry in %ss: %s", message.pk, delay, error)
