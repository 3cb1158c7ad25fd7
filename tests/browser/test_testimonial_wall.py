"""The team approves a testimonial in the admin; it appears on the wall, readable on a phone."""

import pytest

from testimonials.models import Consent, ModerationStatus
from testimonials.pages import TestimonialWallPage as WallPage
from tests.factories import StudentFactory, home_page, program_page, testimonial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "unbelievablycalmmornings" * 7  # one unbroken "word" wider than a phone
TEXT = f"Before, every morning was a fight. Now we laugh at breakfast. <b>Really</b>. {LONG_WORD}"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def admin_login(page, base):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_admin_approves_a_testimonial_and_it_shows_on_the_wall_on_a_phone(phone, desktop, live_server, admin_user):
    program = program_page(slug="calm", title="Calm Mornings")
    wall = WallPage(title="What graduates say", slug="stories")
    home_page().add_child(instance=wall)
    wall.save_revision().publish()
    item = testimonial(
        program=program, student=StudentFactory(first_name="Maria", last_name="Lopez"), text=TEXT, consent=Consent.FULL
    )
    wall_url = f"{live_server.url}/stories/"

    phone.goto(wall_url)
    assert "No testimonials to show yet." in phone.inner_text("main")

    admin_login(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/admin/testimonials/?status=pending")
    desktop.click("text=Maria Lopez")
    desktop.wait_for_selector("[data-submission]")
    assert "Before, every morning was a fight." in desktop.inner_text("[data-text]")
    assert desktop.locator("textarea[name=text]").count() == 0  # the student's words are not editable
    desktop.select_option("select[name=status]", ModerationStatus.APPROVED)
    desktop.fill("[name=moderation_note]", "Lovely, thank you")
    desktop.click("button[type=submit]:has-text('Save')")
    desktop.wait_for_url(f"{live_server.url}/admin/testimonials/")
    desktop.wait_for_selector(".messages .success")
    item.refresh_from_db()
    assert item.status == ModerationStatus.APPROVED and item.text == TEXT

    phone.goto(wall_url)
    card = phone.locator(f"[data-testimonial='{item.pk}']")
    assert "Before, every morning was a fight." in card.inner_text()
    assert "<b>Really</b>" in card.inner_text()  # shown as the student typed it, not as markup
    assert "Maria Lopez" in card.inner_text() and "Calm Mornings" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    card_link = card.locator("a", has_text="Share card").get_attribute("href")
    response = phone.request.get(live_server.url + card_link)
    assert response.status == 200 and response.headers["content-type"] == "image/png"


def test_a_students_edit_waits_for_the_team_while_the_approved_version_stays_on_the_wall(
    desktop, phone, live_server, admin_user, tmp_path
):
    import io

    from PIL import Image

    from campaigns import links
    from testimonials import publishing, submissions
    from tests.factories import enroll

    program = program_page(slug="calm", title="Calm Mornings")
    wall = WallPage(title="What graduates say", slug="stories")
    home_page().add_child(instance=wall)
    wall.save_revision().publish()
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria", last_name="Lopez")
    old = "Before, every morning was a fight. Now we laugh at breakfast."
    item = submissions.testimonial_save(
        student_id=enrollment.student_id, program_id=program.pk, text=old, consent=Consent.ANONYMOUS
    )
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.FEATURED, user=None)
    photo = tmp_path / "me.png"
    Image.new("RGB", (300, 300), (200, 40, 40)).save(photo)

    # The student edits from their hub: new words, full name, a photo.
    phone.goto(live_server.url + links.hub_path(enrollment.student_id, "testimonials:form", program.pk))
    phone.fill("#id_text", "Calm mornings, and I want everyone to know my name.")
    phone.check("input[name=consent][value=full]")
    phone.set_input_files("#id_photo", str(photo))
    phone.click("button:has-text('Save changes')")
    phone.wait_for_selector("text=until then the version approved earlier stays up")
    assert phone.locator("[data-review=waiting]").count() == 1

    # The public still sees the approved version: anonymous, no photo, its old words, still featured.
    phone.goto(f"{live_server.url}/stories/")
    card = phone.locator(f"[data-testimonial='{item.pk}']")
    assert old in card.inner_text() and "A graduate" in card.inner_text() and "Maria" not in card.inner_text()
    assert card.locator("img").count() == 0 and "featured" in card.get_attribute("class")

    # The team sees what changed, old against new, and approves it as featured again.
    admin_login(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/admin/testimonials/?status=pending")
    assert "changed: text, consent, new photo" in desktop.inner_text("main")
    desktop.click("text=Maria Lopez")
    desktop.wait_for_selector("[data-changes]")
    assert old in desktop.inner_text("[data-old-text]")
    assert "Anonymously (published) → My full name and photo (submitted)" in desktop.inner_text("[data-changes]")
    desktop.select_option("select[name=status]", ModerationStatus.FEATURED)
    desktop.click("button[type=submit]:has-text('Save')")
    desktop.wait_for_selector(".messages .success")

    phone.goto(f"{live_server.url}/stories/")
    card = phone.locator(f"[data-testimonial='{item.pk}']")
    assert "Calm mornings, and I want everyone to know my name." in card.inner_text()
    assert "Maria Lopez" in card.inner_text() and card.locator("img").count() == 1
    shown = phone.request.get(live_server.url + card.locator("img").get_attribute("src"))
    assert Image.open(io.BytesIO(shown.body())).getpixel((256, 256))[0] > 150  # the new, red photo
