"""When a marketing message may go: the contact budget and quiet hours.

A message that would break either is deferred to the first moment it would not, never
dropped. Transactional messages skip both (they still respect suppression).
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models.functions import Lower

from mailers.models import Category, Message, Status


def quiet_until(now: datetime, time_zone: str) -> datetime | None:
    """The end of the recipient's quiet hours if ``now`` falls inside them, else None."""
    try:
        tz = zoneinfo.ZoneInfo(time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    start: time = settings.MAIL_QUIET_START
    end: time = settings.MAIL_QUIET_END
    if start == end:
        return None
    local = now.astimezone(tz)
    clock = local.time()
    overnight = start > end  # e.g. 21:00-08:00
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if overnight and clock >= start else local.date()
    return datetime.combine(day, end, tzinfo=tz)


def recent_marketing_sends(emails, now: datetime) -> dict[str, list[datetime]]:
    """Per lower-cased address: when marketing mail went to it within the budget window.

    Messages being sent count too, so two workers cannot both spend the last slot.
    """
    since = now - timedelta(days=settings.MAIL_BUDGET_DAYS)
    sent: dict[str, list[datetime]] = {}
    rows = (
        Message.objects.annotate(email_lower=Lower("to_email"))
        .filter(
            email_lower__in=list({e.lower() for e in emails}),
            status__in=(Status.SENT, Status.SENDING),
            category__in=Category.marketing(),
            sent_at__gt=since,
        )
        .values_list("email_lower", "sent_at")
    )
    for email, sent_at in rows:
        sent.setdefault(email, []).append(sent_at)
    return sent


def budget_allows_at(sent: list[datetime], now: datetime) -> datetime | None:
    """None if one more marketing email fits the budget now, else when it next will."""
    limit = settings.MAIL_BUDGET_MAX
    window = timedelta(days=settings.MAIL_BUDGET_DAYS)
    in_window = sorted(s for s in sent if s > now - window)
    if len(in_window) < limit:
        return None
    # The slot frees when enough of the oldest sends have left the window.
    return in_window[len(in_window) - limit] + window


def next_allowed(*, category: str, time_zone: str, sent: list[datetime], now: datetime) -> tuple[datetime, str] | None:
    """None if the message may go now; otherwise (when, why)."""
    if category not in Category.marketing():
        return None
    later: list[tuple[datetime, str]] = []
    if (when := budget_allows_at(sent, now)) is not None:
        later.append(
            (when, f"contact budget: {settings.MAIL_BUDGET_MAX} marketing emails in {settings.MAIL_BUDGET_DAYS} days")
        )
    candidate = max((w for w, _ in later), default=now)
    if (quiet := quiet_until(candidate, time_zone)) is not None:
        later.append((quiet, "quiet hours in the recipient's time zone"))
    if not later:
        return None
    return max(later, key=lambda item: item[0])
