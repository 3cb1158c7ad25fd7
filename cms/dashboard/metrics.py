"""Pure reads for the dashboard. Each function runs a fixed number of queries, whatever the number of
students: counts are aggregated in the database (Count with filters), never by looping over rows.

The window (``start``/``end``, dates, both inclusive) applies to when each step happened: enrolled_at for
"enrolled", occurred_at for journey steps, clicked_at, registered_at / confirmed_at, a conversion's
occurred_at. The cohort is the enrollment's. Simulated students (simulate_cohort) never count here."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import Enrollment, JourneyEvent, ProgramPage
from campaigns.selectors import simulated_students
from referrals import doors
from referrals.events import ReferralEvent
from sharing_prompts.events import PromptEvent
from testimonials.events import FeedbackEvent
from testimonials.models import FeedbackResponse

# (key, label, journey kind): steps counted as enrollments with at least one such event.
EVENT_STEPS = (
    ("prompted", "Prompted", PromptEvent.PROMPTED),
    ("prompt_completed", "Prompt completed", PromptEvent.COMPLETED),
    ("feedback", "Feedback", FeedbackEvent.SCORED),
    ("happy", "Happy", FeedbackEvent.HAPPY),
    ("neutral", "Neutral", FeedbackEvent.NEUTRAL),
    ("unhappy", "Unhappy", FeedbackEvent.UNHAPPY),
    ("testimonial", "Testimonial", FeedbackEvent.TESTIMONIAL_SUBMITTED),
    ("asked", "Asked", ReferralEvent.ASKED),
)
# (key, label): steps counted from the referral records, each with its list (referrals/doors.py).
REFERRAL_STEPS = (
    ("link_clicks", "Link clicks (people)"),
    ("friends_registered", "Friends registered"),
    ("friends_confirmed", "Friends confirmed"),
    ("joined", "Joined (conversions)"),
    ("rewarded", "Rewarded (thank-yous given)"),
)
# Where each step's conversion is measured from (happy/neutral/unhappy split "feedback").
PREVIOUS = {"happy": "feedback", "neutral": "feedback", "unhappy": "feedback", "testimonial": "happy"}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    count: int | None  # None: the part that counts it is not built yet (none left since rewards)
    kind: str = ""  # the journey kind behind it, for the door to the students list
    percent: float | None = None  # of the previous step

    @property
    def built(self) -> bool:
        return self.count is not None


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, end+1 00:00) in the site's time zone, so "until the 5th" includes all of the 5th."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None
    return since, until


def _window(field: str, since, until) -> Q:
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": since})
    if until:
        q &= Q(**{f"{field}__lt": until})
    return q


def program_enrollments(program: ProgramPage, cohort: str | None = None):
    enrollments = Enrollment.objects.filter(program_id=program.pk).exclude(student_id__in=simulated_students())
    return enrollments.filter(cohort=cohort) if cohort else enrollments


def program_funnel(program: ProgramPage, start: date | None = None, end: date | None = None, cohort: str | None = None):
    """The funnel as a list of Steps, in journey order. Seven queries."""
    since, until = day_bounds(start, end)
    enrollments = program_enrollments(program, cohort)
    enrolled = enrollments.filter(_window("enrolled_at", since, until)).count()
    events = JourneyEvent.objects.filter(
        _window("occurred_at", since, until), program_id=program.pk, kind__in=[kind for _, _, kind in EVENT_STEPS]
    ).exclude(student_id__in=simulated_students())
    if cohort:
        events = events.filter(enrollment__in=enrollments.values("pk"))
    per_kind = dict(events.values("kind").annotate(n=Count("enrollment", distinct=True)).values_list("kind", "n"))
    # The referral steps: the very sets the referral lists' doors show (referrals/doors.py).
    window = {"program_id": program.pk, "cohort": cohort, "since": since, "until": until}
    counts: list[tuple[str, str, int | None, str]] = [("enrolled", "Enrolled", enrolled, "")]
    counts += [(key, label, per_kind.get(kind, 0), kind) for key, label, kind in EVENT_STEPS]
    counts += [(key, label, doors.STEPS[key](**window).count(), "") for key, label in REFERRAL_STEPS]
    steps: list[Step] = []
    by_key: dict[str, int | None] = {}
    for index, (key, label, count, kind) in enumerate(counts):
        before = by_key.get(PREVIOUS[key]) if key in PREVIOUS else (counts[index - 1][2] if index else None)
        percent = round(100.0 * count / before, 1) if count is not None and before else None
        steps.append(Step(key=key, label=label, count=count, kind=kind, percent=percent))
        by_key[key] = count
    return steps


@dataclass(frozen=True)
class NpsWeek:
    week: date  # the Monday
    answers: int
    promoters: int
    detractors: int

    @property
    def nps(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.answers) if self.answers else 0


def nps_by_week(program: ProgramPage, start: date | None = None, end: date | None = None, cohort: str | None = None):
    """Net Promoter Score (9–10 promoters, 0–6 detractors) per week of scoring, with the answers behind it.
    One query: the rows are grouped by day in the database; days fold into weeks here (at most a few hundred)."""
    since, until = day_bounds(start, end)
    from django.db.models.functions import TruncDate

    responses = FeedbackResponse.objects.filter(
        _window("scored_at", since, until), program_id=program.pk, score__isnull=False
    ).exclude(student_id__in=simulated_students())
    if cohort:
        responses = responses.filter(cohort=cohort)
    per_day = (
        responses.annotate(day=TruncDate("scored_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            answers=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by("day")
    )
    weeks: dict[date, list[int]] = {}
    for row in per_day:
        monday = row["day"] - timedelta(days=row["day"].weekday())
        totals = weeks.setdefault(monday, [0, 0, 0])
        totals[0] += row["answers"]
        totals[1] += row["promoters"]
        totals[2] += row["detractors"]
    return [NpsWeek(week, *totals) for week, totals in sorted(weeks.items())]


def program_summaries(programs):
    """For the admin home: each program's enrolled and unhappy counts, in two queries for all programs."""
    ids = [p.pk for p in programs]
    enrolled = dict(
        Enrollment.objects.filter(program_id__in=ids)
        .exclude(student_id__in=simulated_students())
        .values("program_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "n")
    )
    flagged = {
        (row["program_id"], row["kind"]): row["n"]
        for row in JourneyEvent.objects.filter(
            program_id__in=ids,
            kind__in=[FeedbackEvent.SCORED, FeedbackEvent.UNHAPPY, FeedbackEvent.TESTIMONIAL_SUBMITTED],
        )
        .exclude(student_id__in=simulated_students())
        .values("program_id", "kind")
        .annotate(n=Count("enrollment", distinct=True))
    }
    return [
        {
            "program": p,
            "enrolled": enrolled.get(p.pk, 0),
            "feedback": flagged.get((p.pk, FeedbackEvent.SCORED), 0),
            "unhappy": flagged.get((p.pk, FeedbackEvent.UNHAPPY), 0),
            "testimonials": flagged.get((p.pk, FeedbackEvent.TESTIMONIAL_SUBMITTED), 0),
        }
        for p in programs
    ]
