"""The referral half's emails in the program editor's "Emails" preview: the draft's own copy, mission,
progress, count, window, offer and thank-you; a sample graduate and sample links. Also the program's
merge values for previews and for *Send a test email* (mailers' admin)."""

from campaigns.previews import EmailPreview, render_email
from campaigns.sample_values import PREVIEW_LINKS, TEST_LINKS, SampleLinks
from campaigns.selectors import program_mission_progress
from mailers.rendering import absolute
from referrals.editor import plan_data, sample_values
from referrals.emails import (
    ASK_EMAIL,
    FRIEND_CONFIRM_EMAIL,
    FRIEND_CONVERTED_EMAIL,
    FRIEND_JOINED_EMAIL,
    FRIEND_WELCOME_EMAIL,
    HUB_LINE,
    INVITE_AGAIN,
    REMINDER_EMAIL,
    REWARD_RELEASED_EMAIL,
    REWARD_REVOKED_EMAIL,
    REWARD_SHIPPED_EMAIL,
)
from referrals.models import EnrollmentMode
from referrals.selectors import plan_for


def previews(page, user, links: SampleLinks = PREVIEW_LINKS) -> list[EmailPreview]:
    plan = next(iter(page.referral_plans.all()), None)
    if plan is None:
        return []
    common = program_values(program=page, plan=plan, links=links)
    common.pop("first_name", None)  # the sample student's own name
    thank_you = common["thank_you"]
    return [
        render_email(
            title="The referral ask (to happy graduates with a testimonial)",
            when=f"{plan.delay_after_testimonial_days} days after their testimonial, inside the contact budget",
            kind=ASK_EMAIL.name,
            user=user,
            context={**common, "subject": plan.ask_subject, "body": plan.ask_body + HUB_LINE, "thank_you": thank_you},
        ),
        *(
            [
                render_email(
                    title="The one reminder",
                    when=f"{plan.reminder_after_days} days later, unless shared from the hub or opened by two people",
                    kind=REMINDER_EMAIL.name,
                    user=user,
                    context=common,
                )
            ]
            if plan.reminder_after_days
            else []
        ),
        render_email(
            title="To the friend: confirm your address",
            when="Right after they register on the landing page (the only email an address gets before its "
            "owner confirms; nothing happens until they do)",
            kind=FRIEND_CONFIRM_EMAIL.name,
            user=user,
            context={
                **common,
                "referrer_name": "Maria",
                "confirm_url": absolute("/join/SAMPLE/confirm/SAMPLE/"),
                "confirm_until": "[a week after they register]",
            },
        ),
        render_email(
            title="To the graduate: a friend joined",
            when="When a friend who registered through their link confirms their address",
            kind=FRIEND_JOINED_EMAIL.name,
            user=user,
            context={**common, "friend_name": "Jo", "thank_you": thank_you},
        ),
        *(
            [
                render_email(
                    title="To the graduate: a friend joined at your checkout",
                    when="When a friend's purchase is credited to their link (held, under review or approved)",
                    kind=FRIEND_CONVERTED_EMAIL.name,
                    user=user,
                    context={
                        **common,
                        "friend_name": "Jo",
                        "thank_you_line": "It counts toward your thank-you once the refund window has passed, "
                        "on [the day it ends]."
                        if thank_you
                        else "",
                    },
                )
            ]
            if plan.enrollment_mode == EnrollmentMode.CHECKOUT
            else []
        ),
        *(_reward_previews(plan=plan, common=common, user=user) if thank_you else []),
        render_email(
            title="To the friend: welcome",
            when="When they confirm their address",
            kind=FRIEND_WELCOME_EMAIL.name,
            user=user,
            context={
                **common,
                "referrer_name": "Maria",
                "start_line": "[today, or the day their cohort starts]",
                "offer_line": f"{plan.friend_offer_text}, through your link until [the end of their access].",
                "mail_line": "[which emails to expect: program emails only if they ticked the box]",
            },
        ),
    ]


def _reward_previews(*, plan, common: dict, user) -> list[EmailPreview]:
    """The graduate's thank-you: released (with the one invitation, as it reads when it is allowed),
    shipped (a gift), revoked."""
    # Friends are named only when they chose to be; "Jo" did.
    sample = {**common, "friend_name": "Jo"}
    line, link = {
        "booking_link": ("a bonus session with our team. Book it when it suits you:", plan.reward_booking_url),
        "code_bank": ("your code is on your page, whenever you want to use it:", ""),
        "gift": ("a gift. Tell us on your page where to send it:", ""),
    }.get(plan.reward_kind, ("it is on your page:", ""))
    previews = [
        render_email(
            title="To the graduate: your thank-you is ready",
            when="When their thank-you is released. The last paragraph (your link still works) only when they "
            "may be asked (happy, not unsubscribed, under the cap) and their contact budget has room; once per "
            "thank-you",
            kind=REWARD_RELEASED_EMAIL.name,
            user=user,
            context={
                **sample,
                "body": REWARD_RELEASED_EMAIL.body + INVITE_AGAIN,
                "reward_line": line,
                "reward_link": link or sample["hub_url"],
            },
        )
    ]
    if plan.reward_kind == "gift":
        previews.append(
            render_email(
                title="To the graduate: your gift is on its way",
                when="When the team marks the gift shipped",
                kind=REWARD_SHIPPED_EMAIL.name,
                user=user,
                context={**sample, "tracking_note": "[the tracking note the team writes]"},
            )
        )
    previews.append(
        render_email(
            title="To the graduate: a thank-you taken back",
            when="When a friend's refund after approval revokes it",
            kind=REWARD_REVOKED_EMAIL.name,
            user=user,
            context={**sample, "explanation": "[what was taken back, and what was not]"},
        )
    )
    return previews


def program_values(*, program, plan=None, links: SampleLinks = PREVIEW_LINKS) -> dict[str, object]:
    """Every program merge value of ``program`` (a draft is fine: its unsaved mission counts) and its
    referral ``plan``, with sample personal values and ``links``."""
    # A draft may not have its starting count yet (the preview defers required fields).
    start = program.mission_start_count
    reached = program_mission_progress(program=program).reached if start is not None else 0
    # The draft's own tiers (the page being edited), not the saved ones.
    tiers = list(program.reward_tiers.all()) if plan is not None else []
    values = sample_values(
        data=plan_data(plan, tiers),
        mission_statement=program.mission_statement or "",
        mission_unit=program.mission_unit or "people",
        mission_goal=program.mission_goal,
        mission_reached=reached,
        special_link=links.special_link(),
    )
    milestones = list(program.milestones.all())
    values.update(
        {
            "program_title": program.title,
            "hub_url": links.hub(),
            "milestone_title": milestones[0].title if milestones else "your first milestone",
        }
    )
    return values


def program_test_values(program) -> dict[str, object]:
    """*Send a test email*: the merge fields of ``program`` as saved (what students get), test links."""
    plan = plan_for(program.pk)
    values = program_values(program=program, plan=plan, links=TEST_LINKS)
    values.pop("first_name", None)  # the recipient's own
    if plan is None:  # no ask yet: its fields stay "[friend offer]"-style placeholders, not invented values
        for name in ("ask_count", "ask_deadline", "friend_offer", "thank_you"):
            values.pop(name, None)
    return values
