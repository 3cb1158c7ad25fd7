"""Moderation means moderation: what a student's edit of a published testimonial does everywhere.

An edit that would show more than a moderator approved (a new or changed photo, a higher consent
level, a changed text) waits for review, and until then every public place — the wall, the home
page's block, the share card, the public photo, the friend's landing page and the referral ask's
``{{ testimonial_quote }}`` — shows the approved version. Showing less (a lower consent, a removed
photo, a withdrawal) takes effect everywhere at once. Everything here goes through the services and
the public URLs, as the student, the moderator and the friend use them.
"""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from PIL import Image

from campaigns.models import Enrollment, JourneyEvent
from cms.models import HomePage
from referrals.selectors import link_by_code, plan_for
from referrals.services import ask_values, link_for
from testimonials import publishing, submissions
from testimonials.models import Consent, ModerationStatus, Testimonial
from tests.factories import enroll, home_page, referral_plan, testimonial_wall

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
OLD = "Before the program our mornings were a battle. Now we leave on time, calm."
NEW = "Edited: the program changed everything, and now the whole family sleeps through the night."
BLUE, RED = (40, 90, 200), (200, 30, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the landing page's reused render and the form limits
    return settings.MEDIA_ROOT


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(out, format="JPEG")
    return out.getvalue()


@dataclass
class Graduate:
    enrollment: Enrollment
    link_code: str

    @property
    def testimonial(self) -> Testimonial:
        return Testimonial.objects.select_related("student", "program").get(student=self.enrollment.student)

    def save(self, *, text=None, consent=None, photo=None, remove_photo=False, at=NOW + timedelta(days=1)):
        current = self.testimonial
        return submissions.testimonial_save(
            student_id=current.student_id,
            program_id=current.program_id,
            text=current.text if text is None else text,
            consent=current.consent if consent is None else consent,
            photo=photo,
            remove_photo=remove_photo,
            now=at,
        )

    def moderate(self, status, at=NOW + timedelta(days=2)):
        return publishing.testimonial_moderate(testimonial=self.testimonial, status=status, user=None, now=at)


def published_graduate(program, *, status, consent, photo=None, text=OLD) -> Graduate:
    referral_plan(program=program)
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria", last_name="Lopez")
    submissions.testimonial_save(
        student_id=enrollment.student_id,
        program_id=program.pk,
        text=text,
        consent=consent,
        photo=jpeg(photo) if photo else None,
        now=NOW,
    )
    link = link_for(student_id=enrollment.student_id, program_id=program.pk, now=NOW)
    graduate = Graduate(enrollment=enrollment, link_code=link.code)
    graduate.moderate(status, at=NOW + timedelta(minutes=5))
    return graduate


@dataclass
class Public:
    """Everything the public (and the graduate's ask) sees of one testimonial, read through the URLs."""

    wall: str
    featured_wall: str
    block: str
    card_status: int
    card_etag: str | None
    card_png: bytes | None
    photo: bytes | None
    landing: str
    quote: str


def public(client, graduate: Graduate) -> Public:
    pk = graduate.testimonial.pk
    walls = {page.featured_only: page.url for page in _walls()}
    card = client.get(f"/t/{pk}/card.png")
    photo = client.get(f"/t/{pk}/photo.jpg")
    enrollment = Enrollment.objects.select_related("student", "program").get(pk=graduate.enrollment.pk)
    plan = plan_for(enrollment.program_id)
    link = link_by_code(graduate.link_code)
    values = ask_values(enrollment=enrollment, plan=plan, link=link, now=NOW)
    return Public(
        wall=client.get(walls[False]).content.decode(),
        featured_wall=client.get(walls[True]).content.decode(),
        block=client.get(_home_with_block().url).content.decode(),
        card_status=card.status_code,
        card_etag=card.get("ETag"),
        card_png=card.content if card.status_code == 200 else None,
        photo=photo.content if photo.status_code == 200 else None,
        # The CSRF token is masked afresh on every answer: the rest must be the same.
        landing=re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(f"/join/{graduate.link_code}/").content.decode()
        ),
        quote=values["testimonial_quote"],
    )


