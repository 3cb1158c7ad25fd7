"""The publishing side of testimonials: what the wall shows, moderation, and the cached share cards.

Everything public reads through :func:`wall_testimonials` or :func:`card_spec`, and both start from
``Testimonial.objects.visible()`` / ``Testimonial.is_visible`` and show the *published* version
(``published_text``, ``published_consent``, ``published_photo``): the one a moderator last approved
or featured, which stays up while a later edit waits for review. Approving or featuring here is what
writes it; rejecting clears it. Nothing else is copied, so a withdrawal, a rejection or a lower
consent level takes effect on the next request.

Share cards are rendered once per content and kept in Django's default storage under
``testimonials/cards/<pk>-<fingerprint>.png``. The fingerprint covers everything drawn on the card
(quote, attribution as consent allows, program title, the photo's bytes when consent shows it), so
a card made before an edit is never served after it.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Enrollment
from testimonials.cards import card_fingerprint, render_share_card
from testimonials.events import FeedbackEvent
from testimonials.models import PUBLISHED_FIELDS, Consent, ModerationStatus, Testimonial

logger = logging.getLogger(__name__)

CARD_DIR = "testimonials/cards"
#: A card quote is at most this long before the card's own fitting shrinks or cuts it further.
CARD_QUOTE_MAX_CHARS = 280
ELLIPSIS = "…"


def wall_testimonials(
    *, program_id: int | None = None, featured_only: bool = False, limit: int | None = None
) -> QuerySet[Testimonial]:
    """Visible testimonials, featured first, then newest; student and program fetched with them.
    Templates show each one's published version (``published_text``, ``published_attribution``…)."""
    queryset = Testimonial.objects.visible().select_related("student", "program")
    if program_id is not None:
        queryset = queryset.filter(program_id=program_id)
    # The place a moderator gave the published version: a featured one that waits on an edit stays featured.
    if featured_only:
        queryset = queryset.filter(published_status=ModerationStatus.FEATURED)
    queryset = queryset.annotate(
        featured_rank=Case(
            When(published_status=ModerationStatus.FEATURED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("featured_rank", "-submitted_at", "-id")
    if limit is not None:
        queryset = queryset[:limit]
    return queryset


def testimonial_moderate(
    *,
    testimonial: Testimonial,
    status: str,
    user,
    note: str = "",
    seen_updated_at: datetime | None = None,
    now: datetime | None = None,
) -> Testimonial:
    """Approve, feature, reject or send back to pending; recorded on the student's journey.

    Approving or featuring publishes the submission as it is now (its text, consent and photo) in
    place of the earlier published version. Rejecting, or a moderator moving a published one back to
    pending, unpublishes it; pending → pending (a note) leaves the published version up. A withdrawn
    testimonial is never published. ``seen_updated_at``: the submission's ``updated_at`` as the
    moderator saw it; when the student saved since, nothing changes (ValidationError, code
    ``changed``): nobody approves a version they have not seen.

    Only the moderation fields change: a moderator never rewrites what the student wrote.
    """
    if status not in ModerationStatus.values:
        raise ValidationError(f"Unknown moderation status {status!r}.", code="invalid_status")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Testimonial.objects.select_for_update().get(pk=testimonial.pk)
        if seen_updated_at is not None and locked.updated_at != seen_updated_at:
            raise ValidationError(
                "The student changed this testimonial while you were looking at it; review it again.", code="changed"
            )
        previous = locked.status
        old_photo = locked.published_photo.name
        locked.status = status
        locked.moderation_note = (note or "")[:255]
        locked.moderated_at = now
        locked.moderated_by = user
        if status in ModerationStatus.visible() and locked.withdrawn_at is None:
            locked.publish_submission(status=status, now=now)
        elif status == ModerationStatus.REJECTED or (
            status == ModerationStatus.PENDING and previous in ModerationStatus.visible()
        ):
            locked.clear_published()
        locked.save(update_fields=["status", "moderation_note", "moderated_at", "moderated_by", *PUBLISHED_FIELDS])
        if old_photo and old_photo not in (locked.published_photo.name, locked.photo.name):
            storage = locked.published_photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
        enrollment = Enrollment.objects.filter(student_id=locked.student_id, program_id=locked.program_id).first()
        if enrollment is not None:
            campaign_services.journey_record(
                enrollment=enrollment,
                kind=FeedbackEvent.TESTIMONIAL_MODERATED,
                actor=f"admin:{user.get_username()}" if user else "system",
                reason=f"testimonial {previous} → {status}" + (f": {note}" if note else ""),
                data={"testimonial_id": locked.pk, "from": previous, "to": status, "note": locked.moderation_note},
                now=now,
            )
        if not locked.is_visible:
            pk = locked.pk
            # Cards are only served through the view, which checks visibility; removing the files
            # as well leaves no copy of a rejected testimonial in storage.
            transaction.on_commit(lambda: share_card_discard(testimonial_id=pk))
    for field in ("status", "moderation_note", "moderated_at", "moderated_by", *PUBLISHED_FIELDS):
        setattr(testimonial, field, getattr(locked, field))
    return locked


# -- share cards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardSpec:
    """Everything drawn on one testimonial's card, and the name its PNG is stored under."""

    testimonial_id: int
    quote: str
    attribution: str
    program_title: str
    photo: bytes | None

    @property
    def fingerprint(self) -> str:
        return card_fingerprint(
            quote=self.quote, attribution=self.attribution, program_title=self.program_title, photo=self.photo
        )

    @property
    def storage_name(self) -> str:
        return f"{CARD_DIR}/{self.testimonial_id}-{self.fingerprint}.png"


def card_quote(text: str, *, max_chars: int = CARD_QUOTE_MAX_CHARS) -> str:
    """The testimonial as a card quote: whitespace collapsed and, when long, cut after a sentence
    (or else a word) with an ellipsis, so a card reads as a whole thought rather than a cut-off."""
    quote = " ".join((text or "").split())
    if len(quote) <= max_chars:
        return quote
    head = quote[: max_chars - 1]
    sentence_end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if sentence_end >= max_chars // 2:
        return head[: sentence_end + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def photo_bytes(testimonial: Testimonial) -> bytes | None:
    """The published photo's bytes when the published consent shows it; None when it does not or the
    file is gone. (The public photo URL and the share card; never the submission's unreviewed photo.)"""
    if not testimonial.shows_published_photo:
        return None
    return _read(testimonial, testimonial.published_photo)


def submitted_photo_bytes(testimonial: Testimonial) -> bytes | None:
    """The submission's photo when its consent shows it: what the card would show once approved."""
    return _read(testimonial, testimonial.photo) if testimonial.shows_photo else None


def _read(testimonial: Testimonial, field) -> bytes | None:
    try:
        with field.open("rb") as f:
            return f.read()
    except (OSError, ValueError):
        logger.warning("testimonial %s: photo %s cannot be read", testimonial.pk, field.name)
        return None


def card_spec(testimonial: Testimonial) -> CardSpec | None:
    """What the public card shows (the published version), or None when it may not be shown."""
    if not testimonial.is_visible:
        return None
    return CardSpec(
        testimonial_id=testimonial.pk,
        quote=card_quote(testimonial.published_text),
        attribution=testimonial.published_attribution,
        program_title=testimonial.program.title,
        photo=photo_bytes(testimonial),
    )


def card_preview_png(testimonial: Testimonial) -> bytes | None:
    """The card the submission makes (as it will look once approved), for moderators: rendered,
    never stored. None for a private testimonial, which never gets one."""
    if testimonial.consent not in Consent.publishable():
        return None
    return _render(
        CardSpec(
            testimonial_id=testimonial.pk,
            quote=card_quote(testimonial.text),
            attribution=testimonial.attribution,
            program_title=testimonial.program.title,
            photo=submitted_photo_bytes(testimonial),
        )
    )


def share_card_png(testimonial: Testimonial) -> bytes | None:
    """The testimonial's share card (PNG, 1200 × 630), rendered once per content; None when not visible."""
    spec = card_spec(testimonial)
    return None if spec is None else card_png(spec)


def card_png(spec: CardSpec) -> bytes:
    """The PNG for ``spec``: read from storage, or rendered and stored (older cards of it deleted)."""
    name = spec.storage_name
    try:
        with default_storage.open(name, "rb") as f:
            return f.read()
    except FileNotFoundError:
        pass
    png = _render(spec)
    saved = default_storage.save(name, ContentFile(png))
    if saved != name:
        # Another request stored the same card meanwhile; the storage kept both: drop ours.
        default_storage.delete(saved)
    share_card_discard(testimonial_id=spec.testimonial_id, keep=name)
    return png


def share_card_discard(*, testimonial_id: int, keep: str | None = None) -> int:
    """Delete the stored cards of a testimonial (except ``keep``); returns how many were deleted."""
    try:
        _, files = default_storage.listdir(CARD_DIR)
    except FileNotFoundError:
        return 0
    prefix = f"{testimonial_id}-"
    deleted = 0
    for filename in files:
        path = posixpath.join(CARD_DIR, filename)
        if filename.startswith(prefix) and filename.endswith(".png") and path != keep:
            default_storage.delete(path)
            deleted += 1
    return deleted


def _render(spec: CardSpec) -> bytes:
    fields = {"quote": spec.quote, "attribution": spec.attribution, "program_title": spec.program_title}
    if spec.photo is not None:
        try:
            return render_share_card(**fields, photo=spec.photo)
        except ValidationError:
            logger.warning("testimonial %s: photo unreadable, card drawn without it", spec.testimonial_id)
    return render_share_card(**fields)
