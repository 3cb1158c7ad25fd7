"""On a phone, the admin's wide listings scroll sideways in their own box (cms/static/css/admin.css):
the Inbound events list's Outcome column, cut off before, can be reached, and the page itself stays
as wide as the phone."""

import pytest

from integrations import services
from tests.browser.test_feedback import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_outcome_of_an_inbound_event_can_be_reached_on_a_phone(phone, live_server, admin_user):
    services.event_store_refused(
        source="api",
        external_id="msg_phone",
        headers={"user-agent": "a course platform"},
        body=b"{}",
        verified=False,
        status_code=401,
        error="Bad signature.",
    )
    admin_login(phone, live_server.url)
    phone.goto(f"{live_server.url}/admin/integrations/events/")
    table = phone.wait_for_selector("table.listing")
    assert "msg_phone" in table.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # wider than the phone: it scrolls
    outcome = phone.locator("table.listing td", has_text="Unverified").first
    outcome.scroll_into_view_if_needed()
    box = outcome.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + min(box["width"], 50) <= 390
    assert table.evaluate("t => t.scrollLeft") > 0
