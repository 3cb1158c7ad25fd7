"""The graduate's loop emails: told when a friend joins through their link, and when their thank-you is
released, shipped or revoked. Each is queued once (the outbox's idempotency key: a replayed signal finds
the first message), never to a simulated graduate (``simulate_cohort``).

When does which go:
- a friend confirms a free registration (``leads.lead_confirm``): ``friend_joined``. Confirming is also
  the friend's conversion there, so this is the one email for both;
- a friend's purchase is credited to the graduate's link (``conversion_attributed``, held, under review
  or approved; a refused one tells nobody): ``friend_converted``;
- ``reward_released`` / ``reward_shipped`` / ``reward_revoked`` (referrals/signals.py): one email each.

A friend is named by the first name they gave only when they ticked the box to let the graduate know
(``FriendLead.name_consent_at``); otherwise, and always once they are erased, the graduate reads
"a friend".

The released email also says what the friend's joining did for the mission (the live count, in the
ask's own words) and, once per thank-you, invites the graduate to pass their link on again, but only
when the ask would allow it (``invite_refusal``: the ask's rules, the plan's cap, their contact budget).
"""

import zoneinfo
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from campaigns import links
from campaigns.models import Enrollment, Student
from campaigns.sample_values import mission_progress_line
from campaigns.selectors import program_mission_progress
from campaigns.services import student_email_queue
from mailers import policy
from referrals import emails
from referrals.conversions.models import COUNTED, Conversion, Status
from referrals.models import FriendLead, ReferralLink, ReferralPlan
from referrals.rewards import rules
from referrals.rewards.models import ACCESS_KINDS, Reward, RewardKind
from referrals.selectors import link_url, plan_for

NOBODY = "a friend"


def friend_name(lead: FriendLead | None) -> str:
    """The friend as the graduate may read them: the first name they gave, with their consent; else
    "a friend". An erased lead has no name left (referrals/erasure.py), so it is "a friend" too."""
    if lead is None or lead.name_consent_at is None or not lead.first_name:
        return NOBODY
    # A student already (another program): their own first name, not one typed into a public form.
    student = Student.objects.filter(pk=lead.student_id).only("first_name").first() if lead.student_id else None
    return (student.first_name if student else "") or lead.first_name


def friends_named(conversions) -> str:
    """The friends one thank-you was for: "Jo", "Jo and a friend", "3 friends"."""
    names = [friend_name(conversion.lead) for conversion in conversions]
    if len(names) <= 1:
        return names[0] if names else NOBODY
    named = [name for name in names if name != NOBODY]
    if not named:
        return f"{len(names)} friends"
    others = len(names) - len(named)
    if others:
        named.append(NOBODY if others == 1 else f"{others} other friends")
    return ", ".join(named[:-1]) + " and " + named[-1]


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _quiet(student: Student | None) -> bool:
    # simulate_cohort's graduates are nobody's: nothing is written to them.
    return student is None or student.simulated


# --- A friend joined ------------------------------------------------------------------------------


def friend_joined(*, lead: FriendLead, link: ReferralLink, plan: ReferralPlan | None, now: datetime) -> None:
    """A friend confirmed a free registration through ``link`` (``leads.lead_confirm``)."""
    graduate = link.student
    if _quiet(graduate):
        return
    student_email_queue(
        student=graduate,
        program=link.program,
        kind=emails.FRIEND_JOINED_EMAIL.name,
        idempotency_key=f"friend-joined:{lead.pk}",
        context={
            "friend_name": friend_name(lead),
            "thank_you": rules.promise(plan),
            "hub_url": links.hub_url(graduate.pk),
        },
        now=now,
    )


def _thank_you_line(conversion: Conversion, plan: ReferralPlan | None, graduate: Student) -> str:
    if not rules.promise(plan):
        return ""
    if conversion.status == Status.HELD and conversion.hold_until:
        day = date_format(conversion.hold_until.astimezone(_zone(graduate.time_zone)), "j F Y")
        return f"It counts toward your thank-you once the refund window has passed, on {day}."
    if conversion.status == Status.REVIEW:
        return "We check a few things before it counts toward your thank-you; your page shows where it stands."
    return "It counts toward your thank-you now."


def friend_converted(*, conversion: Conversion, now: datetime | None = None) -> None:
    """A friend's purchase was credited to the graduate's link (``conversion_attributed``). A free
    registration's conversion is told by ``friend_joined`` at the confirmation: one email, not two."""
    if conversion.source == "" or conversion.status not in (Status.HELD, Status.REVIEW, Status.APPROVED):
        return
    superseded = Conversion.objects.filter(
        program_id=conversion.program_id, friend_inbox=conversion.friend_inbox, status=Status.SUPERSEDED
    )
    if superseded.exists():
        return  # they registered through the link first: the graduate was told then that this friend joined
    graduate = Student.objects.filter(pk=conversion.graduate_id).first()
    if _quiet(graduate):
        return
    conversion = Conversion.objects.select_related("program", "lead").get(pk=conversion.pk)
    student_email_queue(
        student=graduate,
        program=conversion.program,
        kind=emails.FRIEND_CONVERTED_EMAIL.name,
        idempotency_key=f"friend-converted:{conversion.pk}",
        context={
            "friend_name": friend_name(conversion.lead),
            "thank_you_line": _thank_you_line(conversion, plan_for(conversion.program_id), graduate),
            "hub_url": links.hub_url(graduate.pk),
        },
        now=now or conversion.created_at,
    )


