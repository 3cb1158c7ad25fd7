"""Registering on the public program page, and its waitlist while registration is closed
(referrals/registration_views.py, referrals/waitlist.py, leads.lead_register with no link)."""

import re
from datetime import date, timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from campaigns import tasks
from campaigns.models import Enrollment, JourneyEvent, ProgramPage, Student
from mailers.models import Message
from referrals import leads, waitlist
from referrals.models import FriendLead
from tests.factories import enroll, program_page, referral_plan
from tests.referrals.friend_cases import NOW, PERSON, maria_of_calm, sam_of_sleep, student_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


@pytest.fixture
def open_program():
    return program_page(slug="calm-evenings", title="Calm evenings")


@pytest.fixture
def closed_program():
    return program_page(
        slug="sleep-school", title="Sleep school", registration_status="closed", next_launch_on=date(2027, 2, 1)
    )


def post(client, program, **data):
    payload = {"first_name": "Jo", "last_name": "Park", "email": "jo@example.org", **data}
    return client.post(program.url, payload, HTTP_USER_AGENT=PERSON)


def confirm_path(email: str, kind: str = "registration_confirm") -> str:
    message = Message.objects.filter(kind=kind, to_email__iexact=email).latest("created_at")
    return urlsplit(message.context["confirm_url"]).path


def csrf_post(path: str):
    person = Client(enforce_csrf_checks=True)
    page = person.get(path, HTTP_USER_AGENT=PERSON).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return person, token, page


def test_open_page_shows_the_form_and_registering_sends_only_the_confirmation(client, open_program):
    page = client.get(open_program.url).content.decode()
    assert "Registration is open" in page and 'name="first_name"' in page and 'name="website"' in page
    response = post(client, open_program)
    assert response.status_code == 302 and response["Location"].endswith("?sent=register#register")
    lead = FriendLead.objects.get()
    assert lead.via_link is None and lead.status == "pending" and lead.consent_at is None and lead.offer_until is None
    [message] = Message.objects.filter(to_email="jo@example.org")
    assert message.kind == "registration_confirm" and message.category == "transactional" and message.to_name == ""
    assert "/register/confirm/" in message.context["confirm_url"]
    assert not Student.objects.filter(email="jo@example.org").exists()
    assert "Check your inbox" in client.get(response["Location"]).content.decode()


def test_confirming_enrolls_once_with_consent_only_when_ticked(open_program):
    post(Client(), open_program, marketing="on")
    path = confirm_path("jo@example.org")
    for agent in ("Microsoft Office/16.0 (Windows NT 10.0; SafeLinks)", PERSON):  # scanners only GET
        assert Client().get(path, HTTP_USER_AGENT=agent).status_code == 200
    assert not Enrollment.objects.exists()
    person, token, page = csrf_post(path)
    assert "Yes, confirm my place" in page
    assert person.post(path).status_code == 403  # without CSRF: refused
    for _ in range(2):  # a double click, then a replay
        response = person.post(path, {"csrfmiddlewaretoken": token}, follow=True)
        assert response.status_code == 200 and "You're in" in response.content.decode()
    student = Student.objects.get(email="jo@example.org")
    assert student.first_name == "Jo" and student.marketing_consent
    assert Enrollment.objects.filter(student=student, program=open_program).count() == 1
    [event] = JourneyEvent.objects.filter(kind="enrolled", student=student)
    assert event.actor == "program-page" and "program page" in event.reason
    assert Message.objects.filter(kind="registration_welcome", to_email="jo@example.org").count() == 1
    assert FriendLead.objects.get().link is None  # nobody is credited with a public registration


def test_an_existing_students_address_changes_nothing_and_gets_the_same_answer(open_program):
    maria = maria_of_calm()  # a graduate of another program, with consent
    before = student_snapshot(maria.student_id)
    known = post(Client(), open_program, email=maria.student.email.upper(), first_name="Mallory", marketing="")
    unknown = post(Client(), open_program, email="nobody@example.org", first_name="Mallory")
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    assert student_snapshot(maria.student_id) == before
    assert not Enrollment.objects.filter(student_id=maria.student_id, program=open_program).exists()
    # Only the owner of the address can go further; confirming enrolls them with their own name and consent.
    path = confirm_path(maria.student.email)
    person, token, _ = csrf_post(path)
    person.post(path, {"csrfmiddlewaretoken": token})
    assert student_snapshot(maria.student_id) == before
    assert Enrollment.objects.filter(student_id=maria.student_id, program=open_program).count() == 1


