"""In the editor: previews with the program's own figures, one SMART-I error, slugs from titles."""

import pytest

from campaigns.models import ProgramPage
from tests.browser.test_author_program import fill_program, log_in, publish
from tests.factories import enroll, home_page, program_page, referral_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ask_preview_of_a_non_demo_program_shows_its_own_mission_and_figures(desktop, live_server, admin_user):
    program = program_page(
        slug="garden",
        title="Grow Your Own",
        mission_statement="get 5,000 neighbours growing their own vegetables",
        mission_goal=5000,
        mission_unit="gardeners",
        mission_start_count=1234,
    )
    referral_plan(program=program, friend_offer_text="a seed kit for their first bed")
    enroll(program=program, email="g0@example.org")
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/{program.pk}/view_draft/?mode=emails")
    ask = desktop.frame_locator("iframe[title^='The referral ask']").locator("body")
    text = ask.inner_text()
    assert "get 5,000 neighbours growing their own vegetables" in text
    assert "1,235 gardeners so far, toward 5,000." in text
    assert "a seed kit for their first bed" in text
    assert "412,300" not in text and "parents" not in text and "example.org" not in text
    assert "/r/SAMPLE" in text
    assert (
        desktop.get_by_role("button", name="Send this email to me (alice@example.org)").count() == 4
    )  # ask, the friend's confirmation, friend joined, welcome


def test_a_failed_publish_shows_the_smart_i_reasons_once(desktop, live_server, admin_user):
    program = program_page(slug="garden")
    referral_plan(program=program)
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/{program.pk}/edit/")
    desktop.get_by_role("tab", name="Referral ask").click()
    # A subject with no general word of its own: the report's Specific reason is about the body.
    desktop.fill("#id_referral_plans-0-ask_subject", "A favour, {{ first_name }}?")
    desktop.fill("#id_referral_plans-0-ask_body", "Hi {{ first_name }}, please help spread the word!")
    desktop.wait_for_timeout(1200)  # the live report and autosave settle
    publish(desktop)
    desktop.wait_for_selector("text=could not be saved")
    desktop.get_by_role("tab", name="Referral ask").click()
    desktop.wait_for_timeout(1200)  # the live report's first check has run
    visible = desktop.locator("text=/Specific: “spread the word”/").filter(visible=True)
    assert visible.count() == 1
    # Once the creator edits, the live report takes over and the stale error goes.
    desktop.fill("#id_referral_plans-0-ask_body", "Hi {{ first_name }}, please help spread the word today!")
    desktop.wait_for_timeout(1200)
    assert desktop.locator("text=/Specific: “spread the word”/").filter(visible=True).count() == 1
    # Autosave after the failed publish still saves this session's draft: no "newer version" conflict.
    desktop.wait_for_timeout(2500)
    assert desktop.locator("text=/overwrite a newer version/i").count() == 0
    assert desktop.locator("text=/newer version/i").count() == 0


def test_a_milestone_slug_is_filled_from_its_title(desktop, live_server, admin_user):
    home = home_page()
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/add/campaigns/programpage/{home.pk}/")
    desktop.get_by_role("button", name="Add milestone").first.click()
    desktop.locator("#id_milestones-0-title").press_sequentially("First calm évening")
    assert desktop.input_value("#id_milestones-0-slug") == "first-calm-evening"
    desktop.fill("#id_milestones-0-slug", "my-own")
    desktop.locator("#id_milestones-0-title").press_sequentially(" again")
    assert desktop.input_value("#id_milestones-0-slug") == "my-own"


def test_a_failed_publish_of_a_new_program_then_its_autosave_leaves_one_draft_and_no_conflict(
    desktop, live_server, admin_user
):
    home = home_page()
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/add/campaigns/programpage/{home.pk}/")
    fill_program(desktop, goal="10000")
    desktop.get_by_role("tab", name="Sharing prompts").click()
    desktop.get_by_role("button", name="Add sharing prompt").first.click()
    desktop.fill("#id_sharing_prompts-0-milestone_slug", "first-calm-evening")
    desktop.fill("#id_sharing_prompts-0-email_subject", "Your first calm evening")
    desktop.fill("#id_sharing_prompts-0-ask", "Buy now with 50% off, sign up today!")
    publish(desktop)
    desktop.wait_for_selector("text=A sharing prompt needs attention")
    # The re-rendered form autosaves a draft (Wagtail 8): one page, not live, and no conflict with itself.
    for _ in range(60):
        if ProgramPage.objects.exists():
            break
        desktop.wait_for_timeout(250)
    desktop.wait_for_timeout(2500)  # and the next autosave round has answered
    assert desktop.locator("text=/newer version/i").count() == 0
    assert ProgramPage.objects.count() == 1 and not ProgramPage.objects.get().live

    desktop.get_by_role("tab", name="Sharing prompts").click()
    desktop.fill("#id_sharing_prompts-0-ask", "Tell one person close to you how your first calm evening felt.")
    desktop.wait_for_timeout(1500)
    publish(desktop)
    desktop.wait_for_selector("text=/published/")
    assert desktop.locator("text=/newer version/i").count() == 0
    assert ProgramPage.objects.count() == 1 and ProgramPage.objects.get().live
