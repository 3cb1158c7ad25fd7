"""The student's testimonial: write it, edit it, withdraw it (and its consent) at any time.

Any student may submit one (nothing is tied to a happy score). An edit that would show more than a
moderator approved goes back to moderation while the approved version stays up; one that shows
less (and withdrawing) takes effect everywhere at once, because every place that shows one asks
``Testimonial.objects.visible()`` and reads the published version when it renders.
"""

import functools
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns import services as journey
from campaigns.models import Enrollment
from mailers import services as mail
from testimonials import publishing
from testimonials.emails import TESTIMONIAL_EMAIL
from testimonials.events import FeedbackEvent
from testimonials.images import process_photo
from testimonials.models import PUBLISHED_FIELDS, Consent, FeedbackResponse, ModerationStatus, Testimonial

MAX_TEXT = 3000
MIN_TEXT = 20


def prefill_text(*, student_id: int, program_id: int) -> str:
    """The student's own words from their latest feedback: the testimonial starts from them."""
    response = (
        FeedbackResponse.objects.filter(student_id=student_id, program_id=program_id, answered_at__isnull=False)
        .order_by("-answered_at")
        .first()
    )
    return response.text if response else ""


def _enrollment(student_id: int, program_id: int) -> Enrollment:
    enrollment = Enrollment.objects.filter(student_id=student_id, program_id=program_id).first()
    if enrollment is None:
        raise ValidationError("You can only write a testimonial for a program you took.")
    return enrollment


def _clean_text(text: str) -> str:
    # Stored exactly as typed (minus outer whitespace): HTML stays text and is escaped wherever shown.
    text = (text or "").replace("\x00", "").strip()
    if len(text) < MIN_TEXT:
        raise ValidationError({"text": f"Write at least {MIN_TEXT} characters, in your own words."})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": f"Keep it under {MAX_TEXT} characters (it is {len(text)})."})
    return text


@transaction.atomic
def testimonial_save(
    *,
    student_id: int,
    program_id: int,
    text: str,
    consent: str,
    answers: list[dict] | None = None,
    photo=None,
    remove_photo: bool = False,
    now: datetime | None = None,
) -> Testimonial:
    """Submit or edit: one testimonial per student and program.

    What would show more than a moderator approved — a changed text, a new or changed photo, a
    higher consent level — sends it back to pending, and the approved version (``published_*``)
    stays up until a moderator decides. What shows less — a lower consent level, a removed photo —
    applies to the published version at once. A resubmission that shows nothing beyond the
    published version keeps (or gets back) the published version's status: nothing to review.
    """
    now = now or timezone.now()
    if consent not in Consent.values:
        raise ValidationError({"consent": "Choose how your testimonial may be shown."})
    text = _clean_text(text)
    enrollment = _enrollment(student_id, program_id)
    processed = process_photo(photo) if photo else None  # ValidationError with a clear message
    testimonial = Testimonial.objects.select_for_update().filter(student_id=student_id, program_id=program_id).first()
    created = testimonial is None
    if created:
        testimonial = Testimonial(student_id=student_id, program_id=program_id, submitted_at=now)
    was_withdrawn = testimonial.withdrawn_at is not None
    text_changed = created or testimonial.text != text or was_withdrawn
    consent_changed = not created and testimonial.consent != consent
    testimonial.text = text
    testimonial.answers = answers or []
    testimonial.consent = consent
    testimonial.updated_at = now
    testimonial.withdrawn_at = None
    published = testimonial.published_photo.name
    removed: list[str] = []  # files no field refers to any more, deleted once this commits
    if remove_photo:
        # Removing the photo shows less: it goes from the published version at once, too.
        removed += [name for name in (testimonial.photo.name, published) if name]
        testimonial.photo = None
        testimonial.published_photo = None
    if processed:
        if testimonial.photo.name and testimonial.photo.name != published:
            removed.append(testimonial.photo.name)  # an earlier upload nobody approved
        # A random name: the file's URL is never guessable (photos are served through a view anyway).
        testimonial.photo.save(f"{uuid.uuid4().hex}.jpg", ContentFile(processed), save=False)
    downgraded = bool(remove_photo and published)
    if testimonial.published_at is not None and Consent.rank(consent) < Consent.rank(testimonial.published_consent):
        testimonial.published_consent = consent  # less is shown at once, without review
        downgraded = True
    changes = testimonial.unpublished_changes()
    if testimonial.has_published_version:
        # Compared with what a moderator approved: more to show → their review; nothing more → the
        # approved version with its place (approved or featured) stands, and so does the submission.
        testimonial.status = ModerationStatus.PENDING if changes else testimonial.published_status
    elif text_changed or processed:
        testimonial.status = ModerationStatus.PENDING
    testimonial.save()
    for name in dict.fromkeys(removed):
        transaction.on_commit(functools.partial(testimonial.photo.storage.delete, name))
    if downgraded:
        # Stored cards may show the name or photo no longer allowed: none stays behind.
        transaction.on_commit(functools.partial(publishing.share_card_discard, testimonial_id=testimonial.pk))
    kind = FeedbackEvent.TESTIMONIAL_SUBMITTED if created else FeedbackEvent.TESTIMONIAL_EDITED
    details = []
    # A request still waiting in the outbox (quiet hours, the contact budget) would ask them again.
    if mail.messages_cancel(
        kind=TESTIMONIAL_EMAIL.name, student_id=student_id, program_id=program_id, reason="testimonial already written"
    ):
        details.append("the testimonial request not yet sent was cancelled")
    if consent_changed:
        details.append(f"consent now {testimonial.get_consent_display().lower()}")
    if testimonial.status == ModerationStatus.PENDING and changes:
        details.append(f"back to moderation ({', '.join(changes)}); the approved version stays up")
    elif testimonial.status == ModerationStatus.PENDING and text_changed and not created:
        details.append("text changed: back to moderation")
    journey.journey_record(
        enrollment=enrollment,
        kind=kind,
        actor="student",
        reason=("testimonial submitted" if created else "testimonial edited")
        + (f" ({'; '.join(details)})" if details else ""),
        data={"testimonial_id": testimonial.pk, "consent": consent},
        now=now,
    )
    return testimonial


