"""A creator connects a program to their course platform in the editor's Integrations tab, and finds the
platform's webhook URL in Integrations → Platform connections."""

import re

import pytest

from integrations.models import MilestonePlatformId, ProgramPlatformId
from tests.browser.test_author_program import fill_program, log_in, publish
from tests.factories import home_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_creator_maps_a_product_and_a_lesson_then_reads_the_webhook_url(desktop, live_server, admin_user):
    home = home_page()
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/add/campaigns/programpage/{home.pk}/")
    fill_program(desktop, goal="10000")

    desktop.get_by_role("tab", name="Integrations").click()
    desktop.get_by_role("button", name=re.compile("Add platform id", re.I)).first.click()
    desktop.select_option("#id_platform_ids-0-platform", "thinkific")
    desktop.select_option("#id_platform_ids-0-kind", "course")
    desktop.fill("#id_platform_ids-0-external_id", "68")
    desktop.get_by_role("button", name=re.compile("Add lesson", re.I)).first.click()
    desktop.select_option("#id_milestone_platform_ids-0-platform", "thinkific")
    desktop.fill("#id_milestone_platform_ids-0-external_id", "5501")
    field = desktop.locator("#id_milestone_platform_ids-0-milestone_slug")
    assert field.get_attribute("list") == "program-milestones"  # suggests the Content tab's milestones
    field.fill("first-calm-evening")
    publish(desktop)
    desktop.wait_for_selector("text=published")

    row = ProgramPlatformId.objects.get()
    assert (row.platform, row.kind, row.external_id, row.program.slug) == ("thinkific", "course", "68", "calm-parents")
    assert MilestonePlatformId.objects.get().milestone_slug == "first-calm-evening"

    desktop.goto(f"{live_server.url}/admin/integrations/connections/")
    assert "/api/v1/webhooks/thinkific" in desktop.inner_text("#connection-thinkific")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.locator("#connection-teachable button").click()
    desktop.wait_for_selector("text=Copy it now")
    url = desktop.inner_text("#connection-teachable .webhook-url")
    assert re.search(r"/api/v1/webhooks/teachable/[\w-]{43,}$", url)
