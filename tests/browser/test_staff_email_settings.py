"""A team member opens their account settings, turns the weekly summary off, saves: it stays off (the
page shows it so after a reload), the daily digest stays on, and Monday's summary skips them."""

import pytest

from cms.models import StaffEmailPreferences
from cms.staff_emails import services
from mailers.models import Message
from tests.cms.test_creator_emails import at, staff
from tests.factories import program_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_user_turns_the_weekly_summary_off_and_it_stays_off(desktop, live_server, django_user_model):
    program = program_page(slug="calm", milestones=[("first-win", 7)])
    # Wagtail's account form requires a name: a team member has one.
    user = staff(
        django_user_model, "sam", programs=[program], codenames=["view_reward"], first_name="Sam", last_name="Lee"
    )
    page = desktop
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "pw-12345-abc")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    # The account menu at the foot of the sidebar, as a person finds it.
    page.click(".sidebar-footer__account")
    page.get_by_role("complementary", name="Sidebar").get_by_role("link", name="Account").click()
    page.wait_for_url(f"{live_server.url}/admin/account/")
    page.get_by_role("tab", name="Notifications").click()
    weekly = page.get_by_label("Weekly summary")
    daily = page.get_by_label("Daily rewards digest")
    assert weekly.is_checked() and daily.is_checked()  # both on until they say otherwise
    weekly.uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Your account settings have been changed successfully!")
    page.reload()
    page.get_by_role("tab", name="Notifications").click()
    assert not page.get_by_label("Weekly summary").is_checked()
    assert page.get_by_label("Daily rewards digest").is_checked()
    preferences = StaffEmailPreferences.objects.get(user=user)
    assert (preferences.daily_digest, preferences.weekly_summary) == (True, False)
    assert services.weekly_send(now=at(2026, 11, 30, 8, 0)) == 0
    assert not Message.objects.filter(to_email="sam@example.org").exists()