def _walls():
    from testimonials.pages import TestimonialWallPage

    if not TestimonialWallPage.objects.exists():
        testimonial_wall(slug="stories")
        testimonial_wall(title="Featured", slug="featured", featured_only=True)
    return TestimonialWallPage.objects.all()


def _home_with_block():
    home = home_page()
    if not home.body:
        block = {"heading": "Voices", "program": None, "count": 3, "featured_only": False}
        home.body = [("testimonials", block)]
        home.save_revision().publish()
    return HomePage.objects.get(pk=home.pk)


def assert_shows(seen: Public, *, text: str, name: str, featured: bool):
    for page in (seen.wall, seen.block):
        assert text in page and name in page
    assert (text in seen.featured_wall) is featured
    assert seen.card_status == 200
    assert text in seen.landing and f"An invitation from {name.split()[0]}" in seen.landing
    assert seen.quote == text


# -- an edit that shows more waits for review; the approved version stays up ----------------------

# (consent and photo before, the edit) — each would show more than the moderator approved.
MORE = {
    "new photo": (Consent.FULL, None, {"photo": RED}),
    "changed photo": (Consent.FULL, BLUE, {"photo": RED}),
    "anonymous to full name and photo": (Consent.ANONYMOUS, BLUE, {"consent": Consent.FULL}),
    "first name to full name and photo": (Consent.FIRST_NAME, BLUE, {"consent": Consent.FULL}),
    "changed text": (Consent.FULL, BLUE, {"text": NEW}),
}


@pytest.mark.parametrize("status", [ModerationStatus.APPROVED, ModerationStatus.FEATURED])
@pytest.mark.parametrize("change", list(MORE))
def test_an_edit_that_shows_more_waits_and_every_public_place_keeps_the_approved_version(
    client, program, status, change
):
    consent, photo, edit = MORE[change]
    graduate = published_graduate(program, status=status, consent=consent, photo=photo)
    before = public(client, graduate)
    old_name = {Consent.FULL: "Maria Lopez", Consent.FIRST_NAME: "Maria"}.get(consent, "A graduate")
    if consent == Consent.ANONYMOUS:
        assert "Maria" not in before.wall and "An invitation from a graduate" in before.landing
    else:
        assert_shows(before, text=OLD, name=old_name, featured=status == ModerationStatus.FEATURED)

    graduate.save(
        text=edit.get("text"), consent=edit.get("consent"), photo=jpeg(edit["photo"]) if "photo" in edit else None
    )

    after = public(client, graduate)
    # Byte for byte what was public before: the wall, the featured wall, the block, the card and
    # its ETag, the photo, the landing page and the ask's quote.
    assert after == before
    for page in (after.wall, after.block, after.landing):
        assert NEW not in page
    if consent == Consent.ANONYMOUS:
        assert "Lopez" not in after.wall and "Maria" not in after.landing
    assert graduate.testimonial.status == ModerationStatus.PENDING  # in the moderation queue


@pytest.mark.parametrize("status", [ModerationStatus.APPROVED, ModerationStatus.FEATURED])
def test_private_to_public_waits_and_nothing_shows_until_approved(client, program, status):
    graduate = published_graduate(program, status=status, consent=Consent.PRIVATE, photo=BLUE)
    graduate.save(consent=Consent.FULL)
    seen = public(client, graduate)
    assert OLD not in seen.wall and OLD not in seen.block and OLD not in seen.landing
    assert (seen.card_status, seen.photo) == (404, None)
    assert "An invitation from a graduate" in seen.landing and "Maria" not in seen.landing
    assert graduate.testimonial.status == ModerationStatus.PENDING
    graduate.moderate(ModerationStatus.APPROVED)
    seen = public(client, graduate)
    assert "Maria Lopez" in seen.wall and seen.card_status == 200 and seen.photo is not None


