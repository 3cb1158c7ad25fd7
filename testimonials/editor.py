"""The program editor's "Feedback & testimonials" tab (composed with the other tabs in cms/program_editor.py)."""

from wagtail.admin.panels import HelpPanel

from testimonials.forms import FeedbackPlanInlinePanel

PANELS = [
    HelpPanel(
        content="<p>Every student is asked for a 0–10 score they can click straight from the email, "
        "then a few questions that make them recall what changed. Happy students are asked for a "
        "testimonial; unhappy ones get a support case and a page to be heard; no one is asked "
        "for anything while their case is open.</p>"
    ),
    FeedbackPlanInlinePanel(
        "feedback_plans", heading="Feedback request", label="Feedback request", min_num=0, max_num=1
    ),
]