# --- The thank-you ---------------------------------------------------------------------------------


def _reward_of(reward: Reward) -> tuple[Reward, Student | None]:
    reward = Reward.objects.select_related("program", "student").get(pk=reward.pk)
    return reward, reward.student


def _friends_of(reward: Reward) -> str:
    return friends_named(reward.conversions.select_related("lead").order_by("approved_at", "pk"))


def reward_lines(reward: Reward, hub_url: str) -> tuple[str, str]:
    """(what the thank-you is and where to find it, its link). A code is never in the email: it counts as
    used once the hub shows it, so a refund can still return an unseen one to the bank."""
    if reward.kind == RewardKind.BOOKING_LINK and reward.booking_url:
        return "a bonus session with our team. Book it when it suits you:", reward.booking_url
    if reward.kind == RewardKind.CODE_BANK:
        return "your code is on your page, whenever you want to use it:", hub_url
    if reward.kind == RewardKind.GIFT:
        return "a gift. Tell us on your page where to send it:", hub_url
    if reward.kind in ACCESS_KINDS and reward.enrollment_id and reward.target_program_id:
        return f"access to {reward.target_program.title}: you are enrolled. Your page has it:", hub_url
    if reward.kind in ACCESS_KINDS:
        return f"{reward.description or 'early access'}; the course platform gives you access:", hub_url
    return "it is on your page:", hub_url


def invite_refusal(*, reward: Reward, plan: ReferralPlan | None, now: datetime) -> str:
    """ "" when the released email may invite the graduate once more, else why not: the same rules as
    the ask (referrals.services.eligibility: happy, a testimonial, no open case, marketing consent, not
    unsubscribed from asks), a live link, room under the plan's cap (a next friend would be credited),
    and room in their contact budget now."""
    from referrals.services import eligibility  # services imports the emails this module sends

    if plan is None:
        return "the program has no referral ask"
    link = ReferralLink.objects.filter(student_id=reward.student_id, program_id=reward.program_id).first()
    if link is None or link.revoked_at is not None:
        return "their link is revoked"
    enrollment = (
        Enrollment.objects.select_related("student", "program")
        .filter(student_id=reward.student_id, program_id=reward.program_id)
        .first()
    )
    if enrollment is None:
        return "not enrolled in the program"
    if why_not := eligibility(enrollment=enrollment):
        return why_not
    credited = Conversion.objects.filter(
        program_id=reward.program_id,
        graduate_id=reward.student_id,
        status__in=COUNTED,
        occurred_at__gte=now - timedelta(days=plan.reward_cap_days),
    ).count()
    if credited >= plan.reward_cap:
        return "the plan's cap for the period is reached: a next friend would not be credited"
    email = enrollment.student.email
    sent = policy.recent_marketing_sends([email], now).get(email.lower(), [])
    if policy.budget_allows_at(sent, now) is not None:
        return "their contact budget is spent"
    return ""


def reward_released(*, reward: Reward, now: datetime | None = None) -> None:
    reward, graduate = _reward_of(reward)
    if _quiet(graduate):
        return
    now = now or reward.released_at or timezone.now()
    plan = plan_for(reward.program_id)
    mission = program_mission_progress(program=reward.program)
    hub_url = links.hub_url(graduate.pk)
    reward_line, reward_link = reward_lines(reward, hub_url)
    context = {
        "friend_name": _friends_of(reward),
        "reward_line": reward_line,
        "reward_link": reward_link,
        "mission_statement": mission.statement,
        "mission_progress": mission_progress_line(reached=mission.reached, unit=mission.unit, goal=mission.goal),
        "hub_url": hub_url,
    }
    if not invite_refusal(reward=reward, plan=plan, now=now):
        link = ReferralLink.objects.get(student_id=reward.student_id, program_id=reward.program_id)
        context.update(body=emails.REWARD_RELEASED_EMAIL.body + emails.INVITE_AGAIN, special_link=link_url(link.code))
    student_email_queue(
        student=graduate,
        program=reward.program,
        kind=emails.REWARD_RELEASED_EMAIL.name,
        # One per thank-you: so is the invitation in it.
        idempotency_key=f"reward-released:{reward.pk}",
        context=context,
        now=now,
    )


def reward_shipped(*, reward: Reward, now: datetime | None = None) -> None:
    reward, graduate = _reward_of(reward)
    if _quiet(graduate):
        return
    student_email_queue(
        student=graduate,
        program=reward.program,
        kind=emails.REWARD_SHIPPED_EMAIL.name,
        idempotency_key=f"reward-shipped:{reward.pk}",
        context={
            "friend_name": _friends_of(reward),
            "tracking_note": reward.tracking_note,
            "hub_url": links.hub_url(graduate.pk),
        },
        now=now or reward.shipped_at or timezone.now(),
    )


def reward_revoked(*, reward: Reward, explanation: str, now: datetime | None = None) -> None:
    reward, graduate = _reward_of(reward)
    if _quiet(graduate):
        return
    student_email_queue(
        student=graduate,
        program=reward.program,
        kind=emails.REWARD_REVOKED_EMAIL.name,
        idempotency_key=f"reward-revoked:{reward.pk}",
        context={
            "friend_name": _friends_of(reward),
            "explanation": explanation or reward.reason,
            "hub_url": links.hub_url(graduate.pk),
        },
        now=now or reward.revoked_at or timezone.now(),
    )
