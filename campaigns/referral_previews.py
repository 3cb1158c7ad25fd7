"""The referral half's emails in the program editor's "Emails" preview."""

from campaigns.email_previews import EmailPreview, render_email
from campaigns.referral_forms import sample_values
from campaigns.referrals import (
    ASK_EMAIL,
    FRIEND_CONFIRM_EMAIL,
    FRIEND_JOINED_EMAIL,
    FRIEND_WELCOME_EMAIL,
    HUB_LINE,
    REMINDER_EMAIL,
)
from mailers.rendering import absolute

PLAN_FIELDS = ("ask_count_min", "ask_count_max", "ask_window_days", "friend_offer_text", "thank_you_text")


def previews(page, user) -> list[EmailPreview]:
    plan = next(iter(page.referral_plans.all()), None)
    if plan is None:
        return []
    values = sample_values(
        data={name: getattr(plan, name) for name in PLAN_FIELDS},
        mission_statement=page.mission_statement,
        mission_unit=page.mission_unit,
        mission_goal=page.mission_goal,
    )
    values.pop("first_name", None)  # the sample student's own name
    common = {**values, "program_title": page.title, "hub_url": absolute("/me/SAMPLE/")}
    thank_you = plan.thank_you_text if plan.has_thank_you else ""
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
