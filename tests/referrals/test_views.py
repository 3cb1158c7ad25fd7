"""The special link and the friend's landing page as friends live them: the click (people only, once per
browser per day), the page (as consent allows), registering, confirming, the QR code."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from campaigns import names
from campaigns.inboxes import mailbox
from campaigns.models import Enrollment, JourneyEvent, Student
from mailers.models import Message
from referrals import leads
from referrals.models import FriendLead, ReferralClick, ReferralLink
from testimonials import publishing, submissions
from testimonials.models import Consent, ModerationStatus, Testimonial
from tests.factories import enroll
from tests.referrals.graduates import PERSON, QUOTE, confirm, make_link, register, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def test_the_visitor_cookie_is_secure_under_secure_true(program, client, settings):
    link = make_link(program)
    response = visit(client, link)
    assert not response.cookies["rv"]["secure"] and response.cookies["rv"]["httponly"]
    settings.SECURE = True
    response = visit(type(client)(), link)
    assert response.cookies["rv"]["secure"] and response.cookies["rv"]["httponly"]
    assert response.cookies["rv"]["samesite"] == "Lax"


def test_click_redirects_302_counts_people_once_per_browser_per_day(program, client):
    link = make_link(program)
    response = client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    assert response.status_code == 302 and response["Location"] == f"/join/{link.code}/"
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)  # the same browser (cookie) again today
    client.get(f"/r/{link.code}/", HTTP_USER_AGENT=PERSON)
    assert ReferralClick.objects.count() == 1
    other = type(client)()
    other.get(f"/r/{link.code.lower()}", HTTP_USER_AGENT=PERSON)  # another browser, typed in lower case
    assert ReferralClick.objects.count() == 2


@pytest.mark.services
def test_on_postgresql_a_click_commits_without_waiting_for_the_wal_flush_unless_told_to(program, postgres_db, settings):
    link = make_link(program)

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    settings.CLICK_DURABLE_COMMIT = True
    assert ReferralClick.objects.record(code=link.code, visitor="a" * 32)
    assert synchronous_commit() == "on"
    settings.CLICK_DURABLE_COMMIT = False
    assert ReferralClick.objects.record(code=link.code, visitor="b" * 32)
    assert synchronous_commit() == "off"  # SET LOCAL: for the click's own transaction (here the test's)
    assert not ReferralClick.objects.record(code=link.code, visitor="b" * 32)  # once per browser per day
    assert ReferralClick.objects.filter(link=link).count() == 2


@pytest.mark.parametrize(
    ("method", "agent"),
    [
        ("head", PERSON),
        ("get", ""),
        ("get", "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"),
        ("get", "Microsoft Office/16.0 (Windows NT 10.0; SafeLinks)"),
        ("get", "facebookexternalhit/1.1"),
        ("get", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
    ],
)
def test_bots_scanners_and_head_requests_are_not_visits(program, client, method, agent):
    link = make_link(program)
    response = getattr(client, method)(f"/r/{link.code}", HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert not ReferralClick.objects.exists()


@pytest.mark.parametrize("suffix", ["?next=https://evil.example", "?url=//evil.example", "%2F%2Fevil.example"])
def test_no_open_redirect_through_any_parameter(program, client, suffix):
    link = make_link(program)
    response = client.get(f"/r/{link.code}{suffix}", HTTP_USER_AGENT=PERSON)
    if response.status_code == 404:  # "%2F%2F" makes the path a different (unknown) page: no redirect at all
        return
    location = response["Location"]
    assert response.status_code == 302 and location.startswith("/join/") and "evil" not in urlsplit(location).netloc


@pytest.mark.parametrize("code", ["NOPE2345", "x" * 40, "<script>", "%00"])
def test_unknown_or_tampered_codes_get_a_friendly_page(program, client, code):
    response = client.get(f"/r/{code}", HTTP_USER_AGENT=PERSON, follow=True)
    assert response.status_code == 404  # the friendly page, with the status a link checker understands
    body = response.content.decode()
    assert "We could not find this link" in body and program.title in body
    assert "<script>" not in body


def test_revoked_and_expired_links_show_the_programs_normal_registration(program, client):
    link = make_link(program, access_days=3)
    ReferralLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    response = client.get(f"/join/{link.code}/")
    body = response.content.decode()
    assert response.status_code == 410  # gone: it existed
    assert "This link is no longer active" in body and program.title in body
    ReferralLink.objects.filter(pk=link.pk).update(revoked_at=None)
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    ReferralClick.objects.update(clicked_at=timezone.now() - timedelta(days=4))
    response = client.get(f"/join/{link.code}/")
    assert response.status_code == 410 and "This invitation has expired" in response.content.decode()


def test_landing_names_the_graduate_as_consent_allows_and_shows_an_approved_testimonial(program, client):
    link = make_link(program, consent=Consent.FIRST_NAME, approved=False)
    page = client.get(f"/join/{link.code}/").content.decode()
    # Not approved yet: neither the words nor the name its consent would allow.
    assert "An invitation from a graduate" in page and "Maria" not in page
    assert QUOTE not in page
    publishing.testimonial_moderate(testimonial=Testimonial.objects.get(), status=ModerationStatus.APPROVED, user=None)
    page = client.get(f"/join/{link.code}/").content.decode()
    assert "An invitation from Maria" in page
    assert QUOTE in page and "— Maria" in page and "Lopez" not in page
    assert f'href="{program.url}">Read about the program</a>' in page  # what the program is, one tap away
    assert "We are out to help families raise focused kids" in page
    Testimonial.objects.update(published_consent=Consent.ANONYMOUS)
    page = client.get(f"/join/{link.code}/").content.decode()
    assert "An invitation from a graduate" in page and "Maria" not in page
    Testimonial.objects.update(published_consent=Consent.PRIVATE)
    page = client.get(f"/join/{link.code}/").content.decode()
    assert "Maria" not in page and QUOTE not in page


def test_the_reused_landing_page_is_never_stale_on_what_consent_and_revocation_govern(program, client):
    """The empty-form page is rendered once per state and reused; every visit still reads the state."""
    link = make_link(program, consent=Consent.FIRST_NAME)
    for _ in range(2):  # the second answer is the reused page
        page = client.get(f"/join/{link.code}/").content.decode()
        assert QUOTE in page and "An invitation from Maria" in page
    Student = type(link.student)
    Student.objects.filter(pk=link.student_id).update(first_name="Mia")
    assert "An invitation from Mia" in client.get(f"/join/{link.code}/").content.decode()
    submissions.testimonial_withdraw(testimonial=Testimonial.objects.get())
    page = client.get(f"/join/{link.code}/").content.decode()
    assert QUOTE not in page and "An invitation from a graduate" in page and "Mia" not in page
    ReferralLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    assert "This link is no longer active" in client.get(f"/join/{link.code}/").content.decode()


@pytest.mark.parametrize("cookie", ['"\\000abc"', "x" * 40, "not-an-id", ""])
def test_a_crafted_visitor_cookie_is_ignored(program, client, cookie):
    link = make_link(program)
    client.cookies["rv"] = cookie
    response = client.get(f"/join/{link.code}/")
    assert response.status_code == 200 and "Register now" in response.content.decode()


def test_each_visitor_gets_their_own_csrf_token_and_the_links_access_date_on_the_reused_page(program, client):
    link = make_link(program, access_days=5)
    first = type(client)(enforce_csrf_checks=True)
    first.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON)
    ReferralClick.objects.update(clicked_at=timezone.now() - timedelta(days=2))  # came through two days ago
    second = type(client)(enforce_csrf_checks=True)
    pages = [c.get(f"/join/{link.code}/").content.decode() for c in (first, second)]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1) for page in pages]
    assert tokens[0] != tokens[1] and "@@" not in pages[0] + pages[1]
    until = [re.search(r"until (\d+ \w+ \d{4})", page).group(1) for page in pages]
    # The window is the link's (its first click by anyone), not each browser's: see test_landing_state.
    clicked = ReferralClick.objects.get().clicked_at
    assert until == [f"{clicked + timedelta(days=5):%-d %B %Y}"] * 2
    # The spliced token is the visitor's own: their registration passes the CSRF check.
    payload = {"first_name": "Jo", "email": "jo@example.org", "csrfmiddlewaretoken": tokens[1]}
    assert second.post(f"/join/{link.code}/", payload, HTTP_USER_AGENT=PERSON).status_code == 302  # to welcome
    assert FriendLead.objects.filter(email="jo@example.org").exists()


def test_landing_says_the_link_opens_registration_while_it_is_closed(program, client):
    program.registration_status = "closed"
    program.save_revision().publish()
    link = make_link(program)
    page = client.get(f"/join/{link.code}/").content.decode()
    assert "Registration is closed to the public" in page and "This link lets you register now, until" in page


def test_a_friend_registers_confirms_and_only_then_is_enrolled_and_both_are_told(
    program, client, django_capture_on_commit_callbacks
):
    link = make_link(program)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client, link, share_name="on")
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    # Post/redirect/get: the page is a GET of its own, so a reload never posts again.
    [(welcome_url, status)] = response.redirect_chain
    assert status == 302 and welcome_url.startswith(f"/join/{link.code}/welcome/")
    assert "Check your inbox" in client.get(welcome_url).content.decode()
    lead = FriendLead.objects.get()
    assert lead.status == "pending" and lead.link is None and lead.via_link == link
    # Nothing but the confirmation before the friend confirms: no enrollment, no credit, nobody told.
    assert not Enrollment.objects.filter(student__email="jo@example.org").exists()
    assert not JourneyEvent.objects.filter(kind="friend_registered").exists()
    [confirmation] = mail.outbox
    assert confirmation.to == ["jo@example.org"]  # no display name: the typed name may not be theirs
    assert "This address was entered on our page to register for" in confirmation.body
    assert (
        "through Maria's special link" in confirmation.body and "Nothing happens until you confirm" in confirmation.body
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = confirm(client)
    assert "You're in" in page.content.decode()
    lead.refresh_from_db()
    assert lead.link == link and lead.status == "enrolled" and lead.confirmed_at is not None
    assert Enrollment.objects.filter(student__email="jo@example.org", program=program).exists()
    welcome = next(m for m in mail.outbox if "jo@example.org" in m.to[0] and "Welcome" in m.subject)
    assert "through Maria's special link" in welcome.body and "only reason we have" in welcome.body
    joined = next(m for m in mail.outbox if "maria@example.org" in m.to[0] and "joined" in m.subject)
    assert "Through your special link, Jo just joined" in joined.body
    assert JourneyEvent.objects.filter(kind="friend_registered").count() == 1


def test_a_friend_given_a_place_while_closed_starts_with_the_next_cohort_and_is_told_so(program, client):
    launch = timezone.localdate() + timedelta(days=60)
    program.registration_status, program.next_launch_on = "closed", launch
    program.save_revision().publish()
    link = make_link(program)  # the default offer: registration while it is closed
    register(client, link)
    confirm(client)
    enrollment = Enrollment.objects.get(student__email="jo@example.org")
    assert timezone.localtime(enrollment.starts_at).date() == launch and enrollment.cohort == f"{launch:%Y-%m}"
    assert enrollment.stage == "enrolled"  # not "in the program" before the cohort starts
    welcome = Message.objects.get(kind="friend_welcome")
    assert welcome.context["start_line"].startswith(f"your cohort starts on {launch:%A %-d %B %Y}")


def test_a_friend_on_a_trial_starts_at_once(program, client):
    program.registration_status, program.next_launch_on = "closed", timezone.localdate() + timedelta(days=60)
    program.save_revision().publish()
    link = make_link(program, friend_offer="trial")
    register(client, link)
    confirm(client)
    enrollment = Enrollment.objects.get(student__email="jo@example.org")
    assert enrollment.starts_at <= timezone.now()
    assert Message.objects.get(kind="friend_welcome").context["start_line"].startswith("today")


@pytest.mark.parametrize("token", ["forged", "eyJub3QiOiJzaWduZWQifQ:1abc:xyz"])
def test_a_welcome_page_without_a_registration_behind_it_goes_back_to_the_landing_page(program, client, token):
    link = make_link(program)
    response = client.get(f"/join/{link.code}/welcome/{token}/")
    assert response.status_code == 302 and response["Location"] == f"/join/{link.code}/"
    other = make_link(program, email="ana@example.org")
    welcome = register(client, link).redirect_chain[0][0]  # signed for this link, not another
    token = welcome.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(f"/join/{other.code}/welcome/{token}/")["Location"] == f"/join/{other.code}/"


def test_repeat_registration_is_idempotent_and_stays_with_the_first_referrer(program, client):
    first = make_link(program)
    second = make_link(program, email="sam@example.org")
    register(client, first)
    register(client, second, email="JO@example.org")
    assert FriendLead.objects.count() == 1 and FriendLead.objects.get().via_link == first
    assert Message.objects.filter(kind="friend_confirm").count() == 1  # one confirmation, not one per post
    confirm(client)
    assert FriendLead.objects.get().link == first


def test_self_referral_and_existing_students_are_not_attributed(program, client):
    link = make_link(program)
    register(client, link, email="maria@example.org")
    enroll(program=program, email="already@example.org")
    register(client, link, email="already@example.org")
    # The page promised an email: both get their confirmation, and confirming changes nothing.
    assert Message.objects.filter(kind="friend_confirm").count() == 2
    for email in ("maria@example.org", "already@example.org"):
        assert "You're already in" in confirm(client, email).content.decode()
    notes = sorted(FriendLead.objects.values_list("attribution_note", flat=True))
    assert notes == ["already a student of this program: not attributed", "self-referral: not attributed"]
    assert not FriendLead.objects.filter(link__isnull=False).exists()
    assert not JourneyEvent.objects.filter(kind="friend_registered").exists()
    assert not Message.objects.filter(kind="friend_welcome").exists()  # no untrue "welcome" to existing students


@pytest.mark.parametrize(
    ("graduate_email", "friend_email"),
    [
        ("maria@example.org", "Maria+friend@Example.org"),
        ("maria.lopez@gmail.com", "m.arialopez+ref@googlemail.com"),
    ],
)
def test_an_alias_of_the_graduates_own_inbox_is_a_self_referral(program, client, graduate_email, friend_email):
    link = make_link(program, email=graduate_email)
    students = Student.objects.count()
    register(client, link, email=friend_email)
    assert "You're already in" in confirm(client, friend_email).content.decode()  # an honest page
    lead = FriendLead.objects.get()
    assert lead.link is None and lead.attribution_note == "self-referral: not attributed"
    assert lead.student == link.student and Student.objects.count() == students  # no second Maria
    assert not JourneyEvent.objects.filter(kind="friend_registered").exists()


def test_an_alias_of_a_students_inbox_is_already_a_student(program, client):
    link = make_link(program)
    enroll(program=program, email="ann.lee@gmail.com")
    enroll(program=program, email="bob@example.org")
    register(client, link, email="annlee+x@gmail.com")
    register(client, link, email="bo@example.org")  # another inbox: a friend like any other
    confirm(client, "annlee+x@gmail.com")
    confirm(client, "bo@example.org")
    notes = dict(FriendLead.objects.values_list("email", "attribution_note"))
    assert notes == {"annlee+x@gmail.com": "already a student of this program: not attributed", "bo@example.org": ""}
    assert mailbox("Bob+a+b@Example.org") == "bob@example.org"


def test_an_alias_of_a_registered_friend_is_the_same_friend(program, client):
    link = make_link(program, enrollment_mode="checkout", checkout_url="https://shop.example.com/buy")
    register(client, link, email="bob@example.org", follow=False)
    register(client, link, email="Bob+again@example.org", follow=False)
    assert list(FriendLead.objects.values_list("email", flat=True)) == ["bob@example.org"]


def test_a_double_tap_on_register_keeps_the_first_registration(program, monkeypatch):
    """Two posts at once: both pass the "already registered?" read, the database keeps one."""
    link = make_link(program)
    monkeypatch.setattr(leads, "lead_of_inbox", lambda **kwargs: None)  # the second post's stale read
    first = leads.lead_register(link=link, first_name="Jo", email="jo@example.org")
    second = leads.lead_register(link=link, first_name="Jo", email="JO@example.org")
    assert second.pk == first.pk and FriendLead.objects.count() == 1
    assert Message.objects.filter(kind="friend_confirm").count() == 1


def test_checkout_mode_hands_off_with_the_ref_carried_and_credits_nothing_before_a_purchase(program, client):
    link = make_link(program, enrollment_mode="checkout", checkout_url="https://shop.example.com/buy?plan=a")
    before = Message.objects.count()
    response = register(client, link, follow=False)
    assert response.status_code == 302
    assert response["Location"] == f"https://shop.example.com/buy?plan=a&ref={link.code}"
    lead = FriendLead.objects.get()
    assert lead.status == "checkout" and lead.via_link == link and lead.link is None
    # The purchase (through the events API) is what enrolls and credits them: nothing before it.
    assert Message.objects.count() == before
    assert not Enrollment.objects.filter(student__email="jo@example.org").exists()
    assert not JourneyEvent.objects.filter(kind="friend_registered").exists()
    assert leads.lead_confirm(lead_id=lead.pk).status == "checkout"  # no confirmation enrolls them either
    assert not Enrollment.objects.filter(student__email="jo@example.org").exists()


@pytest.mark.parametrize(
    ("checkout_url", "expected"),
    [
        ("https://buy.stripe.com/test_eVa5kD0aZ", "https://buy.stripe.com/test_eVa5kD0aZ?client_reference_id={code}"),
        (
            "https://checkout.stripe.com/c/pay/cs_test_a1?utm_source=x&client_reference_id=old",
            "https://checkout.stripe.com/c/pay/cs_test_a1?utm_source=x&client_reference_id={code}",
        ),
        ("https://shop.example.com/buy", "https://shop.example.com/buy?ref={code}"),
    ],
)
def test_a_stripe_checkout_gets_the_code_as_client_reference_id(program, client, checkout_url, expected):
    """Stripe drops query parameters it does not know; client_reference_id reaches its webhook."""
    link = make_link(program, enrollment_mode="checkout", checkout_url=checkout_url)
    response = register(client, link, follow=False)
    assert response.status_code == 302 and response["Location"] == expected.format(code=link.code)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"first_name": ""}, "This field is required"),
        # The name goes into an email to the graduate: no links or markup through a public form.
        ({"first_name": "Cheap pills at pills.example"}, "Just your name, please"),
        ({"first_name": "Jo https://spam"}, "Just your name, please"),
        ({"last_name": "<b>Park</b>"}, "Just your name, please"),
        ({"first_name": "evil.Com"}, "Just your name, please"),
        ({"first_name": "Visit EVIL-PHISH.COM"}, "Just your name, please"),
        ({"last_name": "call +1 (555) 123-4567"}, "Just your name, please"),
    ],
)
def test_bad_registrations_are_refused_clearly_and_nothing_is_written(program, client, data, message):
    link = make_link(program)
    before = Message.objects.count()
    response = register(client, link, **data)
    assert response.status_code == 400 and message in response.content.decode()
    field = next(iter(data))
    assert f'aria-invalid="true" aria-describedby="id_{field}-error"' in response.content.decode()
    assert not FriendLead.objects.exists() and Message.objects.count() == before


def test_ordinary_names_are_welcome(program, client):
    link = make_link(program)
    response = register(client, link, first_name="Anne-Marie", last_name="O'Brien-Núñez", email="am@example.org")
    assert response.status_code == 200
    for name in ("J. R.", "José", "St.John", "Mary.Kate", "Jo.Ann"):
        assert names.name_problem(name) == "", name
    with pytest.raises(ValidationError):  # the service refuses it too, whoever calls it
        leads.lead_register(link=link, first_name="see www.spam.test", email="x@example.org")
    assert list(FriendLead.objects.values_list("first_name", flat=True)) == ["Anne-Marie"]


def test_scripts_in_names_are_escaped(program, client):
    link = make_link(program)
    response = register(client, link, first_name="<script>alert(1)</script>", email="")
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_registration_spam_is_rate_limited_and_the_honeypot_records_nothing(program, client):
    link = make_link(program)
    register(client, link, website="http://spam.example")
    assert not FriendLead.objects.exists()
    statuses = [register(client, link, email=f"f{i}@example.org").status_code for i in range(22)]
    assert statuses[-1] == 429
    page = register(client, link, email="late@example.org").content.decode()
    assert "Too many tries from here" in page and "Please check the fields" not in page


def test_only_registrations_count_against_a_link_so_junk_posts_cannot_close_it(program, client):
    link = make_link(program)
    for i in range(40):  # junk from many addresses: each refused, none counted against the link
        response = register(client, link, email="not-an-email", REMOTE_ADDR=f"10.0.0.{i}")
        assert response.status_code == 400
    assert register(client, link, email="real@example.org", REMOTE_ADDR="10.0.1.1").status_code == 200
    for i in range(29):  # 30 registrations through one link in the window, then it pauses
        assert register(client, link, email=f"f{i}@example.org", REMOTE_ADDR=f"10.0.2.{i}").status_code == 200
    response = register(client, link, email="one-more@example.org", REMOTE_ADDR="10.0.3.1")
    assert response.status_code == 429 and "Many people registered through this link" in response.content.decode()
    assert FriendLead.objects.count() == 30


def test_no_email_goes_to_a_friend_who_only_clicked(program, client):
    link = make_link(program)
    before = Message.objects.count()
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=PERSON, follow=True)
    assert Message.objects.count() == before


def test_qr_codes_in_png_and_svg(program, client):
    link = make_link(program)
    png = client.get(f"/r/{link.code}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/r/{link.code}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    assert client.get(f"/r/{link.code}/qr.gif").status_code == 404
    assert client.get("/r/NOPE2345/qr.png").status_code == 404
