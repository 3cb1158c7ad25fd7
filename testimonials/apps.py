from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    """Phases 2–4 of the method: feedback for everyone, routing, support for the unhappy, testimonials."""

    name = "testimonials"
    verbose_name = "Feedback and testimonials"

    def ready(self) -> None:
        from wagtail.admin.panels import HelpPanel

        from campaigns import email_previews, engine, events, selectors, simulation
        from campaigns import forms as campaign_forms
        from campaigns.models import programs
        from mailers import kinds
        from testimonials import emails, previews, receivers, services  # noqa: F401
        from testimonials import forms as plan_forms
        from testimonials import simulation as feedback_simulation
        from testimonials.events import FeedbackEvent

        events.register(FeedbackEvent)
        kinds.register_all(emails.KINDS)
        programs.register_editor_tab(
            "Feedback & testimonials",
            [
                HelpPanel(
                    content="<p>Every student is asked for a 0–10 score they can click straight from the email, "
                    "then a few questions that make them recall what changed. Happy students are asked for a "
                    "testimonial; unhappy ones get a support case and a page to be heard; no one is asked "
                    "for anything while their case is open.</p>"
                ),
                plan_forms.FeedbackPlanInlinePanel(
                    "feedback_plans", heading="Feedback request", label="Feedback request", min_num=0, max_num=1
                ),
            ],
            order=20,
        )
        campaign_forms.register_form_check(plan_forms.check_program_form)
        engine.register_action_handler(services.ACTION_REQUEST, services.handle_request_actions)
        engine.register_action_handler(services.ACTION_ROUTE, services.handle_route_actions)
        for position, (label, kind) in enumerate(
            (
                ("feedback", FeedbackEvent.SCORED),
                ("happy", FeedbackEvent.HAPPY),
                ("neutral", FeedbackEvent.NEUTRAL),
                ("unhappy", FeedbackEvent.UNHAPPY),
                ("testimonial", FeedbackEvent.TESTIMONIAL_SUBMITTED),
            ),
            start=30,
        ):
            selectors.register_funnel_step(label, kind, position=position)
        simulation.register_behaviour(feedback_simulation.students_give_feedback)
        email_previews.register(previews.previews, order=20)
