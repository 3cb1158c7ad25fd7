"""A student on a phone writes their testimonial in one box started from their feedback, picks a
consent by tapping its words, uploads a photo and sees it at once, though the team has not checked
it yet (and the public photo address still shows nothing)."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from campaigns import links
from testimonials.models import Consent, FeedbackResponse, ModerationStatus, Testimonial
from tests.factories import enroll, feedback_plan, program_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANSWER = "Mornings used to be a battle. Now we leave on time and nobody shouts."


def test_one_box_tappable_consent_and_my_own_photo_on_a_phone(phone, live_server, tmp_path):
    program = program_page(slug="calm", title="Calm Mornings")
    feedback_plan(program=program, testimonial_questions="What was life like before?\nWhat changed?")
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria", last_name="Lopez")
    FeedbackResponse.objects.create(
        enrollment=enrollment,
        student_id=enrollment.student_id,
        program=program,
        questions=["What changed?"],
        answers=[{"question": "What changed?", "answer": ANSWER}],
        answered_at=timezone.now(),
        score=10,
    )
    picture = tmp_path / "me.png"
    Image.new("RGB", (900, 600), (30, 90, 200)).save(picture)

    phone.goto(live_server.url + links.hub_path(enrollment.student_id))
    phone.click("text=Write a testimonial")
    phone.wait_for_selector("#id_text")  # the click starts the navigation; wait for the form page
    assert phone.locator("textarea").count() == 1
    assert phone.input_value("#id_text") == ANSWER
    assert "What was life like before?" in phone.inner_text("#id_text-hints")
    phone.click("text=Anonymous")  # the words, not the 20 px circle
    assert phone.is_checked(f"input[name=consent][value={Consent.ANONYMOUS}]")
    phone.click("text=My full name and photo")
    assert phone.is_checked(f"input[name=consent][value={Consent.FULL}]")
    phone.set_input_files("#id_photo", str(picture))
    phone.click("text=Send my testimonial")
    phone.wait_for_selector("text=The team will check it shortly")

    testimonial = Testimonial.objects.get()
    assert testimonial.status == ModerationStatus.PENDING and testimonial.text == ANSWER
    photo = phone.locator("img[alt='Your photo']")
    photo.wait_for()
    phone.wait_for_function("() => document.querySelector(\"img[alt='Your photo']\").complete")
    assert photo.evaluate("img => img.naturalWidth") == 512
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    public = phone.request.get(f"{live_server.url}/t/{testimonial.pk}/photo.jpg")
    assert public.status == 404  # not public until approved

    # A new photo replaces it on the page at once.
    Image.new("RGB", (600, 600), (220, 30, 30)).save(picture)
    phone.set_input_files("#id_photo", str(picture))
    phone.click("text=Save changes")
    phone.wait_for_selector("text=Saved.")
    phone.wait_for_function("() => document.querySelector(\"img[alt='Your photo']\").complete")
    shot = phone.locator("img[alt='Your photo']").screenshot()
    with Image.open(io.BytesIO(shot)) as image:
        red, green, blue = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
    assert red > 180 and blue < 80
