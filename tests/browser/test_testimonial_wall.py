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
    desktop.goto(f"{live_server.url}/admin/snippets/testimonials/testimonial/?status=pending")
    desktop.click("text=Maria Lopez")
    desktop.wait_for_selector("[data-submission]")
    assert "Before, every morning was a fight." in desktop.inner_text("[data-text]")
    assert desktop.locator("textarea[name=text]").count() == 0  # the student's words are not editable
    desktop.select_option("select[name=status]", ModerationStatus.APPROVED)
    desktop.fill("[name=moderation_note]", "Lovely, thank you")
    desktop.click("button[type=submit]:has-text('Save')")
    desktop.wait_for_url(f"{live_server.url}/admin/snippets/testimonials/testimonial/")
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
