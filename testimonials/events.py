"""The journey events feedback, support and testimonials record (registered in TestimonialsConfig.ready())."""

from enum import StrEnum


class FeedbackEvent(StrEnum):
    REQUESTED = "feedback_requested"
    SCORED = "feedback_scored"
    # The route the feedback took: "feedback_<route>" for each routing.Route.
    HAPPY = "feedback_happy"
    NEUTRAL = "feedback_neutral"
    UNHAPPY = "feedback_unhappy"
    CASE_OPENED = "support_case_opened"
    CASE_RESOLVED = "support_case_resolved"
    TESTIMONIAL_REQUESTED = "testimonial_requested"
    TESTIMONIAL_SUBMITTED = "testimonial_submitted"
    TESTIMONIAL_EDITED = "testimonial_edited"
    TESTIMONIAL_WITHDRAWN = "testimonial_withdrawn"
    TESTIMONIAL_MODERATED = "testimonial_moderated"
