"""In the editor: previews with the program's own figures, one SMART-I error, slugs from titles."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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
    # One preview per email the plan sends, each with its own button: the ask, the friend's confirmation,
    # friend joined, the welcome, the thank-you released and revoked (a gift plan adds "shipped").
    titles = desktop.locator("iframe").evaluate_all("frames => frames.map(f => f.title)")
    assert len(titles) == 6, titles
    assert desktop.get_by_role("button", name="Send this email to me (alice@example.org)").count() == len(titles)


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


def autosave_settled(page) -> None:
    """Wait until no autosave is in flight, twice over a second (one may start as another ends).

    A publish sent while an autosave is on its way races Wagtail's own autosave and gets its "newer
    version" answer, which is not the conflict these tests guard against. Autosave reports "saving" until
    its answer is in and, for a new page, the form has become the saved page's edit form. The wait is in
    the browser, not a loop of queries: on SQLite the live server's threads share the test's connection,
    and the test querying while a request is served can stall both.
    """
    idle = """() => {
        const indicator = document.getElementById("w-autosave-indicator");
        return !indicator || indicator.dataset.wAutosaveStateValue !== "saving";
    }"""
    page.wait_for_function(idle)
    page.wait_for_timeout(1000)
    page.wait_for_function(idle)


def test_a_failed_publish_of_a_new_program_leaves_at_most_one_draft_and_no_conflict(desktop, live_server, admin_user):
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
    # The re-rendered form may autosave a draft (Wagtail 8 does, when its unsaved-changes check runs in
    # time): at most one page, not live, and no conflict with itself.
    autosave_settled(desktop)
    assert desktop.locator("text=/newer version/i").count() == 0
    drafts = list(ProgramPage.objects.all())
    assert len(drafts) <= 1 and not any(page.live for page in drafts)
    if drafts:  # the form is now that draft's edit form, so the publish below updates it
        # The draft row can be written before the autosave's answer reaches the page: wait for the form.
        # Wagtail's autosave aborts a request in flight when the next one starts, so the answer that
        # carries the draft's edit URL can be lost in the browser; then open the draft as an editor would.
        try:
            desktop.wait_for_function(
                "document.getElementById('page-edit-form').action.includes('/edit/')", timeout=10_000
            )
        except PlaywrightTimeoutError:
            desktop.goto(f"{live_server.url}/admin/pages/{drafts[0].pk}/edit/")
            desktop.wait_for_selector("#page-edit-form")

    desktop.get_by_role("tab", name="Sharing prompts").click()
    if desktop.locator("#id_sharing_prompts-0-ask").count() == 0:
        # The draft was autosaved before the prompt was added: the editor adds it again on the draft.
        desktop.get_by_role("button", name="Add sharing prompt").first.click()
        desktop.fill("#id_sharing_prompts-0-milestone_slug", "first-calm-evening")
        desktop.fill("#id_sharing_prompts-0-email_subject", "Your first calm evening")
    desktop.fill("#id_sharing_prompts-0-ask", "Tell one person close to you how your first calm evening felt.")
    desktop.press("#id_sharing_prompts-0-ask", "Tab")  # leaving the field is when the editor sees the change
    autosave_settled(desktop)
    publish(desktop)
    desktop.wait_for_selector("text=/published/")
    assert desktop.locator("text=/newer version/i").count() == 0
    assert ProgramPage.objects.count() == 1 and ProgramPage.objects.get().live
