"""The student's testimonial form: consent, photo, edit, withdraw, and bad input that loses nothing."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns import links
from campaigns.models import JourneyEvent
from testimonials import publishing
from testimonials.models import Consent, ModerationStatus, Testimonial
from tests.factories import enroll

pytestmark = pytest.mark.django_db
TEXT = "Before the program mornings were a battle. Now we leave on time and I feel calm."


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def student_url(program):
    enrollment = enroll(program=program, first_name="Maria", last_name="Lopez")
    return enrollment.student, links.hub_path(enrollment.student_id, "testimonials:form", program.pk)


def approve(item: Testimonial, status: str = ModerationStatus.APPROVED) -> Testimonial:
    return publishing.testimonial_moderate(testimonial=item, status=status, user=None)


def jpeg(size=(800, 600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_any_student_can_submit_with_a_consent_level_and_a_photo(client, student_url, program):
    student, url = student_url
    response = client.post(url, {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    testimonial = Testimonial.objects.get(student=student)
    assert testimonial.status == ModerationStatus.PENDING and testimonial.consent == Consent.FULL
    assert testimonial.attribution == "Maria Lopez"
    with Image.open(testimonial.photo.path) as photo:
        assert photo.size == (512, 512) and not photo.getexif()
    assert JourneyEvent.objects.filter(kind="testimonial_submitted").count() == 1
    assert "The team will check it shortly" in client.get(response["Location"]).content.decode()


def test_a_fake_image_is_refused_with_a_clear_error_and_the_text_is_kept(client, student_url):
    _, url = student_url
    fake = SimpleUploadedFile("me.jpg", b"<?php echo 'hi'; ?>" * 50, content_type="image/jpeg")
    response = client.post(url, {"text": TEXT, "consent": Consent.FIRST_NAME, "photo": fake})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Before the program mornings were a battle" in body
    assert "image" in body.lower()
    assert not Testimonial.objects.exists()


def test_an_oversized_image_is_refused(client, student_url, settings):
    _, url = student_url
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), content_type="image/jpeg")
    response = client.post(url, {"text": TEXT, "consent": Consent.FIRST_NAME, "photo": big})
    assert response.status_code == 400
    assert not Testimonial.objects.exists()


def test_html_in_the_text_is_stored_as_text_and_escaped(client, student_url):
    student, url = student_url
    text = "<script>alert('x')</script> This program changed how I parent, truly."
    client.post(url, {"text": text, "consent": Consent.ANONYMOUS})
    assert Testimonial.objects.get(student=student).text == text
    body = client.get(url).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "too short", "consent": "first_name"}, "at least 20 characters"),
        ({"text": TEXT, "consent": "everyone"}, "Select a valid choice"),
        ({"text": TEXT}, "Choose how your testimonial may be shown."),
        ({"text": "x" * 3001, "consent": "first_name"}, "at most 3000 characters"),
    ],
)
def test_bad_input_gets_a_clear_error(client, student_url, data, message):
    _, url = student_url
    response = client.post(url, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Testimonial.objects.exists()


def test_editing_the_text_goes_back_to_moderation_and_withdrawal_hides_it(client, student_url):
    student, url = student_url
    client.post(url, {"text": TEXT, "consent": Consent.FIRST_NAME})
    approve(Testimonial.objects.get(student=student))
    assert Testimonial.objects.visible().count() == 1
    client.post(url, {"text": TEXT, "consent": Consent.ANONYMOUS})  # a lower consent: stays approved
    assert Testimonial.objects.visible().get().published_attribution == "A graduate"
    client.post(url, {"text": TEXT + " Thank you!", "consent": Consent.ANONYMOUS})
    assert Testimonial.objects.get().status == ModerationStatus.PENDING
    approve(Testimonial.objects.get())
    response = client.post(url.replace("/testimonial/", "/testimonial/").rstrip("/") + "/withdraw/")
    assert response.status_code == 302
    assert Testimonial.objects.visible().count() == 0
    assert "Withdrawn" in client.get(response["Location"]).content.decode()
    assert Testimonial.objects.filter(student=student).count() == 1  # kept for the record, never shown


def test_a_program_the_student_did_not_take_is_not_theirs(client, student_url, program):
    student, _ = student_url
    response = client.get(links.hub_path(student.pk, "testimonials:form", program.pk + 999))
    assert response.status_code == 404


# -- an edit of a published testimonial, as the student sees it and as a crafted post tries it --------


def published(client, url, student, **fields) -> Testimonial:
    client.post(url, {"text": TEXT, "consent": Consent.FIRST_NAME, **fields})
    return approve(Testimonial.objects.get(student=student))


def test_the_form_and_the_hub_say_honestly_that_a_change_waits_while_the_earlier_version_stays_up(client, student_url):
    student, url = student_url
    published(client, url, student)
    hub = client.get(links.hub_path(student.pk)).content.decode()
    assert "Approved · shown as: my first name only." in hub
    response = client.post(url, {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    form = client.get(response["Location"]).content.decode()
    assert "The team will check your changes shortly; until then the version approved earlier stays up." in form
    waiting = "Your latest changes wait for a quick check by the team. Until then, the version approved earlier"
    assert waiting in form and "shown as: my first name only." in form
    hub = client.get(links.hub_path(student.pk)).content.decode()
    assert waiting in hub and "Approved ·" not in hub


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "approved", "published_consent": "full", "published_text": "Forged."},
        {"status": "featured", "moderated_by": "1", "published_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_a_crafted_post_cannot_publish_its_own_edit(client, student_url, extra):
    student, url = student_url
    published(client, url, student)
    data = {"text": TEXT + " Also: buy now.", "consent": Consent.FULL, "photo": jpeg(), **extra}
    assert client.post(url, data).status_code == 302
    item = Testimonial.objects.get(student=student)
    assert item.status == ModerationStatus.PENDING
    visible = Testimonial.objects.visible().get()
    assert (visible.published_text, visible.published_attribution, visible.shows_published_photo) == (
        TEXT,
        "Maria",
        False,
    )


@pytest.mark.parametrize("consent", ["featured", "approved", "FULL", "", "full\x00"])
def test_a_crafted_consent_is_refused_and_changes_nothing(client, student_url, consent):
    student, url = student_url
    published(client, url, student)
    response = client.post(url, {"text": TEXT + " More words.", "consent": consent})
    assert response.status_code == 400
    item = Testimonial.objects.get(student=student)
    assert (item.status, item.text, item.consent) == (ModerationStatus.APPROVED, TEXT, Consent.FIRST_NAME)


def test_a_rejected_testimonial_tells_the_student_and_a_consent_upgrade_does_not_publish_it(client, student_url):
    student, url = student_url
    published(client, url, student)
    publishing.testimonial_moderate(
        testimonial=Testimonial.objects.get(), status=ModerationStatus.REJECTED, user=None, note="names a child"
    )
    form = client.get(url).content.decode()
    assert "Not published: the team did not approve it." in form and "names a child" not in form  # internal
    client.post(url, {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    assert not Testimonial.objects.visible().exists()
    assert Testimonial.objects.get().status != ModerationStatus.APPROVED
    client.post(url, {"text": TEXT, "consent": Consent.FULL})
    assert not Testimonial.objects.visible().exists()
