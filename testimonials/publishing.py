"""The publishing side of testimonials: what the wall shows, moderation, and the cached share cards.

Everything public reads through :func:`wall_testimonials` or :func:`card_spec`, and both start from
``Testimonial.objects.visible()`` / ``Testimonial.is_visible``: approved or featured, a publishable
consent, not withdrawn. Nothing is copied elsewhere, so a withdrawal or a rejection takes effect
on the next request.

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
from testimonials.models import Consent, ModerationStatus, Testimonial

logger = logging.getLogger(__name__)

CARD_DIR = "testimonials/cards"
#: A card quote is at most this long before the card's own fitting shrinks or cuts it further.
CARD_QUOTE_MAX_CHARS = 280
ELLIPSIS = "…"


def wall_testimonials(
    *, program_id: int | None = None, featured_only: bool = False, limit: int | None = None
) -> QuerySet[Testimonial]:
    """Visible testimonials, featured first, then newest; student and program fetched with them."""
    queryset = Testimonial.objects.visible().select_related("student", "program")
    if program_id is not None:
        queryset = queryset.filter(program_id=program_id)
    if featured_only:
        queryset = queryset.filter(status=ModerationStatus.FEATURED)
    queryset = queryset.annotate(
        featured_rank=Case(
            When(status=ModerationStatus.FEATURED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("featured_rank", "-submitted_at", "-id")
    if limit is not None:
        queryset = queryset[:limit]
    return queryset


def testimonial_moderate(
    *, testimonial: Testimonial, status: str, user, note: str = "", now: datetime | None = None
) -> Testimonial:
    """Approve, feature, reject or send back to pending; recorded on the student's journey.

    Only the moderation fields change: a moderator never rewrites what the student wrote.
    """
    if status not in ModerationStatus.values:
        raise ValidationError(f"Unknown moderation status {status!r}.", code="invalid_status")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Testimonial.objects.select_for_update().get(pk=testimonial.pk)
        previous = locked.status
        locked.status = status
        locked.moderation_note = (note or "")[:255]
        locked.moderated_at = now
        locked.moderated_by = user
        locked.save(update_fields=["status", "moderation_note", "moderated_at", "moderated_by"])
        enrollment = Enrollment.objects.filter(student_id=locked.student_id, program_id=locked.program_id).first()
        if enrollment is not None:
            campaign_services.journey_record(
                enrollment=enrollment,
                kind="testimonial_moderated",
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
    for field in ("status", "moderation_note", "moderated_at", "moderated_by"):
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
    """The stored photo's bytes when consent shows it; None when it does not or the file is gone."""
    if not testimonial.shows_photo:
        return None
    try:
        with testimonial.photo.open("rb") as f:
            return f.read()
    except (OSError, ValueError):
        logger.warning("testimonial %s: photo %s cannot be read", testimonial.pk, testimonial.photo.name)
        return None


def card_spec(testimonial: Testimonial) -> CardSpec | None:
    """What the card shows, or None when the testimonial may not be shown (or is private)."""
    if not testimonial.is_visible:
        return None
    return _spec(testimonial)


def card_preview_png(testimonial: Testimonial) -> bytes | None:
    """The card as it looks (or would look once approved), for moderators: rendered, never stored.
    None for a private testimonial, which never gets one."""
    if testimonial.consent not in Consent.publishable():
        return None
    return _render(_spec(testimonial))


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


def _spec(testimonial: Testimonial) -> CardSpec:
    return CardSpec(
        testimonial_id=testimonial.pk,
        quote=card_quote(testimonial.text),
        attribution=testimonial.attribution,
        program_title=testimonial.program.title,
        photo=photo_bytes(testimonial),
    )


def _render(spec: CardSpec) -> bytes:
    fields = {"quote": spec.quote, "attribution": spec.attribution, "program_title": spec.program_title}
    if spec.photo is not None:
        try:
            return render_share_card(**fields, photo=spec.photo)
        except ValidationError:
            logger.warning("testimonial %s: photo unreadable, card drawn without it", spec.testimonial_id)
    return render_share_card(**fields)
