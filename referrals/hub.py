"""The graduate's special-link section of the hub: the link, its QR code, messages to send themselves,
the offer, their thank-you and its status, the friends who registered (the mission's progress is
on the program's card just below)."""

from dataclasses import dataclass

from django.urls import reverse

from referrals.models import FriendLead, LeadStatus, ReferralLink, ReferralPlan
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
    thank_you_earned: bool
    shared_url: str


def personal_message(*, link: ReferralLink, plan: ReferralPlan | None, url: str, quote: str) -> str:
    """A starting point the graduate edits and sends themselves: their words, the link, the offer."""
    lines = [f"I wanted to tell you about {link.program.title}."]
    if quote:
        lines.append(f"In my own words: “{quote}”")
    offer = plan.friend_offer_text if plan else ""
    lines.append(f"If it sounds like something for you, this link gets you {offer}: {url}" if offer else url)
    if plan is not None and plan.has_thank_you:
        # The material-connection rule for endorsements: say so, plainly.
        lines.append(DISCLOSURE)
    return "\n\n".join(lines)


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
                clicks=clicks.get(link.pk, 0),
                thank_you_earned=any(friend.status == LeadStatus.ENROLLED for friend in friends),
                shared_url=reverse("hub_link_shared", args=[token, link.code]),
            )
        )
    return cards
