from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    """Phases 2–4 of the method: feedback for everyone, routing, support for the unhappy, testimonials."""

    name = "testimonials"
    verbose_name = "Feedback and testimonials"

    def ready(self) -> None:

        from campaigns import engine, events, selectors, simulation
        from mailers import kinds
        from testimonials import emails, feedback, previews, receivers  # noqa: F401
        from testimonials import simulation as feedback_simulation
        from testimonials.events import FeedbackEvent

        events.register(FeedbackEvent)
        kinds.register_all(emails.KINDS)
        engine.register_action_handler(feedback.ACTION_REQUEST, feedback.handle_request_actions)
        engine.register_action_handler(feedback.ACTION_ROUTE, feedback.handle_route_actions)
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
