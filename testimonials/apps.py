from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    """Phases 2–4 of the method: feedback, routing, support, testimonials. Built by a later issue."""

    name = "testimonials"
    verbose_name = "Feedback and testimonials"
