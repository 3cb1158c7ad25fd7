"""The feedback and testimonial requests in the program editor's "Emails" preview."""

from campaigns.email_previews import EmailPreview, render_email
from mailers.rendering import absolute
from testimonials.models import SCORES
from testimonials.services import FEEDBACK_BODY, FEEDBACK_EMAIL, TESTIMONIAL_BODY, TESTIMONIAL_EMAIL


def previews(page, user) -> list[EmailPreview]:
    plan = next(iter(page.feedback_plans.all()), None)
    if plan is None:
        return []
    when = (
        f"Right after the milestone “{plan.after_milestone_slug}”"
        if plan.after_milestone_slug
        else f"{plan.days_after_completion} days after graduation"
    )
    scale = [{"label": str(score), "url": absolute(f"/feedback/SAMPLE/{score}/")} for score in SCORES]
    return [
        render_email(
            title="Feedback request (to every student)",
            when=when,
            kind=FEEDBACK_EMAIL.name,
            user=user,
            context={
                "subject": plan.email_subject,
                "body": FEEDBACK_BODY.format(intro=plan.email_intro),
                "score_links": scale,
                "program_title": page.title,
            },
        ),
        render_email(
            title="Testimonial request (to happy students)",
            when="When their feedback is routed happy (never while a support case is open)",
            kind=TESTIMONIAL_EMAIL.name,
            user=user,
            context={
                "subject": plan.testimonial_subject,
                "body": TESTIMONIAL_BODY.format(intro=plan.testimonial_intro),
                "testimonial_url": absolute("/me/SAMPLE/testimonial/"),
                "program_title": page.title,
            },
        ),
    ]
