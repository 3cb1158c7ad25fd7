"""One attempt of a delivery: signed the Standard Webhooks way, posted to a public https address,
and what its answer means for the next one.

The URL is checked again at each attempt (DNS may have changed since the creator saved it) and the
connection goes to the address that was checked (``testimonials.outbound``: TLS still verifies the
certificate for the name). Redirects are never followed and every request has a timeout.
"""

import email.utils
import http.client
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from testimonials import outbound

USER_AGENT = "testimonial-engine-webhooks/1"
# Retries after the first attempt fails: about three days in all (67 h 35 min), then "failed".
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 6,
)
MAX_ATTEMPTS = 1 + len(SCHEDULE)
# A receiver's Retry-After is honoured up to the schedule's longest step: it may slow us down, not stall us.
RETRY_AFTER_CAP = max(SCHEDULE)
RESPONSE_BODY_LIMIT = 2048


@dataclass(frozen=True)
class Answer:
    """What one POST came back with: a status (and the start of the body), or why there is none."""

    status: int | None = None
    body: str = ""
    retry_after: str = ""
    error: str = ""
    refused: bool = False  # the URL itself may not be called (not public https)
    duration_ms: int = 0


def signature_headers(*, secrets: list[str], event_id: str, body: str, at: datetime) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (one ``v1,`` signature per
    secret, space-separated: the current one and, after a rotation, the previous one)."""
    at = at.astimezone(UTC)  # the package reads the datetime as UTC whatever its zone
    signatures = " ".join(Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body) for secret in secrets)
    return {"webhook-id": event_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signatures}


def post(url: str, *, body: str, headers: dict[str, str]) -> Answer:
    """POST once, after checking the URL; a redirect is an answer like any other (never followed)."""
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = outbound.check_url(url)
    except outbound.Refused as exc:
        return Answer(error=f"refused: {exc}", refused=True)
    conn = outbound.connection(target, target.addresses[0], timeout)
    name = f"[{target.host}]" if ":" in target.host else target.host
    host = name if target.port == 443 else f"{name}:{target.port}"
    request_headers = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": host,
    }
    try:
        conn.request("POST", target.path, body=body.encode(), headers=request_headers)
        reply = conn.getresponse()
        text = reply.read(RESPONSE_BODY_LIMIT).decode("utf-8", "replace")
        return Answer(
            status=reply.status,
            body=text,
            retry_after=reply.getheader("Retry-After", "") or "",
            duration_ms=took(),
        )
    except http.client.InvalidURL as exc:
        return Answer(error=f"refused: not a valid URL ({exc})", refused=True, duration_ms=took())
    except TimeoutError:
        return Answer(error=f"no answer within {timeout:g} s", duration_ms=took())
    except (OSError, http.client.HTTPException) as exc:  # refused, TLS failure, reset, garbage reply
        return Answer(error=f"{type(exc).__name__}: {exc}"[:255], duration_ms=took())
    finally:
        conn.close()


def retry_after_delay(value: str, *, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header as a delay: seconds, or an HTTP date; None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


def next_attempt_at(*, attempts: int, answer: Answer, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed tries, or None when the schedule is used up.

    429 and 503 with ``Retry-After``: no sooner than the receiver asked (up to ``RETRY_AFTER_CAP``).
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = SCHEDULE[attempts - 1]
    if answer.status in (429, 503):
        asked = retry_after_delay(answer.retry_after, now=now)
        if asked is not None:
            delay = max(delay, min(asked, RETRY_AFTER_CAP))
    return now + delay
