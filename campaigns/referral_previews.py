"""The referral half's emails in the program editor's "Emails" preview: the draft's own copy, mission,
progress, count, window, offer and thank-you; a sample graduate and sample links."""

from campaigns.email_previews import EmailPreview, render_email
from campaigns.referrals import ASK_EMAIL, FRIEND_JOINED_EMAIL, FRIEND_WELCOME_EMAIL, HUB_LINE, REMINDER_EMAIL
from campaigns.sample_values import PREVIEW_LINKS, SampleLinks, program_values


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
                    when=f"{plan.reminder_after_days} days later, only if the link was never shared or opened",
                    kind=REMINDER_EMAIL.name,
                    user=user,
                    context=common,
                )
            ]
            if plan.reminder_after_days
            else []
        ),
        render_email(
            title="To the graduate: a friend joined",
            when="When a friend registers through their link",
            kind=FRIEND_JOINED_EMAIL.name,
            user=user,
            context={**common, "friend_name": "Jo", "thank_you": thank_you},
        ),
        render_email(
            title="To the friend: welcome",
            when="Right after they register (the only email a friend gets without asking again)",
            kind=FRIEND_WELCOME_EMAIL.name,
            user=user,
            context={**common, "referrer_name": "Maria"},
        ),
    ]
