"""The publishing side's reads and writes: what may show, moderation, and the cached share cards."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from campaigns.models import JourneyEvent, Student
from testimonials import models, publishing
from testimonials.cards import render_share_card
from testimonials.images import process_photo
from testimonials.models import Consent, ModerationStatus
from tests.factories import StudentFactory, enroll, program_page, testimonial

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def a_photo(colour=(90, 140, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), colour).save(out, format="JPEG")
    return process_photo(out.getvalue())


def with_photo(item: models.Testimonial, colour=(90, 140, 200)) -> models.Testimonial:
    """A photo on the submission and, when the testimonial is published, an approved one."""
    item.photo.save("face.jpg", ContentFile(a_photo(colour)), save=False)
    if item.published_at is not None:
        item.published_photo = item.photo.name
    item.save()
    return item


def cards_on_disk() -> list[str]:
    try:
        return sorted(default_storage.listdir(publishing.CARD_DIR)[1])
    except FileNotFoundError:
        return []


def one_of_each(program):
    """Every state a testimonial can be in; only ``approved`` and ``featured`` may show."""
    now = timezone.now()
    return {
        "pending": testimonial(program=program, text="pending", submitted_at=now - timedelta(days=1)),
        "approved_old": testimonial(
            program=program, text="approved old", status=ModerationStatus.APPROVED, submitted_at=now - timedelta(days=5)
        ),
        "approved_new": testimonial(
            program=program, text="approved new", status=ModerationStatus.APPROVED, submitted_at=now - timedelta(days=2)
        ),
        "featured_old": testimonial(
            program=program, text="featured old", status=ModerationStatus.FEATURED, submitted_at=now - timedelta(days=9)
        ),
        "rejected": testimonial(program=program, text="rejected", status=ModerationStatus.REJECTED),
        "private": testimonial(
            program=program, text="private", status=ModerationStatus.FEATURED, consent=Consent.PRIVATE
        ),
        "withdrawn": testimonial(program=program, text="withdrawn", status=ModerationStatus.APPROVED, withdrawn_at=now),
    }


# -- the wall ------------------------------------------------------------------------------------


def test_wall_shows_only_visible_testimonials_featured_first_then_newest(program):
    one_of_each(program)
    assert [t.text for t in publishing.wall_testimonials()] == ["featured old", "approved new", "approved old"]


def test_wall_filters_by_program_featured_and_limit(program):
    one_of_each(program)
    other = program_page(slug="other")
    testimonial(program=other, text="elsewhere", status=ModerationStatus.FEATURED)
    assert [t.text for t in publishing.wall_testimonials(program_id=other.pk)] == ["elsewhere"]
    assert [t.text for t in publishing.wall_testimonials(featured_only=True)] == ["elsewhere", "featured old"]
    assert len(publishing.wall_testimonials(limit=2)) == 2


def test_wall_needs_no_query_per_testimonial(program, django_assert_num_queries):
    for _ in range(5):
        testimonial(program=program, status=ModerationStatus.APPROVED)
    with django_assert_num_queries(1):
        names = [(t.attribution, t.program.title) for t in publishing.wall_testimonials()]
    assert len(names) == 5


# -- moderation ----------------------------------------------------------------------------------


def test_moderation_sets_status_and_records_a_journey_event(program, admin_user):
    enrollment = enroll(program=program, email="mia@example.org")
    item = testimonial(program=program, student=Student.objects.get(email="mia@example.org"))
    now = timezone.now()
    publishing.testimonial_moderate(
        testimonial=item, status=ModerationStatus.FEATURED, user=admin_user, note="lovely", now=now
    )
    item.refresh_from_db()
    assert (item.status, item.moderated_at, item.moderated_by, item.moderation_note) == (
        "featured",
        now,
        admin_user,
        "lovely",
    )
    event = JourneyEvent.objects.get(kind="testimonial_moderated")
    assert event.enrollment == enrollment
    assert event.actor == "admin:alice"
    assert event.data == {"testimonial_id": item.pk, "from": "pending", "to": "featured", "note": "lovely"}


def test_moderation_without_an_enrollment_records_no_event(program, admin_user):
    item = testimonial(program=program)
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.APPROVED, user=admin_user)
    assert models.Testimonial.objects.get(pk=item.pk).status == "approved"
    assert not JourneyEvent.objects.filter(kind="testimonial_moderated").exists()


def test_moderation_never_touches_what_the_student_wrote(program, admin_user):
    item = testimonial(program=program, text="my words")
    item.text = "a moderator's better words"  # an unsaved change on the instance passed in
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.APPROVED, user=admin_user)
    assert models.Testimonial.objects.get(pk=item.pk).text == "my words"


def test_moderation_refuses_an_unknown_status(program, admin_user):
    with pytest.raises(ValidationError):
        publishing.testimonial_moderate(testimonial=testimonial(program=program), status="deleted", user=admin_user)


def test_rejecting_deletes_the_stored_cards(program, admin_user, django_capture_on_commit_callbacks):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    assert publishing.share_card_png(item)
    assert len(cards_on_disk()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.REJECTED, user=admin_user)
    assert cards_on_disk() == []
    assert publishing.share_card_png(models.Testimonial.objects.get(pk=item.pk)) is None


# -- share cards ---------------------------------------------------------------------------------


def test_card_quote_is_shortened_at_a_sentence_or_a_word():
    assert publishing.card_quote("  Calm   mornings.\n\nAt last. ") == "Calm mornings. At last."
    sentences = "We laugh again at breakfast. " * 20
    assert publishing.card_quote(sentences).endswith("breakfast.")
    assert len(publishing.card_quote(sentences)) <= publishing.CARD_QUOTE_MAX_CHARS
    words = "calm " * 100
    quote = publishing.card_quote(words)
    assert quote.endswith("calm…") and len(quote) <= publishing.CARD_QUOTE_MAX_CHARS


@pytest.mark.parametrize("state", ["pending", "rejected", "private", "withdrawn"])
def test_no_card_unless_visible(program, state):
    assert publishing.share_card_png(one_of_each(program)[state]) is None
    assert cards_on_disk() == []


def test_card_is_a_1200_by_630_png_stored_under_its_fingerprint(program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    png = publishing.share_card_png(item)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    spec = publishing.card_spec(item)
    assert cards_on_disk() == [f"{item.pk}-{spec.fingerprint}.png"]


def test_card_is_rendered_once_then_read_from_storage(program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    with mock.patch("testimonials.publishing.render_share_card", wraps=render_share_card) as render:
        first = publishing.share_card_png(item)
        second = publishing.share_card_png(models.Testimonial.objects.get(pk=item.pk))
    assert render.call_count == 1
    assert first == second


def test_card_shows_attribution_and_quote_as_consent_allows(program):
    student = StudentFactory(first_name="Maria", last_name="Lopez")
    item = testimonial(program=program, student=student, status=ModerationStatus.APPROVED, text="x " * 400)
    spec = publishing.card_spec(item)
    assert (spec.attribution, spec.program_title) == ("Maria", program.title)
    assert len(spec.quote) <= publishing.CARD_QUOTE_MAX_CHARS
    item.published_consent = Consent.ANONYMOUS
    assert publishing.card_spec(item).attribution == "A graduate"


@pytest.mark.parametrize(
    "change",
    [
        {"published_text": "Edited: we sleep now."},
        {"published_consent": Consent.ANONYMOUS},
        {"published_consent": Consent.FULL},
    ],
)
def test_card_is_made_again_after_the_published_text_or_consent_changes_and_the_old_one_goes(program, change):
    item = testimonial(program=program, status=ModerationStatus.APPROVED, consent=Consent.FIRST_NAME)
    before = publishing.share_card_png(item)
    [old_file] = cards_on_disk()
    models.Testimonial.objects.filter(pk=item.pk).update(**change)
    after = publishing.share_card_png(models.Testimonial.objects.get(pk=item.pk))
    assert after != before
    [new_file] = cards_on_disk()
    assert new_file != old_file and new_file.startswith(f"{item.pk}-")


def test_card_changes_with_the_program_title(program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    before = publishing.card_spec(item).fingerprint
    program.title = "Renamed"
    program.save()
    assert publishing.card_spec(models.Testimonial.objects.get(pk=item.pk)).fingerprint != before


def test_photo_is_on_the_card_only_with_full_consent_and_a_new_photo_makes_a_new_card(program):
    item = with_photo(testimonial(program=program, status=ModerationStatus.APPROVED, consent=Consent.FIRST_NAME))
    assert publishing.card_spec(item).photo is None
    models.Testimonial.objects.filter(pk=item.pk).update(published_consent=Consent.FULL)
    item = models.Testimonial.objects.get(pk=item.pk)
    spec = publishing.card_spec(item)
    assert spec.photo == item.published_photo.open("rb").read()
    with_photo(item, colour=(200, 40, 40))
    assert publishing.card_spec(models.Testimonial.objects.get(pk=item.pk)).fingerprint != spec.fingerprint


def test_cards_of_other_testimonials_are_left_alone(program):
    first = testimonial(program=program, status=ModerationStatus.APPROVED)
    others = [testimonial(program=program, status=ModerationStatus.APPROVED) for _ in range(10)]
    for item in [first, *others]:
        publishing.share_card_png(item)
    models.Testimonial.objects.filter(pk=first.pk).update(published_text="changed")
    publishing.share_card_png(models.Testimonial.objects.get(pk=first.pk))
    assert len(cards_on_disk()) == 11


# -- the published version ----------------------------------------------------------------------


def test_approving_publishes_the_submission_and_rejecting_takes_it_down(program, admin_user):
    item = with_photo(testimonial(program=program, consent=Consent.FULL, text="first words"))
    assert not item.is_visible and item.published_at is None
    now = timezone.now()
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.FEATURED, user=admin_user, now=now)
    item.refresh_from_db()
    assert (item.published_text, item.published_consent, item.published_photo.name, item.published_status) == (
        "first words",
        Consent.FULL,
        item.photo.name,
        ModerationStatus.FEATURED,
    )
    assert item.published_at == now and item.is_visible
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.REJECTED, user=admin_user)
    item.refresh_from_db()
    assert (item.published_text, item.published_consent, item.published_at) == ("", "", None)
    assert not item.published_photo
    assert item.photo and not models.Testimonial.objects.visible().exists()  # the submission is kept


def test_approving_a_new_photo_deletes_the_one_it_replaces(program, admin_user, django_capture_on_commit_callbacks):
    item = with_photo(testimonial(program=program, status=ModerationStatus.APPROVED, consent=Consent.FULL))
    old = item.published_photo.name
    item.photo.save("new.jpg", ContentFile(a_photo((200, 40, 40))), save=False)
    item.status = ModerationStatus.PENDING
    item.save()
    assert default_storage.exists(old) and publishing.photo_bytes(item) == default_storage.open(old).read()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.APPROVED, user=admin_user)
    item.refresh_from_db()
    assert item.published_photo.name == item.photo.name != old
    assert not default_storage.exists(old)


def test_approving_a_withdrawn_testimonial_publishes_nothing(program, admin_user):
    item = testimonial(program=program, withdrawn_at=timezone.now())
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.APPROVED, user=admin_user)
    item.refresh_from_db()
    assert item.published_at is None and not item.is_visible


def test_a_decision_on_a_version_the_moderator_did_not_see_changes_nothing(program, admin_user):
    item = testimonial(program=program, text="what they saw")
    seen = item.updated_at
    models.Testimonial.objects.filter(pk=item.pk).update(text="changed since", updated_at=seen + timedelta(seconds=1))
    with pytest.raises(ValidationError) as refused:
        publishing.testimonial_moderate(
            testimonial=item, status=ModerationStatus.APPROVED, user=admin_user, seen_updated_at=seen
        )
    assert refused.value.code == "changed"
    item.refresh_from_db()
    assert item.status == ModerationStatus.PENDING and item.published_at is None
    assert not JourneyEvent.objects.filter(kind="testimonial_moderated").exists()


def test_a_note_on_a_pending_edit_leaves_the_published_version_up(program, admin_user):
    item = testimonial(program=program, status=ModerationStatus.APPROVED, text="approved words")
    models.Testimonial.objects.filter(pk=item.pk).update(text="edited words", status=ModerationStatus.PENDING)
    item.refresh_from_db()
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.PENDING, user=admin_user, note="asked")
    assert [t.published_text for t in publishing.wall_testimonials()] == ["approved words"]
