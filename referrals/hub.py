"""The graduate's special-link section of the hub: the link, its QR code, messages to send themselves,
the offer, their thank-you and its status, the friends who registered (the mission's progress is
on the program's card just below)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from referrals.conversions.models import Conversion, Status
from referrals.models import FriendLead, ReferralLink, ReferralPlan
from referrals.rewards.models import ACCESS_KINDS, Reward, RewardKind, RewardStatus
from referrals.rewards.rules import promise, tiers_for
from referrals.rewards.services import reward_code_shown
from referrals.selectors import friends_of, graduate_links, link_stats, link_url, plan_for
from sharing_prompts.share_buttons import share_links
from testimonials.submissions import quote_for

DISCLOSURE = "(Full disclosure: I get a thank-you from them if you join.)"


@dataclass
class ReferralCard:
    link: ReferralLink
    plan: ReferralPlan | None
    url: str
    qr_png: str
    qr_svg: str
    message: str
    share: dict[str, str]
    share_subject: str
    friends: list[FriendLead]
    clicks: int
    promise: str
    thank_you_earned: bool
    thank_you_status: str
    shared_url: str
    rewards: list


def rewards_of(*, link: ReferralLink, token: str) -> list[dict]:
    """Each thank-you with what the graduate reads about it; a released code shown here counts as used."""
    rows = []
    rewards = Reward.objects.filter(student_id=link.student_id, program_id=link.program_id).select_related(
        "code", "target_program"
    )
    for reward in rewards.order_by("number"):
        if reward.kind == RewardKind.CODE_BANK and reward.status == RewardStatus.RELEASED:
            reward_code_shown(reward=reward)
        needs_address = reward.kind == RewardKind.GIFT and reward.status == RewardStatus.RELEASED
        rows.append(
            {
                "reward": reward,
                "label": _label(reward),
                "access": _access_line(reward) if reward.status == RewardStatus.RELEASED else "",
                "status": {
                    RewardStatus.OWED: "earned — on its way",
                    RewardStatus.RELEASED: "ready for you"
                    if not needs_address
                    else "released — tell us where to send it",
                    RewardStatus.FULFILLED: "shipped",
                    RewardStatus.REVOKED: "cancelled",
                }[reward.status],
                "address_url": reverse("hub_reward_address", args=[token, reward.pk]) if needs_address else "",
            }
        )
    return rows


def _label(reward: Reward) -> str:
    """How the hub names one thank-you: its tier, or its number, and what it is."""
    head = (
        f"At {reward.tier_friends} friend{'s' if reward.tier_friends != 1 else ''}"
        if reward.tier_friends
        else (f"Thank-you {reward.number}")
    )
    return f"{head}: {reward.description or reward.get_kind_display()}"


def _access_line(reward: Reward) -> str:
    if reward.kind not in ACCESS_KINDS:
        return ""
    if reward.target_program_id and reward.enrollment_id:
        return f"you are enrolled in {reward.target_program.title}"
    if reward.target_program_id:
        return f"you were already enrolled in {reward.target_program.title}"
    return "the course platform gives you the access"


def personal_message(*, link: ReferralLink, plan: ReferralPlan | None, url: str, quote: str) -> str:
    """A starting point the graduate edits and sends themselves: their words, the link, the offer."""
    lines = [f"I wanted to tell you about {link.program.title}."]
    if quote:
        lines.append(f"In my own words: “{quote}”")
    offer = plan.friend_offer_text if plan else ""
    lines.append(f"If it sounds like something for you, this link gets you {offer}: {url}" if offer else url)
    if promise(plan):
        # The material-connection rule for endorsements: say so, plainly.
        lines.append(DISCLOSURE)
    return "\n\n".join(lines)


def thank_you_status(*, link: ReferralLink) -> tuple[bool, str]:
    """(earned, what the graduate reads) from their friends' conversions, honestly: approved is earned; a
    friend inside the refund window is "joined", with the day the thank-you is due; one held for review
    says so. Refused or denied ones are not explained here (the reasons are the team's)."""
    rows = list(
        Conversion.objects.filter(link=link, graduate_id=link.student_id, is_first=True)
        .values_list("status", "hold_until")
        .order_by("-hold_until")  # the earliest due is the one kept
    )
    statuses = dict(rows)
    tiers = tiers_for(link.program_id)
    if tiers and Status.APPROVED in statuses:
        return _tier_status(approved=sum(1 for status, _ in rows if status == Status.APPROVED), tiers=tiers)
    if Status.APPROVED in statuses:
        # The thank-you itself (its kind and status) is listed below the line; this line says whether
        # the rule ("for every N friends") is met yet, so it never promises one that is not coming.
        approved = sum(1 for status, _ in rows if status == Status.APPROVED)
        plan = plan_for(link.program_id)
        every = max(1, getattr(plan, "reward_every", 1) or 1)
        if approved < every:
            return False, f"{approved} of {every} friends joined — your thank-you comes at {every}"
        return True, "earned — see your thank-you below"
    if Status.HELD in statuses:
        due = date_format(timezone.localtime(statuses[Status.HELD]), "j F Y")
        return False, f"a friend joined — your thank-you from {due}"
    if Status.REVIEW in statuses:
        return False, "a friend joined — under review"
    return False, "not earned yet"


def _tier_status(*, approved: int, tiers: list) -> tuple[bool, str]:
    """With tiers: how many friends joined, and where the next thank-you comes (none left: all earned)."""
    coming = [t.friends for t in tiers if t.friends > approved]
    earned = approved >= tiers[0].friends
    if not coming:
        return True, f"{approved} friend{'s' if approved != 1 else ''} joined — every thank-you earned, see below"
    friends = "friend" if coming[0] == 1 else "friends"
    line = f"{approved} of {coming[0]} {friends} joined — your next thank-you comes at {coming[0]}"
    if not earned:
        line = f"{approved} of {coming[0]} {friends} joined — your thank-you comes at {coming[0]}"
    return earned, line


def referral_cards(*, student, token: str) -> list[ReferralCard]:
    links = graduate_links(student=student)
    clicks = link_stats(link_ids=[link.pk for link in links])
    cards = []
    for link in links:
        plan = plan_for(link.program_id)
        url = link_url(link.code)
        message = personal_message(link=link, plan=plan, url=url, quote=quote_for(student.pk, link.program_id))
        friends = friends_of(link=link)
        subject = f"{link.program.title}: an invitation"
        earned, status = thank_you_status(link=link)
        cards.append(
            ReferralCard(
                link=link,
                plan=plan,
                url=url,
                qr_png=reverse("referral_qr", args=[link.code, "png"]),
                qr_svg=reverse("referral_qr", args=[link.code, "svg"]),
                message=message,
                share=share_links(message, subject),
                share_subject=subject,
                friends=friends,
                promise=promise(plan),
                clicks=clicks.get(link.pk, 0),
                thank_you_earned=earned,
                thank_you_status=status,
                shared_url=reverse("hub_link_shared", args=[token, link.code]),
                rewards=rewards_of(link=link, token=token),
            )
        )
    return cards
