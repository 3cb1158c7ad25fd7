"""The referral half's emails in the program editor's "Emails" preview: the draft's own copy, mission,
progress, count, window, offer and thank-you; a sample graduate and sample links. Also the program's
merge values for previews and for *Send a test email* (mailers' admin)."""

from campaigns.previews import EmailPreview, render_email
from campaigns.sample_values import PREVIEW_LINKS, TEST_LINKS, SampleLinks
from campaigns.selectors import program_mission_progress
from mailers.rendering import absolute
from referrals.editor import PLAN_FIELDS, sample_values
from referrals.emails import (
    ASK_EMAIL,
    FRIEND_CONFIRM_EMAIL,
    FRIEND_JOINED_EMAIL,
    FRIEND_WELCOME_EMAIL,
    HUB_LINE,
    REMINDER_EMAIL,
)
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


def program_values(*, program, plan=None, links: SampleLinks = PREVIEW_LINKS) -> dict[str, object]:
    """Every program merge value of ``program`` (a draft is fine: its unsaved mission counts) and its
    referral ``plan``, with sample personal values and ``links``."""
    # A draft may not have its starting count yet (the preview defers required fields).
    start = program.mission_start_count
    reached = program_mission_progress(program=program).reached if start is not None else 0
    values = sample_values(
        data={name: getattr(plan, name) for name in PLAN_FIELDS} if plan is not None else {},
        mission_statement=program.mission_statement or "",
        mission_unit=program.mission_unit or "people",
        mission_goal=program.mission_goal,
        mission_reached=reached,
        special_link=links.special_link(),
    )
    if plan is not None and not plan.has_thank_you:
        values["thank_you"] = ""
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
