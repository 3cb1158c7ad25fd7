"""The staff emails' kinds. Their subject and body are built per recipient by cms.staff_emails.services
(counts in our own words, program titles and links as merge values, so nothing a creator typed is
ever read as merge syntax)."""

from mailers.kinds import EmailKind
from mailers.models import Category

DAILY_DIGEST = EmailKind(
    name="staff_daily_digest",
    category=Category.TRANSACTIONAL,
    description="To staff, once a day when rewards wait for review or shipping (never when nothing waits).",
)
WEEKLY_SUMMARY = EmailKind(
    name="staff_weekly_summary",
    category=Category.TRANSACTIONAL,
    description="To staff, once a week: last week's numbers per program, the change, and what waits.",
)

# Registered in CmsConfig.ready().
KINDS = (DAILY_DIGEST, WEEKLY_SUMMARY)
