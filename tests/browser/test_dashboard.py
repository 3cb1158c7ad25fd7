"""The creator opens the program's dashboard on a phone, reads the funnel and clicks the unhappy count:
the students list shows exactly those students."""

import pytest

from tests.browser.test_feedback import admin_login
from tests.cms.test_dashboard import cohort
from tests.factories import program_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_unhappy_count_opens_those_students(phone, live_server, admin_user):
    program = program_page(slug="calm", milestones=[("first-win", 7)])
    students = cohort(program, 5, unhappy=2, happy=2)
    admin_login(phone, live_server.url)
    phone.click(f"text={program.title}")
    phone.wait_for_selector("#funnel")
    assert phone.inner_text("[data-step=enrolled] td >> nth=0").strip() == "5"
    assert phone.inner_text("[data-step=rewarded] td >> nth=0").strip() == "0"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("[data-step=unhappy] a")
    phone.wait_for_url("**/admin/students/**")
    listed = phone.inner_text("table.listing")
    for student in students[:2]:
        assert student.email in listed
    for student in students[2:]:
        assert student.email not in listed


def test_the_new_panels_read_on_a_phone_and_their_doors_open_the_lists(phone, live_server, admin_user):
    from tests.cms.test_dashboard_panels import referrals_world

    program = program_page(slug="calm", milestones=[("first-win", 7)])
    referrals_world(program, graduates=2)
    admin_login(phone, live_server.url)
    phone.goto(f"{live_server.url}/admin/dashboard/{program.pk}/")
    phone.wait_for_selector("#mission")
    assert "a week" in phone.inner_text("#mission [data-figure=needed]")
    assert phone.inner_text("[data-step=link_clicks] td >> nth=0").strip() == "3"  # people, not 6 rows
    assert phone.inner_text("[data-waiting=ship] td >> nth=0").strip() == "1"
    assert "Top advocates" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("[data-step=link_clicks] a")
    phone.wait_for_url("**/admin/link-clicks/**")
    assert phone.locator("table.listing tbody tr").count() == 3
    phone.go_back()
    phone.click("[data-waiting=ship] a")
    phone.wait_for_url("**/admin/rewards/**")
    assert phone.locator("table.listing tbody tr").count() == 1
