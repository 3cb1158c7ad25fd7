"""Pure reads for the dashboard's other panels: prompt completion per milestone, the mission's pace, the
top advocates, how long a thank-you takes, and what waits for the team (support cases, moderation,
review, thank-yous to give or ship). A fixed number of queries each, whatever the number of students;
simulated students never count. Every time-based figure takes ``now`` (tests freeze it)."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q
from django.utils import timezone

from campaigns.models import Enrollment, ProgramPage, Stage
from campaigns.selectors import MissionProgress, program_mission_progress, simulated_students
from referrals import doors
from referrals.conversions.models import Conversion, Status
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from sharing_prompts.models import PromptDelivery
from testimonials.models import CaseStatus, SupportCase, Testimonial

RECENT_DAYS = 28  # the recent pace: joined in the last four weeks


@dataclass(frozen=True)
class MilestonePrompts:
    slug: str
    title: str
    prompted: int
    completed: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.completed / self.prompted, 1) if self.prompted else None


def prompt_completion(program: ProgramPage, *, since=None, until=None, cohort: str | None = None):
    """Per milestone, in the program's order: students prompted in the window, and how many of them
    completed the prompt (whenever they did). Two queries (the milestones, the deliveries grouped)."""
    deliveries = PromptDelivery.objects.filter(program_id=program.pk).exclude(student_id__in=simulated_students())
    if cohort:
        deliveries = deliveries.filter(enrollment__cohort=cohort)
    if since:
        deliveries = deliveries.filter(prompted_at__gte=since)
    if until:
        deliveries = deliveries.filter(prompted_at__lt=until)
    rows = {
        row["milestone_slug"]: row
        for row in deliveries.values("milestone_slug").annotate(
            prompted=Count("id"),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            title=Max("milestone_title"),
        )
    }
    order = [(m.slug, m.title) for m in program.milestones.order_by("sort_order", "pk")]
    # A milestone deleted since keeps its deliveries: listed after the current ones, by its old title.
    order += sorted(((slug, row["title"]) for slug, row in rows.items() if slug not in dict(order)), key=str)
    return [
        MilestonePrompts(slug, title, rows[slug]["prompted"], rows[slug]["completed"])
        for slug, title in order
        if slug in rows
    ]


@dataclass(frozen=True)
class MissionPace:
    progress: MissionProgress
    today: date
    recent: int  # joined in the last RECENT_DAYS days

    @property
    def remaining(self) -> int:
        return max(0, self.progress.goal - self.progress.reached)

    @property
    def days_left(self) -> int:
        """Days until the deadline, the deadline day included (0: it has passed)."""
        return max(0, (self.progress.deadline - self.today).days + 1)

    @property
    def needed_per_week(self) -> int | None:
        """How many a week from today to reach the goal on the deadline (None: reached, or too late)."""
        if not self.remaining or not self.days_left:
            return None
        return math.ceil(self.remaining * 7 / self.days_left)

    @property
    def recent_per_week(self) -> float:
        return round(self.recent * 7 / RECENT_DAYS, 1)

    @property
    def on_track(self) -> bool:
        return not self.remaining or (self.needed_per_week is not None and self.recent_per_week >= self.needed_per_week)


def mission_pace(program: ProgramPage, *, now: datetime | None = None) -> MissionPace:
    """The mission's count (the program page's own, campaigns.selectors) and the pace to the deadline.
    Two queries."""
    now = now or timezone.now()
    recent = (
        Enrollment.objects.filter(
            program_id=program.pk, enrolled_at__gte=now - timedelta(days=RECENT_DAYS), enrolled_at__lte=now
        )
        .exclude(stage=Stage.WITHDRAWN)
        .exclude(student_id__in=simulated_students())
        .count()
    )
    return MissionPace(program_mission_progress(program=program), timezone.localdate(now), recent)


def top_advocates(program: ProgramPage, *, limit: int = 5) -> list[dict]:
    """The graduates with the most friends joined (the funnel's "Joined"), most first. One query."""
    return list(
        doors.friends_joined(program_id=program.pk)
        .values("graduate_id", "graduate__first_name", "graduate__email")
        .annotate(joined=Count("id"))
        .order_by("-joined", "graduate_id")[:limit]
    )


def median_reward_delay(program: ProgramPage) -> tuple[timedelta | None, int]:
    """The median time from the friend's conversion that met the rule (the latest of the reward's) to the
    thank-you's release, over the thank-yous given; and how many. Two queries (a count, the middle rows)."""
    delays = (
        doors.rewards_given(program_id=program.pk)
        .annotate(last=Max("conversions__occurred_at"))
        .filter(last__isnull=False)
        .annotate(delay=ExpressionWrapper(F("released_at") - F("last"), output_field=DurationField()))
    )
    n = delays.count()
    if not n:
        return None, 0
    middle = list(delays.order_by("delay", "pk").values_list("delay", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return sum(middle, timedelta()) / len(middle), n


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str
    count: int
    oldest: datetime | None = None  # when the oldest of them started waiting

    def age(self, now: datetime) -> timedelta | None:
        return now - self.oldest if self.oldest else None


def waiting_for_the_team(program: ProgramPage) -> list[Waiting]:
    """What waits for someone, now (no cohort, no window): four queries."""
    cases = (
        SupportCase.objects.filter(program_id=program.pk, status__in=CaseStatus.open_values())
        .exclude(student_id__in=simulated_students())
        .aggregate(n=Count("id"), oldest=Min("opened_at"))
    )
    moderation = (
        Testimonial.objects.filter(program_id=program.pk).waiting().aggregate(n=Count("id"), oldest=Min("updated_at"))
    )
    review = (
        Conversion.objects.filter(program_id=program.pk, status=Status.REVIEW)
        .exclude(graduate_id__in=simulated_students())
        .aggregate(n=Count("id"), oldest=Min("created_at"))
    )
    owed = Q(status=RewardStatus.OWED)
    to_ship = Q(status=RewardStatus.RELEASED, kind=RewardKind.GIFT)
    rewards = (
        Reward.objects.filter(program_id=program.pk)
        .exclude(student_id__in=simulated_students())
        .aggregate(
            owed=Count("id", filter=owed),
            owed_since=Min("created_at", filter=owed),
            ship=Count("id", filter=to_ship),
            ship_since=Min("released_at", filter=to_ship),
        )
    )
    return [
        Waiting("support", "Open support cases", cases["n"], cases["oldest"]),
        Waiting("moderation", "Testimonials waiting for moderation", moderation["n"], moderation["oldest"]),
        Waiting("review", "Friends held for review", review["n"], review["oldest"]),
        Waiting("owed", "Thank-yous owed (not released yet)", rewards["owed"], rewards["owed_since"]),
        Waiting("ship", "Gifts to ship", rewards["ship"], rewards["ship_since"]),
    ]
