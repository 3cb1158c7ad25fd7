"""The friend's access window on the landing page: the link's, which no browser can restart."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from referrals.landing_state import landing_state
from referrals.models import ReferralClick
from referrals.services import link_for
from tests.factories import enroll, referral_plan

pytestmark = pytest.mark.django_db
PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
DAY_ONE = datetime(2031, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock the test moves by hand (the views read django.utils.timezone.now)."""

    class Clock:
        now = DAY_ONE

        def advance(self, **delta):
            self.now += timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def link(program):
    referral_plan(program=program, access_days=14)
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria")
    return link_for(student_id=enrollment.student_id, program_id=program.pk)


def until_on_page(client, link) -> str:
    page = client.get(f"/join/{link.code}/").content.decode()
    match = re.search(r"until (\d+ \w+ \d{4})", page)
    assert match, page
    return match.group(1)


def test_clearing_cookies_does_not_restart_the_window(client, clock, link):
    assert client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON).status_code == 302
    assert until_on_page(client, link) == "16 March 2031"  # 14 days after the first click
    for days_later in (3, 5):  # the friend clears their cookies and comes back through the link
        clock.advance(days=days_later)
        client.cookies.clear()
        client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
        assert until_on_page(client, link) == "16 March 2031"
    assert ReferralClick.objects.filter(link=link).count() == 3  # three "visitors", one window
    client.cookies.clear()
    assert until_on_page(client, link) == "16 March 2031"  # straight to the page, no cookie at all


def test_the_window_closes_for_everyone_and_a_new_browser_does_not_reopen_it(client, clock, link):
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    clock.advance(days=14, minutes=1)
    for browser in (client, type(client)()):
        browser.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
        body = browser.get(f"/join/{link.code}/").content.decode()
        assert "This invitation has expired" in body
    response = type(client)().post(
        f"/join/{link.code}/", {"first_name": "Jo", "email": "jo@example.org", "consent": "on"}
    )
    assert "This invitation has expired" in response.content.decode()
    assert not link.leads.exists()


def test_the_window_starts_at_the_links_first_click_by_anyone(client, clock, link):
    """The graduate's own test click, say: the friend who comes later finds the same end date."""
    type(client)().get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    clock.advance(days=6)
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    assert until_on_page(client, link) == "16 March 2031"


def test_robots_do_not_start_the_window(client, clock, link):
    client.get(f"/r/{link.code}", HTTP_USER_AGENT="Mozilla/5.0 (compatible; Mimecast Safe Links Scanner)")
    client.head(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    clock.advance(days=20)
    assert until_on_page(type(client)(), link) == "5 April 2031"  # not started: 14 days from today


def test_before_any_click_the_window_is_offered_from_today_and_the_reused_page_follows_the_date(client, clock, link):
    assert until_on_page(client, link) == "16 March 2031"
    clock.advance(days=1)
    assert until_on_page(client, link) == "17 March 2031"  # the page is reused, the date is not
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    clock.advance(days=2)
    assert until_on_page(client, link) == "17 March 2031"


def test_the_first_click_is_read_in_the_one_statement(clock, link, django_assert_num_queries):
    first = DAY_ONE - timedelta(days=3, hours=2)
    ReferralClick.objects.record(code=link.code, visitor="a" * 32, now=first + timedelta(days=1))
    ReferralClick.objects.record(code=link.code, visitor="b" * 32, now=first)
    ReferralClick.objects.record(code=link.code, visitor="c" * 32, now=first + timedelta(hours=1))  # same day, later
    with django_assert_num_queries(2):  # found among the clicks, and kept on the link
        state = landing_state(code=link.code)
    assert state.first_click == first
    link.refresh_from_db()
    assert link.first_click_at == first
    ReferralClick.objects.record(code=link.code, visitor="d" * 32, now=first + timedelta(hours=2))
    with django_assert_num_queries(1):  # from then on, the one statement reads it from the link
        assert landing_state(code=link.code).first_click == first
    assert landing_state(code="NOPE2345") is None


def test_a_link_without_clicks_keeps_nothing(clock, link, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert landing_state(code=link.code).first_click is None
    link.refresh_from_db()
    assert link.first_click_at is None