@pytest.mark.parametrize("status", [ModerationStatus.APPROVED, ModerationStatus.FEATURED])
def test_re_approval_publishes_the_new_version_everywhere(client, program, status):
    graduate = published_graduate(program, status=status, consent=Consent.FIRST_NAME, photo=BLUE)
    before = public(client, graduate)
    graduate.save(text=NEW, consent=Consent.FULL, photo=jpeg(RED))
    graduate.moderate(status)
    after = public(client, graduate)
    assert_shows(after, text=NEW, name="Maria Lopez", featured=status == ModerationStatus.FEATURED)
    assert OLD not in after.wall and OLD not in after.landing
    assert after.card_etag != before.card_etag and after.card_png != before.card_png
    assert after.photo is not None and Image.open(io.BytesIO(after.photo)).getpixel((256, 256))[0] > 150  # red


def test_a_featured_testimonial_keeps_its_place_while_an_edit_waits(client, program):
    graduate = published_graduate(program, status=ModerationStatus.FEATURED, consent=Consent.FIRST_NAME)
    graduate.save(text=NEW)
    seen = public(client, graduate)
    assert OLD in seen.featured_wall and 'class="card testimonial featured"' in seen.wall


def test_the_moderation_queue_lists_the_edit_as_changed_with_what_changed(admin_client, program):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.FIRST_NAME, photo=BLUE)
    graduate.save(text=NEW, consent=Consent.FULL, photo=jpeg(RED))
    listing = admin_client.get("/admin/testimonials/", {"status": "pending"}).content.decode()
    assert "changed: text, consent, changed photo" in listing
    page = admin_client.get(f"/admin/testimonials/edit/{graduate.testimonial.pk}/")
    html = page.content.decode()
    assert 'data-changes="text, consent, changed photo"' in html
    assert OLD in html and NEW in html  # old against new
    assert "My first name only (published) → My full name and photo (submitted)" in html
    old_photo = admin_client.get(f"/admin/testimonials/published-photo/{graduate.testimonial.pk}/")
    new_photo = admin_client.get(f"/admin/testimonials/photo/{graduate.testimonial.pk}/")
    assert old_photo.status_code == new_photo.status_code == 200 and old_photo.content != new_photo.content


# -- showing less takes effect at once ----------------------------------------------------------


@pytest.mark.parametrize("status", [ModerationStatus.APPROVED, ModerationStatus.FEATURED])
def test_a_lower_consent_takes_effect_everywhere_at_once_without_review(client, program, status):
    graduate = published_graduate(program, status=status, consent=Consent.FULL, photo=BLUE)
    before = public(client, graduate)
    assert "Maria Lopez" in before.wall and before.photo is not None

    graduate.save(consent=Consent.ANONYMOUS)
    assert graduate.testimonial.status == status  # nothing to review
    seen = public(client, graduate)
    assert OLD in seen.wall and "Maria" not in seen.wall and "Maria" not in seen.block
    assert seen.photo is None and seen.card_etag != before.card_etag
    assert "An invitation from a graduate" in seen.landing and "Maria" not in seen.landing

    graduate.save(consent=Consent.PRIVATE)
    seen = public(client, graduate)
    assert OLD not in seen.wall and OLD not in seen.block and OLD not in seen.landing
    assert seen.card_status == 404


def test_a_lower_consent_while_an_edit_waits_lowers_the_approved_version_too(client, program):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.FULL, photo=BLUE)
    graduate.save(text=NEW)
    graduate.save(consent=Consent.ANONYMOUS)
    seen = public(client, graduate)
    assert graduate.testimonial.status == ModerationStatus.PENDING  # the text still waits
    assert OLD in seen.wall and NEW not in seen.wall and "Maria" not in seen.wall and seen.photo is None


