"""The testimonial form as a student sees it: one box started from their answers, the guided
questions as hints, choices and errors a screen reader can follow, and their own photo, visible to
them (and only them) while it waits for moderation."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from campaigns import links
from testimonials import submissions
from testimonials.models import Consent, FeedbackResponse, ModerationStatus, Testimonial
from tests.factories import enroll, feedback_plan

pytestmark = pytest.mark.django_db
TEXT = "Before the program mornings were a battle. Now we leave on time and I feel calm."
QUESTIONS = ["What was life like before?", "What changed?", "Who would you recommend it to?"]


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def maria(program):
    feedback_plan(program=program, testimonial_questions="\n".join(QUESTIONS))
    return enroll(program=program, email="maria@example.org", first_name="Maria", last_name="Lopez")


def form_path(enrollment) -> str:
    return links.hub_path(enrollment.student_id, "testimonials:form", enrollment.program_id)


def photo_path(enrollment) -> str:
    return links.hub_path(enrollment.student_id, "testimonials:own_photo", enrollment.program_id)


def jpeg(colour=(200, 120, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")


def answered(enrollment, *answers: str) -> None:
    FeedbackResponse.objects.create(
        enrollment=enrollment,
        student_id=enrollment.student_id,
        program_id=enrollment.program_id,
        questions=["Q1", "Q2"],
        answers=[{"question": f"Q{i}", "answer": a} for i, a in enumerate(answers, 1)],
        answered_at=timezone.now(),
        score=10,
    )


def test_one_box_prefilled_from_their_answers_with_the_guided_questions_as_hints(client, maria):
    answered(maria, "Mornings used to be a battle.", "Now we leave on time.")
    body = client.get(form_path(maria)).content.decode()
    assert re.findall(r"<textarea[^>]*name=\"([^\"]+)\"", body) == ["text"]  # one box, not one per question
    box = re.search(r"<textarea[^>]*>([^<]*)</textarea>", body)
    assert box.group(1) == "Mornings used to be a battle.\nNow we leave on time."
    hints = re.search(r'<div id="id_text-hints">(.*?)</div>', body, re.S).group(1)
    assert all(question in hints for question in QUESTIONS)
    described_by = re.search(r'<textarea[^>]*aria-describedby="([^"]+)"', body).group(1).split()
    assert described_by == ["id_text-hints", "id_text-help"]
    assert all(f'id="{target}"' in body for target in described_by)


def test_sending_the_one_box_saves_it_and_keeps_older_answers_on_record(client, maria):
    older = [{"question": "What changed?", "answer": "Everything."}]
    Testimonial.objects.create(
        student_id=maria.student_id, program_id=maria.program_id, text=TEXT, consent=Consent.FIRST_NAME, answers=older
    )
    response = client.post(form_path(maria), {"text": TEXT + " Really.", "consent": Consent.ANONYMOUS})
    assert response.status_code == 302
    testimonial = Testimonial.objects.get()
    assert testimonial.text == TEXT + " Really." and testimonial.answers == older


def test_an_error_is_tied_to_its_field_and_what_was_typed_is_kept(client, maria):
    response = client.post(form_path(maria), {"text": "Too short", "consent": "nobody"})
    assert response.status_code == 400
    body = response.content.decode()
    box = re.search(r"<textarea[^>]*>", body).group(0)
    assert 'aria-invalid="true"' in box
    assert "id_text-error" in re.search(r'aria-describedby="([^"]+)"', box).group(1).split()
    assert re.search(r'<p class="error" id="id_text-error">[^<]*at least 20 characters', body)
    assert '<fieldset aria-describedby="id_consent-error">' in body and 'id="id_consent-error"' in body
    assert ">Too short</textarea>" in body
    assert not Testimonial.objects.exists()


def test_each_consent_choice_is_inside_its_own_label(client, maria):
    body = client.get(form_path(maria)).content.decode()
    for index, consent in enumerate(Consent):
        label = re.search(rf'<label class="choice" for="id_consent_{index}">(.*?)</label>', body, re.S).group(1)
        assert f'id="id_consent_{index}"' in label and consent.label in label


def test_the_student_sees_their_own_photo_while_it_waits_for_moderation(client, maria):
    response = client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    assert response.status_code == 302
    testimonial = Testimonial.objects.get()
    assert testimonial.status == ModerationStatus.PENDING

    page = client.get(response["Location"]).content.decode()
    src = re.search(r'<img class="testimonial-photo" src="([^"]+)" alt="Your photo"', page).group(1)
    assert src.split("?")[0] == response["Location"].split("?")[0] + "photo.jpg"  # under the same signed link
    assert "once the team has checked it" in page
    photo = client.get(src)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(photo.content)) as image:
        assert image.size == (512, 512)
    # Not public while pending: the public address still answers 404.
    assert client.get(f"/t/{testimonial.pk}/photo.jpg").status_code == 404
    assert client.head(src).status_code == 200


def test_a_photo_kept_private_by_consent_is_still_shown_to_its_owner_with_a_note(client, maria):
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FIRST_NAME, "photo": jpeg()})
    Testimonial.objects.update(status=ModerationStatus.APPROVED)
    page = client.get(form_path(maria)).content.decode()
    assert "It is shown only if you choose “My full name and photo”" in page
    assert client.get(photo_path(maria)).status_code == 200
    assert client.get(f"/t/{Testimonial.objects.get().pk}/photo.jpg").status_code == 404


def test_a_new_photo_shows_at_once(client, maria):
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL, "photo": jpeg((250, 0, 0))})
    first = client.get(photo_path(maria)).content
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL, "photo": jpeg((0, 0, 250))})
    second = client.get(photo_path(maria)).content
    assert first != second
    with Image.open(io.BytesIO(second)) as image:
        red, _, blue = image.convert("RGB").getpixel((256, 256))
        assert blue > 200 and red < 50


def test_no_photo_someone_elses_link_a_bad_link_or_a_withdrawal_show_nothing(client, maria, program):
    assert client.get(photo_path(maria)).status_code == 404  # no testimonial yet
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL})
    assert client.get(photo_path(maria)).status_code == 404  # a testimonial without a photo
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    assert client.get(photo_path(maria)).status_code == 200

    other = enroll(program=program, email="bob@example.org", first_name="Bob")
    assert client.get(photo_path(other)).status_code == 404  # Bob's link shows only Bob's photo
    tampered = photo_path(maria).replace("/me/", "/me/x")
    assert client.get(tampered).status_code == 403
    assert client.post(photo_path(maria)).status_code == 405

    submissions.testimonial_withdraw(testimonial=Testimonial.objects.get())
    assert client.get(photo_path(maria)).status_code == 404
    assert 'alt="Your photo"' not in client.get(form_path(maria)).content.decode()


def test_an_expired_link_shows_no_photo(client, maria, settings):
    client.post(form_path(maria), {"text": TEXT, "consent": Consent.FULL, "photo": jpeg()})
    settings.HUB_LINK_MAX_AGE = -1
    response = client.get(photo_path(maria))
    assert response.status_code == 403 and "This link has expired" in response.content.decode()
