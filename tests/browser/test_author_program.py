"""A course creator authors and publishes a program in the Wagtail admin; a visitor reads it on a phone."""

from datetime import date, timedelta

import pytest

from campaigns.models import ProgramPage
from tests.factories import home_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def fill_program(page, *, goal: str):
    page.fill("#id_title", "Calm Parents")
    page.fill("#id_mission_statement", "help 10,000 parents stay calm")
    page.fill("#id_mission_goal", goal)
    page.fill("#id_mission_unit", "parents")
    page.fill("#id_mission_deadline", (date.today() + timedelta(days=800)).isoformat())
    page.fill("#id_mission_start_count", "120")
    page.select_option("#id_registration_status", "closed")
    page.get_by_role("button", name="Add milestone").first.click()
    page.fill("#id_milestones-0-title", "First calm evening")
    page.fill("#id_milestones-0-slug", "first-calm-evening")
    page.fill("#id_milestones-0-day_offset", "7")


def publish(page):
    page.locator("footer .dropdown-toggle, footer [data-w-dropdown-target='toggle']").first.click()
    page.locator("button[name='action-publish']").click()


def test_creator_authors_and_publishes_a_program(desktop, phone, live_server, admin_user):
    home = home_page()
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/add/campaigns/programpage/{home.pk}/")

    # A goal of 0 is refused with a field error and nothing is created.
    fill_program(desktop, goal="0")
    publish(desktop)
    desktop.wait_for_selector("text=Ensure this value is greater than or equal to 1")
    assert not ProgramPage.objects.exists()

    desktop.fill("#id_mission_goal", "10000")
    publish(desktop)
    desktop.wait_for_selector("text=published")
    program = ProgramPage.objects.get()
    assert program.live and program.mission_goal == 10000
    assert [m.slug for m in program.ordered_milestones] == ["first-calm-evening"]

    phone.goto(f"{live_server.url}{program.url}")
    assert phone.locator("h1").inner_text() == "Calm Parents"
    assert "help 10,000 parents stay calm" in phone.locator(".mission").inner_text()
    assert "First calm evening" in phone.locator(".milestones").inner_text()
    assert "Registration is closed" in phone.inner_text("body")
    # Nothing overflows a 390 px wide screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_milestone_fields_suggest_the_programs_milestones_even_before_they_are_saved(desktop, live_server, admin_user):
    home = home_page()
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/add/campaigns/programpage/{home.pk}/")
    fill_program(desktop, goal="10000")
    desktop.get_by_role("button", name="Add milestone").first.click()
    desktop.fill("#id_milestones-1-title", "Halfway")
    desktop.fill("#id_milestones-1-slug", "halfway")

    desktop.get_by_role("tab", name="Sharing prompts").click()
    desktop.get_by_role("button", name="Add sharing prompt").first.click()
    field = desktop.locator("#id_sharing_prompts-0-milestone_slug")
    assert field.get_attribute("list") == "program-milestones"
    field.focus()
    options = desktop.eval_on_selector_all("#program-milestones option", "os => os.map(o => [o.value, o.label])")
    assert options == [["first-calm-evening", "First calm evening"], ["halfway", "Halfway"]]

    # The feedback tab's "after milestone" offers the same list.
    desktop.get_by_role("tab", name="Feedback & testimonials").click()
    desktop.get_by_role("button", name="Add feedback request").first.click()
    feedback = desktop.locator("#id_feedback_plans-0-after_milestone_slug")
    assert feedback.get_attribute("list") == "program-milestones"