def test_removing_the_photo_takes_it_down_at_once_and_deletes_the_files(
    client, program, media, django_capture_on_commit_callbacks
):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.FULL, photo=BLUE)
    before = public(client, graduate)
    graduate.save(photo=jpeg(RED))  # a new photo waits for review; the approved one is still public
    assert public(client, graduate).photo == before.photo
    assert len(list((media / "testimonials" / "photos").iterdir())) == 2
    with django_capture_on_commit_callbacks(execute=True):
        graduate.save(remove_photo=True)
    seen = public(client, graduate)
    assert seen.photo is None and seen.card_etag != before.card_etag
    assert list((media / "testimonials" / "photos").iterdir()) == []


def test_withdrawing_while_an_edit_waits_removes_both_and_a_resubmission_starts_over(client, program):
    graduate = published_graduate(program, status=ModerationStatus.FEATURED, consent=Consent.FULL, photo=BLUE)
    graduate.save(text=NEW)
    submissions.testimonial_withdraw(testimonial=graduate.testimonial, now=NOW + timedelta(days=1))
    seen = public(client, graduate)
    assert OLD not in seen.wall and NEW not in seen.wall and OLD not in seen.landing
    assert (seen.card_status, seen.photo, seen.quote) == (404, None, "")
    graduate.save(text=OLD)  # the very text once approved: still a new submission to review
    assert graduate.testimonial.status == ModerationStatus.PENDING
    assert OLD not in public(client, graduate).wall


# -- no review when nothing more would show ------------------------------------------------------


@pytest.mark.parametrize("status", [ModerationStatus.APPROVED, ModerationStatus.FEATURED])
def test_an_unchanged_resubmission_stays_published(client, program, status):
    graduate = published_graduate(program, status=status, consent=Consent.FULL, photo=BLUE)
    before = public(client, graduate)
    graduate.save()
    assert graduate.testimonial.status == status
    assert public(client, graduate) == before


def test_going_back_to_the_approved_version_needs_no_review(client, program):
    graduate = published_graduate(program, status=ModerationStatus.FEATURED, consent=Consent.FIRST_NAME)
    graduate.save(text=NEW, consent=Consent.FULL)
    assert graduate.testimonial.status == ModerationStatus.PENDING
    graduate.save(text=OLD, consent=Consent.FIRST_NAME)
    assert graduate.testimonial.status == ModerationStatus.FEATURED


def test_the_journey_events_stay_what_the_referral_engine_listens_for(program):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.FIRST_NAME)
    graduate.save(consent=Consent.FULL)
    graduate.save(text=NEW)
    graduate.save(consent=Consent.ANONYMOUS)
    kinds = list(
        JourneyEvent.objects.filter(enrollment=graduate.enrollment, kind__startswith="testimonial_")
        .order_by("occurred_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["testimonial_submitted", "testimonial_moderated", *["testimonial_edited"] * 3]
    edited = JourneyEvent.objects.filter(kind="testimonial_edited").order_by("id").first()
    assert "back to moderation" in edited.reason and edited.data["consent"] == Consent.FULL


# -- hostile ------------------------------------------------------------------------------------


def test_a_consent_upgrade_on_a_rejected_testimonial_publishes_nothing(client, program):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.ANONYMOUS, photo=BLUE)
    graduate.moderate(ModerationStatus.REJECTED)
    graduate.save(consent=Consent.FULL)
    graduate.save(consent=Consent.FULL, photo=jpeg(RED))
    assert graduate.testimonial.status != ModerationStatus.APPROVED
    seen = public(client, graduate)
    assert OLD not in seen.wall and OLD not in seen.block and OLD not in seen.landing
    assert (seen.card_status, seen.photo, seen.quote) == (404, None, "")
    assert "Maria" not in seen.landing


def test_a_moderator_pulling_a_published_one_back_to_pending_takes_it_down(client, program):
    graduate = published_graduate(program, status=ModerationStatus.APPROVED, consent=Consent.FIRST_NAME)
    graduate.moderate(ModerationStatus.PENDING)
    seen = public(client, graduate)
    assert OLD not in seen.wall and seen.card_status == 404 and seen.quote == ""
