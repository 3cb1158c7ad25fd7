"""Reads for the student's hub: open feedback requests and their testimonial, per program."""

from dataclasses import dataclass

from django.urls import reverse

from testimonials.models import FeedbackResponse, Testimonial


@dataclass
class ProgramPhase:
    feedback_url: str = ""
    testimonial: Testimonial | None = None


def student_feedback_and_testimonials(*, student_id: int, issued_at: int | None = None) -> dict[int, ProgramPhase]:
    """``issued_at``: the timestamp of the hub link being viewed; the feedback links expire with it."""
    from testimonials.feedback import response_token

    phases: dict[int, ProgramPhase] = {}
    for response in FeedbackResponse.objects.filter(
        student_id=student_id, answered_at__isnull=True, routed_at__isnull=True
    ):
        phases.setdefault(response.program_id, ProgramPhase()).feedback_url = reverse(
            "testimonials:feedback", args=[response_token(response.pk, issued_at=issued_at)]
        )
    for testimonial in Testimonial.objects.filter(student_id=student_id):
        phases.setdefault(testimonial.program_id, ProgramPhase()).testimonial = testimonial
    return phases
