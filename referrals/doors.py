"""The referral records behind each of the dashboard's referral counts, as querysets: the dashboard
counts them (cms/dashboard/metrics.py) and the admin lists' filter sets list them
(``?program=&cohort=&since=&until=`` plus each list's step), so a count and its list cannot disagree.

``since`` / ``until`` are datetimes, [since, until). The cohort is the graduate's enrollment in the
program. Simulated students (simulate_cohort) are never in any of these sets."""

from datetime import datetime

from django.db.models import Min, Q, QuerySet

from campaigns.models import Enrollment
from campaigns.selectors import simulated_students
from referrals.conversions.models import COUNTED, Conversion
from referrals.models import FriendLead, ReferralClick
from referrals.rewards.models import Reward, RewardStatus

GIVEN = (RewardStatus.RELEASED, RewardStatus.FULFILLED)  # a thank-you the graduate has


def _window(field: str, since: datetime | None, until: datetime | None) -> Q:
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": since})
    if until:
        q &= Q(**{f"{field}__lt": until})
    return q


def _graduates(path: str, program_id: int, cohort: str | None) -> Q:
    """Real graduates of the program (and cohort): ``path`` is the lookup to the graduate's Student (never
    empty). The simulated few are excluded by id rather than by joining every student to read the flag."""
    q = Q(**{f"{path}__isnull": False}) & ~Q(**{f"{path}_id__in": simulated_students()})
    if cohort:
        in_cohort = Enrollment.objects.filter(program_id=program_id, cohort=cohort).values("student_id")
        q &= Q(**{f"{path}_id__in": in_cohort})
    return q


def link_clicks(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[ReferralClick]:
    """Clicks on the program's graduates' links (one per browser per day)."""
    return ReferralClick.objects.filter(
        _graduates("link__student", program_id, cohort),
        _window("clicked_at", since, until),
        link__program_id=program_id,
    )


def link_click_people(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[ReferralClick]:
    """One row per person (browser) who clicked: their first click in the window."""
    clicks = link_clicks(program_id=program_id, cohort=cohort, since=since, until=until)
    firsts = clicks.order_by().values("visitor").annotate(first=Min("id")).values("first")
    return ReferralClick.objects.filter(pk__in=firsts)


def friends_registered(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[FriendLead]:
    """Friends who registered through a graduate's link (credited or not), in the window of registering."""
    return FriendLead.objects.filter(
        _graduates("via_link__student", program_id, cohort),
        _window("registered_at", since, until),
        program_id=program_id,
    )


def friends_confirmed(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[FriendLead]:
    """Of those, who confirmed their address, in the window of confirming."""
    return FriendLead.objects.filter(
        _graduates("via_link__student", program_id, cohort),
        _window("confirmed_at", since, until),
        program_id=program_id,
        confirmed_at__isnull=False,
    )


def friends_joined(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[Conversion]:
    """Friends' first conversions credited to a graduate and still counted (held, in review, approved,
    refunded after approval): one per friend's inbox (the ``conversion_first_per_inbox`` constraint)."""
    return Conversion.objects.filter(
        _graduates("graduate", program_id, cohort),
        _window("occurred_at", since, until),
        program_id=program_id,
        status__in=COUNTED,
        is_first=True,
    )


def rewards_given(*, program_id: int, cohort=None, since=None, until=None) -> QuerySet[Reward]:
    """Thank-yous released or fulfilled, in the window of release."""
    return Reward.objects.filter(
        _graduates("student", program_id, cohort),
        _window("released_at", since, until),
        program_id=program_id,
        status__in=GIVEN,
    )


STEPS = {
    "link_clicks": link_click_people,
    "friends_registered": friends_registered,
    "friends_confirmed": friends_confirmed,
    "joined": friends_joined,
    "rewarded": rewards_given,
}
