"""One student's feedback, support cases and testimonials, for a data-rights export or an erasure.

An erasure keeps the rows (scores, routes and counts feed the dashboard) and removes the
words: answers, what the student told support, the testimonial's text and photos. Each
testimonial is withdrawn, so nothing of it shows anywhere, and its share cards are deleted.
"""

import functools

from django.db import transaction
from django.utils import timezone

from mailers.erasure import redact
from testimonials import publishing
from testimonials.models import PUBLISHED_FIELDS, Consent, FeedbackResponse, SupportCase, Testimonial


def export_student(*, student) -> dict:
    return {
        "feedback": [
            {
                "program": f.program.title,
                "round": f.round,
                "requested_at": f.requested_at,
                "score": f.score,
                "scored_at": f.scored_at,
                "answers": f.answers,
                "answered_at": f.answered_at,
                "route": f.route,
            }
            for f in FeedbackResponse.objects.filter(student=student).select_related("program").order_by("id")
        ],
        "support_cases": [
            {
                "program": c.program.title,
                "status": c.status,
                "reason": c.reason,
                "student_words": c.student_words,
                "resolution_note": c.resolution_note,
                "opened_at": c.opened_at,
                "resolved_at": c.resolved_at,
            }
            for c in SupportCase.objects.filter(student=student).select_related("program").order_by("id")
        ],
        "testimonials": [
            {
                "program": t.program.title,
                "text": t.text,
                "answers": t.answers,
                "consent": t.consent,
                "status": t.status,
                "submitted_at": t.submitted_at,
                "withdrawn_at": t.withdrawn_at,
                # Listed by name; the files themselves are not copied into the export.
                "photos": sorted({name for name in (t.photo.name, t.published_photo.name) if name}),
                "published_text": t.published_text,
                "published_at": t.published_at,
            }
            for t in Testimonial.objects.filter(student=student).select_related("program").order_by("id")
        ],
    }


def erase_student(*, student, needles: list[str], now=None) -> dict:
    """Remove the student's words and photos, withdraw their testimonials; idempotent."""
    now = now or timezone.now()
    feedback = 0
    for response in FeedbackResponse.objects.filter(student=student).select_for_update():
        answers = [{"question": a.get("question", ""), "answer": ""} for a in response.answers if isinstance(a, dict)]
        reasons = redact(response.route_reasons, needles)
        if (answers, reasons) != (response.answers, response.route_reasons):
            response.answers, response.route_reasons = answers, reasons
            response.save(update_fields=["answers", "route_reasons"])
            feedback += 1
    cases = 0
    for case in SupportCase.objects.filter(student=student).select_for_update():
        fields = {
            "student_words": "",
            "resolution_note": redact(case.resolution_note, needles),
            "reason": redact(case.reason, needles),
        }
        if any(getattr(case, name) != value for name, value in fields.items()):
            SupportCase.objects.filter(pk=case.pk).update(**fields)
            cases += 1
    withdrawn = 0
    for testimonial in Testimonial.objects.filter(student=student).select_for_update():
        if not testimonial.text and not testimonial.photo and testimonial.withdrawn_at:
            continue
        for photo in (testimonial.published_photo, testimonial.photo):
            if photo:
                photo.delete(save=False)
        testimonial.clear_published()
        testimonial.text, testimonial.answers, testimonial.consent = "", [], Consent.PRIVATE
        testimonial.photo = None
        testimonial.moderation_note = redact(testimonial.moderation_note, needles)
        testimonial.withdrawn_at = testimonial.withdrawn_at or now
        testimonial.updated_at = now
        testimonial.save(
            update_fields=[
                "text",
                "answers",
                "consent",
                "photo",
                "moderation_note",
                "withdrawn_at",
                "updated_at",
                *PUBLISHED_FIELDS,
            ]
        )
        # The card URL 404s at once (it checks visibility); the stored files go once this commits.
        transaction.on_commit(functools.partial(publishing.share_card_discard, testimonial_id=testimonial.pk))
        withdrawn += 1
    return {"feedback_redacted": feedback, "support_cases_redacted": cases, "testimonials_withdrawn": withdrawn}