@transaction.atomic
def testimonial_withdraw(*, testimonial: Testimonial, now: datetime | None = None) -> Testimonial:
    """Withdraw the testimonial and its consent: gone from the wall, blocks, cards and emails at once."""
    now = now or timezone.now()
    testimonial = Testimonial.objects.select_for_update().get(pk=testimonial.pk)
    if testimonial.withdrawn_at:
        return testimonial
    testimonial.withdrawn_at = now
    testimonial.updated_at = now
    if testimonial.published_photo and testimonial.published_photo.name != testimonial.photo.name:
        testimonial.published_photo.delete(save=False)
    if testimonial.photo:
        testimonial.photo.delete(save=False)
    # The approved version goes too: a later resubmission is reviewed from scratch, never brought back.
    testimonial.clear_published()
    testimonial.save(update_fields=["withdrawn_at", "updated_at", "photo", *PUBLISHED_FIELDS])
    # The card URL 404s at once (it checks visibility); the stored files go once this commits.
    transaction.on_commit(functools.partial(publishing.share_card_discard, testimonial_id=testimonial.pk))
    enrollment = Enrollment.objects.filter(student_id=testimonial.student_id, program_id=testimonial.program_id).first()
    if enrollment:
        journey.journey_record(
            enrollment=enrollment,
            kind=FeedbackEvent.TESTIMONIAL_WITHDRAWN,
            actor="student",
            reason="testimonial and its consent withdrawn",
            data={"testimonial_id": testimonial.pk},
            now=now,
        )
    return testimonial


def quote_for(student_id: int, program_id: int) -> str:
    """{{ testimonial_quote }} in the referral ask (and the hub's ready message): their own words as a
    moderator approved them (any consent level: it goes to them), or "" while nothing is approved."""
    testimonial = (
        Testimonial.objects.filter(student_id=student_id, program_id=program_id, withdrawn_at__isnull=True)
        .exclude(status=ModerationStatus.REJECTED)
        .exclude(published_at=None)
        .first()
    )
    return publishing.card_quote(testimonial.published_text) if testimonial else ""
