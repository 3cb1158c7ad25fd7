"""Reads for the staff emails: who receives them and what they may see, what waits for the team, and
last week's numbers (counted by cms.dashboard.metrics, the dashboard's own reads, never recounted here).
Simulated students (simulate_cohort) never count."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from campaigns.models import ProgramPage
from cms.dashboard import metrics
from cms.models import StaffEmailPreferences
from referrals.conversions.models import Conversion
from referrals.conversions.models import Status as ConversionStatus
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from testimonials.models import CaseStatus, ModerationStatus, SupportCase, Testimonial

# What a staff user needs to see each part (a superuser has every permission).
SEE_REVIEW = ("referrals.view_conversion", "referrals.change_conversion")
SEE_REWARDS = ("referrals.view_reward", "referrals.change_reward")
SEE_CASES = ("testimonials.view_supportcase", "testimonials.change_supportcase")
SEE_TESTIMONIALS = ("testimonials.view_testimonial", "testimonials.change_testimonial")
# The week's numbers, as the dashboard's funnel names them, in the order the email shows them.
WEEK_STEPS = (
    ("enrolled", "Enrolled"),
    ("feedback", "Feedback"),
    ("happy", "Happy"),
    ("unhappy", "Unhappy"),
    ("testimonial", "Testimonials"),
    ("asked", "Asked"),
    ("friends_registered", "Friends registered"),
    ("joined", "Friends joined"),
)
CASES_LISTED = 10  # per program; the rest are counted


def can_see(user, permissions: tuple[str, ...]) -> bool:
    return any(user.has_perm(permission) for permission in permissions)


@dataclass
class Recipient:
    user: object
    programs: list[ProgramPage]  # the programs this user may edit (the dashboard's rule), by title


def recipients(*, wants: str) -> list[Recipient]:
    """Active users with an email who reach the admin, see at least one program, and did not turn
    ``wants`` ("daily_digest" / "weekly_summary") off in their account settings."""
    opted_out = StaffEmailPreferences.objects.filter(**{wants: False}).values("user_id")
    users = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(pk__in=opted_out).order_by("pk")
    programs = list(ProgramPage.objects.order_by("title", "pk"))
    found = []
    for user in users:
        if not (user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
            continue
        visible = [program for program in programs if program.permissions_for_user(user).can_edit()]
        if visible:
            found.append(Recipient(user=user, programs=visible))
    return found


@dataclass(frozen=True)
class Waiting:
    """What waits for the team in one program: conversions held for a person's review, physical gifts
    released with the graduate's address (to ship) and without it (waiting for the graduate)."""

    review: int = 0
    to_ship: int = 0
    waiting_for_graduate: int = 0


def rewards_waiting(*, program_ids: list[int]) -> dict[int, Waiting]:
    """Per program id with anything waiting (others are absent). Two queries."""
    review = dict(
        Conversion.objects.filter(program_id__in=program_ids, status=ConversionStatus.REVIEW)
        .exclude(graduate__simulated=True)
        .values("program_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "n")
    )
    has_address = ~Q(ship_name="") & ~Q(ship_line1="") & ~Q(ship_city="") & ~Q(ship_country="")
    gifts = {
        row["program_id"]: row
        for row in Reward.objects.filter(program_id__in=program_ids, kind=RewardKind.GIFT, status=RewardStatus.RELEASED)
        .exclude(student__simulated=True)
        .values("program_id")
        .annotate(to_ship=Count("id", filter=has_address), waiting=Count("id", filter=~has_address))
    }
    waiting = {}
    for program_id in set(review) | set(gifts):
        gift = gifts.get(program_id, {})
        waiting[program_id] = Waiting(
            review=review.get(program_id, 0),
            to_ship=gift.get("to_ship", 0),
            waiting_for_graduate=gift.get("waiting", 0),
        )
    return waiting


def week_bounds(day: date) -> tuple[date, date]:
    """The Monday and Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class WeekNumbers:
    counts: dict[str, int]  # WEEK_STEPS keys
    nps: int | None  # None: nobody scored that week
    answers: int


def week_numbers(program: ProgramPage, monday: date) -> WeekNumbers:
    """One Monday–Sunday week of a program, in the site's time zone, as the dashboard counts it."""
    sunday = monday + timedelta(days=6)
    steps = {step.key: step.count for step in metrics.program_funnel(program, start=monday, end=sunday)}
    weeks = [week for week in metrics.nps_by_week(program, start=monday, end=sunday) if week.week == monday]
    answers = sum(week.answers for week in weeks)
    return WeekNumbers(
        counts={key: steps.get(key) or 0 for key, _ in WEEK_STEPS},
        nps=weeks[0].nps if weeks and answers else None,
        answers=answers,
    )


@dataclass
class Backlog:
    """What waits in one program beyond rewards: open support cases (oldest first, with their opening
    time) and testimonials waiting for moderation."""

    cases: list[tuple[int, datetime]] = field(default_factory=list)
    cases_total: int = 0
    testimonials: int = 0


def backlog(*, program_ids: list[int]) -> dict[int, Backlog]:
    """Per program id. Three queries."""
    found: dict[int, Backlog] = {pk: Backlog() for pk in program_ids}
    open_cases = SupportCase.objects.filter(program_id__in=program_ids, status__in=CaseStatus.open_values()).exclude(
        student__simulated=True
    )
    for program_id, n in open_cases.values("program_id").annotate(n=Count("id")).values_list("program_id", "n"):
        found[program_id].cases_total = n
    # The oldest few per program: a window function would do it in SQL; programs are few, cases per
    # program fewer still, so the oldest CASES_LISTED per program are picked from one ordered read.
    oldest_first = open_cases.order_by("opened_at", "pk").values_list("program_id", "pk", "opened_at")
    for program_id, pk, opened_at in oldest_first:
        if len(found[program_id].cases) < CASES_LISTED:
            found[program_id].cases.append((pk, opened_at))
    pending = (
        Testimonial.objects.filter(program_id__in=program_ids, status=ModerationStatus.PENDING, withdrawn_at=None)
        .exclude(student__simulated=True)
        .values("program_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "n")
    )
    for program_id, n in pending:
        found[program_id].testimonials = n
    return found
