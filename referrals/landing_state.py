"""What the friend's landing page must know before it can answer, read in one statement.

A shared link is opened in bursts, and the empty-form page is rendered once per state and reused
(views.landing). Deciding which state a visit is in must therefore be cheap and always fresh: the link
(revoked?), the program (still live? which revision?), the graduate's name, their testimonial's
published version (what a moderator approved: its consent names the graduate; an edit waiting for
review changes nothing here; a withdrawal or a lower consent shows at once), and the link's first
counted click by anyone (the start of its access window: selectors.access_until says why not this
browser's). Three ORM queries with a Wagtail page join cost about four times the whole rest of the
request in query building alone, so this is one hand-written statement instead (the same reason as
the click's single statement, ReferralClick.objects.record).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection
from django.utils.dateparse import parse_datetime
from wagtail.models import Page

from campaigns.models import Student
from referrals.models import ReferralClick, ReferralLink
from referrals.selectors import link_first_click_keep
from testimonials.models import Consent, ModerationStatus, Testimonial


class TestimonialState(NamedTuple):
    """What of the graduate's testimonial (the one not withdrawn) decides the page: its published
    version only, never the submission waiting for review."""

    pk: int
    published_at: str | None  # as the driver returns it: it only tells published versions apart
    status: str
    consent: str  # the published version's consent ("" when nothing is published)

    @property
    def published(self) -> bool:
        return self.published_at is not None and self.status != ModerationStatus.REJECTED


@dataclass(frozen=True)
class LandingState:
    link_id: int
    program_id: int
    revoked: bool
    program_live: bool
    program_revision_id: int | None
    first_name: str
    last_name: str
    testimonial: TestimonialState | None
    first_click: datetime | None  # the link's first counted click by anyone: its access window starts there

    @property
    def inviter(self) -> str:
        """The graduate's name as their testimonial's consent allows, else "a graduate"."""
        named = (
            self.testimonial is not None
            and self.testimonial.published
            and self.testimonial.consent in (Consent.FULL, Consent.FIRST_NAME)
        )
        return (self.first_name or "a graduate") if named else "a graduate"

    @property
    def testimonial_shows(self) -> bool:
        """Whether the testimonial may appear on the page (mirrors Testimonial.is_visible)."""
        return (
            self.testimonial is not None
            and self.testimonial.published
            and self.testimonial.consent in Consent.publishable()
        )


# Table names come from the models (see landing_state); the values are parameters.
_SQL = (
    "SELECT l.id, l.program_id, l.revoked_at, p.live, p.latest_revision_id,"
    " s.first_name, s.last_name, t.id, t.published_at, t.status, t.published_consent,"
    " l.first_click_at, CASE WHEN l.first_click_at IS NULL THEN"
    " (SELECT MIN(c.clicked_at) FROM {click} c WHERE c.link_id = l.id"
    # The link's first day of clicks, then its first click that day; read once, then kept on the link.
    "  AND c.day = (SELECT MIN(d.day) FROM {click} d WHERE d.link_id = l.id)) END"
    " FROM {link} l"
    " JOIN {student} s ON s.id = l.student_id"
    " JOIN {page} p ON p.id = l.program_id"  # a program's pk is its Wagtail page's
    " LEFT JOIN {testimonial} t ON t.student_id = l.student_id AND t.program_id = l.program_id"
    " AND t.withdrawn_at IS NULL"
    " WHERE l.code = %s"
)


def _aware(value) -> datetime | None:
    """A timestamp as the driver returns it from an expression: aware on PostgreSQL, text in UTC on
    SQLite (an aggregate loses the column's declared type, so no converter runs)."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def landing_state(*, code: str) -> LandingState | None:
    """The state of the link ``code`` (already normalized); None when no such code. The same for every
    visitor: nothing a browser keeps (or clears) changes it."""
    with connection.cursor() as cursor:
        sql = _SQL.format(
            click=ReferralClick._meta.db_table,
            link=ReferralLink._meta.db_table,
            student=Student._meta.db_table,
            page=Page._meta.db_table,
            testimonial=Testimonial._meta.db_table,
        )
        cursor.execute(sql, [code])
        row = cursor.fetchone()
    if row is None:
        return None
    (link_id, program_id, revoked_at, live, revision_id, first, last) = row[:7]
    (t_id, t_published, t_status, t_consent, kept, found) = row[7:]
    first_click = _aware(kept) or _aware(found)
    if kept is None and found is not None:
        link_first_click_keep(link_id=link_id, at=first_click)
    return LandingState(
        link_id=link_id,
        program_id=program_id,
        revoked=revoked_at is not None,
        program_live=bool(live),
        program_revision_id=revision_id,
        first_name=first,
        last_name=last,
        testimonial=TestimonialState(t_id, None if t_published is None else str(t_published), t_status, t_consent)
        if t_id is not None
        else None,
        first_click=first_click,
    )