def test_a_student_of_this_program_is_told_nothing_new_and_nothing_changes(open_program):
    enrollment = enroll(program=open_program, email="ann@example.org", first_name="Ann")
    before = student_snapshot(enrollment.student_id)
    post(Client(), open_program, email="ann@example.org", first_name="Eve")
    path = confirm_path("ann@example.org")
    person, token, _ = csrf_post(path)
    page = person.post(path, {"csrfmiddlewaretoken": token}, follow=True).content.decode()
    assert "already in" in page
    assert student_snapshot(enrollment.student_id) == before
    assert Enrollment.objects.filter(program=open_program).count() == 1
    assert not Message.objects.filter(kind="registration_welcome").exists()


def test_a_repeat_sends_nothing_more_and_the_honeypot_records_nothing(open_program):
    post(Client(), open_program)
    post(Client(), open_program, email="Jo@Example.org", first_name="Other")
    assert Message.objects.filter(kind="registration_confirm").count() == 1
    assert FriendLead.objects.get().first_name == "Jo"
    bot = post(Client(), open_program, email="bot@example.org", website="http://spam.example")
    assert bot.status_code == 302 and not FriendLead.objects.filter(email="bot@example.org").exists()


@pytest.mark.parametrize(
    "data, field",
    [({"email": "not-an-address"}, "email"), ({"first_name": ""}, "first_name"), ({"first_name": "http://x.y"}, None)],
)
def test_bad_input_is_a_clear_400_and_records_nothing(client, open_program, data, field):
    response = post(client, open_program, **data)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not FriendLead.objects.exists() and not Message.objects.exists()


def test_too_many_posts_from_one_address_are_refused(client, open_program, settings):
    for n in range(20):
        post(client, open_program, email=f"p{n}@example.org")
    response = post(client, open_program, email="late@example.org")
    assert response.status_code == 429 and "Too many tries" in response.content.decode()
    assert not FriendLead.objects.filter(email="late@example.org").exists()


def test_the_form_needs_csrf(open_program):
    response = Client(enforce_csrf_checks=True).post(
        open_program.url, {"first_name": "Jo", "email": "jo@example.org"}, HTTP_USER_AGENT=PERSON
    )
    assert response.status_code == 403 and not FriendLead.objects.exists()


def test_other_methods_are_refused(client, open_program):
    assert client.put(open_program.url).status_code == 405


def test_a_checkout_program_sends_registrants_to_the_creators_checkout(client, open_program):
    referral_plan(program=open_program, enrollment_mode="checkout", checkout_url="https://shop.example/buy")
    response = post(client, open_program)
    assert response.status_code == 302 and response["Location"] == "https://shop.example/buy"
    assert FriendLead.objects.get().status == "checkout" and not Message.objects.exists()


def test_a_replayed_or_tampered_confirm_link_confirms_nothing(open_program):
    post(Client(), open_program)
    path = confirm_path("jo@example.org")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    broken = Client().get(f"/register/confirm/{token[:-3]}xyz/")
    assert broken.status_code == 400 and "does not work" in broken.content.decode()
    # A friend's token (another code) is not accepted here, and a program-page token not at /join/.
    link = sam_of_sleep()
    Client().post(f"/join/{link.code}/", {"first_name": "Kim", "email": "kim@example.org"}, HTTP_USER_AGENT=PERSON)
    friend_token = (
        urlsplit(Message.objects.get(kind="friend_confirm").context["confirm_url"]).path.rstrip("/").rsplit("/", 1)[-1]
    )
    assert Client().post(f"/register/confirm/{friend_token}/").status_code == 400
    assert Client().post(f"/join/{link.code}/confirm/{token}/").status_code == 400
    assert not Enrollment.objects.filter(student__email__in=["jo@example.org", "kim@example.org"]).exists()


