"""The feedback and testimonial requests in the program editor's "Emails" preview."""

from django.urls import reverse

from campaigns.previews import EmailPreview, render_email
from campaigns.sample_values import PREVIEW_LINKS, SAMPLE_TOKEN, SampleLinks
from mailers import test_links
from testimonials.emails import FEEDBACK_BODY, FEEDBACK_EMAIL, TESTIMONIAL_BODY, TESTIMONIAL_EMAIL
from testimonials.models import SCORES

SCORE_LINK = test_links.register(
    "feedback-score", "the feedback page: one click records the student's score and opens the questions"
)
TESTIMONIAL_LINK = test_links.register(
    "testimonial-form", "the testimonial form, prefilled with what the student wrote, with their consent choices"
)


def previews(page, user, links: SampleLinks = PREVIEW_LINKS) -> list[EmailPreview]:
    plan = next(iter(page.feedback_plans.all()), None)
    if plan is None:
        return []
    when = (
        f"Right after the milestone “{plan.after_milestone_slug}”"
        if plan.after_milestone_slug
        else f"{plan.days_after_completion} days after graduation"
    )
    scale = [
        {"label": str(score), "url": links.link(SCORE_LINK, reverse("testimonials:score", args=[SAMPLE_TOKEN, score]))}
        for score in SCORES
    ]
    # A draft not saved yet has no id: its form's address cannot be shown, only its shape.
    form_path = reverse("testimonials:form", args=[SAMPLE_TOKEN, page.pk]) if page.pk else f"/me/{SAMPLE_TOKEN}/"
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
                "testimonial_url": links.link(TESTIMONIAL_LINK, form_path),
                "program_title": page.title,
            },
        ),
    ]
