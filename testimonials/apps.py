from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    """Phases 2–4 of the method: feedback for everyone, routing, support for the unhappy, testimonials."""

    name = "testimonials"
    verbose_name = "Feedback and testimonials"

    def ready(self) -> None:
        from wagtail.admin.panels import HelpPanel, InlinePanel

        from campaigns.models import programs

        programs.register_editor_tab(
            "Feedback & testimonials",
            [
                HelpPanel(
                    content="<p>Every student is asked for a 0–10 score they can click straight from the email, "
                    "then a few questions that make them recall what changed. Happy students are asked for a "
                    "testimonial; unhappy ones get a support case and a page to be heard; no one is asked "
                    "for anything while their case is open.</p>"
                ),
                InlinePanel(
                    "feedback_plans", heading="Feedback request", label="Feedback request", min_num=0, max_num=1
                ),
            ],
        )