def test_an_expired_confirm_link_is_410(open_program):
    post(Client(), open_program)
    path = confirm_path("jo@example.org")
    later = FriendLead.objects.get().confirmation_sent_at + timedelta(seconds=leads.CONFIRM_MAX_AGE + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = Client().post(path)
    assert response.status_code == 410 and not Enrollment.objects.exists()


def test_the_closed_page_says_when_it_reopens_and_offers_the_waitlist(client, closed_program):
    page = client.get(closed_program.url).content.decode()
    assert "Registration is closed" in page and "It reopens on 1 February 2027" in page
    assert "Tell me when it opens" in page and 'name="first_name"' not in page
    response = client.post(closed_program.url, {"email": "wait@example.org"}, HTTP_USER_AGENT=PERSON)
    assert response.status_code == 302 and response["Location"].endswith("?sent=waitlist#register")
    lead = FriendLead.objects.get()
    assert lead.status == "waitlist" and lead.confirmed_at is None
    [message] = Message.objects.filter(to_email="wait@example.org")
    assert message.kind == "waitlist_confirm"
    # Confirming records the wish and nothing else.
    path = confirm_path("wait@example.org", "waitlist_confirm")
    person, token, page = csrf_post(path)
    assert "Yes, tell me when it opens" in page
    done = person.post(path, {"csrfmiddlewaretoken": token}, follow=True).content.decode()
    assert "We will tell you when it opens" in done
    assert FriendLead.objects.get().confirmed_at is not None and FriendLead.objects.get().status == "waitlist"
    assert not Student.objects.filter(email="wait@example.org").exists()


def test_the_waitlist_hears_once_when_it_opens(closed_program):
    confirmed = leads.lead_register(
        program=closed_program, waitlist=True, first_name="", email="a@example.org", now=NOW
    )
    leads.lead_confirm(lead_id=confirmed.pk, now=NOW)
    leads.lead_register(program=closed_program, waitlist=True, first_name="", email="b@example.org", now=NOW)
    later = NOW + timedelta(days=3)
    assert waitlist.waitlist_notify_open(now=later) == 0  # still closed: nobody is told
    program = ProgramPage.objects.get(pk=closed_program.pk)
    program.registration_status = "open"
    program.save_revision().publish()
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert tasks.tick()["waitlist_open"] == 1  # the periodic tick tells them
        assert "waitlist_open" not in tasks.tick()  # a second tick: nobody twice
    assert waitlist.waitlist_notify_open(now=later + timedelta(hours=1)) == 0
    [notice] = Message.objects.filter(kind="waitlist_open")
    assert notice.to_email == "a@example.org" and notice.category == "transactional"
    assert notice.context["program_url"].endswith(program.url)
    assert FriendLead.objects.get(email="a@example.org").opening_notice_at == later
    assert not Message.objects.filter(kind="waitlist_open", to_email="b@example.org").exists()  # never confirmed


def test_a_waitlisted_address_registering_once_open_is_confirmed_afresh(closed_program):
    lead = leads.lead_register(program=closed_program, waitlist=True, first_name="", email="a@example.org", now=NOW)
    leads.lead_confirm(lead_id=lead.pk, now=NOW)
    program = ProgramPage.objects.get(pk=closed_program.pk)
    program.registration_status = "open"
    program.save_revision().publish()
    again = leads.lead_register(program=program, first_name="Ava", email="a@example.org", now=NOW + timedelta(days=1))
    assert again.pk == lead.pk and again.status == "pending" and again.confirmed_at is None
    assert not Enrollment.objects.exists()
    assert Message.objects.filter(kind="registration_confirm", to_email="a@example.org").count() == 1
    leads.lead_confirm(lead_id=lead.pk, now=NOW + timedelta(days=1))
    assert Enrollment.objects.filter(student__email="a@example.org", program=program).count() == 1


def test_lead_register_needs_exactly_one_of_link_and_program(open_program):
    with pytest.raises(TypeError):
        leads.lead_register(first_name="Jo", email="jo@example.org")
