"""The friend's landing page and confirmation link as a browser (or a mail scanner) meets them: the same
answer for every address, nothing changed for an existing student, and only a person's POST confirms."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from campaigns import links
from campaigns.models import Enrollment, JourneyEvent, Student
from mailers.models import Message
from referrals import leads
from referrals.models import FriendLead
from testimonials.models import Testimonial
from tests.referrals.friend_cases import (
    PERSON,
    confirm_path,
    maria_of_calm,
    register,
    sam_of_sleep,
    student_snapshot,
)

pytestmark = pytest.mark.django_db
SCANNERS = [
    ("get", "Microsoft Office/16.0 (Windows NT 10.0; SafeLinks)"),
    ("get", "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"),
    ("get", ""),
    # A scanner that says nothing about itself looks like a person: it still only sees the button.
    ("get", PERSON),
    ("head", PERSON),
]


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def test_opening_the_link_confirms_nothing_the_button_does_and_twice_is_once():
    link = sam_of_sleep()
    register(Client(), link)
    path = confirm_path("jo@example.org")
    for method, agent in SCANNERS:
        response = getattr(Client(), method)(path, HTTP_USER_AGENT=agent)
        assert response.status_code in (200, 405)
    lead = FriendLead.objects.get()
    assert lead.status == "pending" and lead.confirmed_at is None
    assert not Enrollment.objects.filter(student__email="jo@example.org").exists()

    person = Client(enforce_csrf_checks=True)
    page = person.get(path, HTTP_USER_AGENT=PERSON).content.decode()
    assert "Yes, confirm my place" in page and '<form method="post">' in page
    assert person.post(path).status_code == 403  # without the page's CSRF token: refused, nothing done
    assert FriendLead.objects.get().confirmed_at is None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    for _ in range(2):  # a double click, then a replay
        response = person.post(path, {"csrfmiddlewaretoken": token}, follow=True)
        assert response.status_code == 200 and "You're in" in response.content.decode()
    assert "You're in" in person.get(path).content.decode()  # the link keeps saying what happened
    student = Student.objects.get(email="jo@example.org")
    assert Enrollment.objects.filter(student=student).count() == 1
    assert Message.objects.filter(kind="friend_welcome").count() == 1
    assert Message.objects.filter(kind="friend_joined").count() == 1
    assert JourneyEvent.objects.filter(kind="friend_registered").count() == 1


@pytest.mark.parametrize("mangle", ["cut", "flip", "junk", "other-salt", "other-code"])
def test_a_tampered_link_gets_a_friendly_page_and_the_way_back(mangle):
    link = sam_of_sleep()
    register(Client(), link)
    path = confirm_path("jo@example.org")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    code = link.code
    if mangle == "cut":
        token = token[: len(token) // 2]
    elif mangle == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif mangle == "junk":
        token = "%C2%B2<script>"
    elif mangle == "other-salt":
        token = signing.dumps({"l": FriendLead.objects.get().pk, "e": "jo@example.org", "c": code}, salt="x")
    else:
        code = "NOPE2345"
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/join/{code}/confirm/{token}/")
        body = response.content.decode()
        assert response.status_code == 400 and "This confirmation link does not work" in body
        assert f'href="/join/{code}/"' in body and "<script>" not in body
    assert FriendLead.objects.get().confirmed_at is None


def test_an_expired_link_says_so_and_registering_again_sends_a_fresh_one():
    link = sam_of_sleep()
    client = Client()
    eight_days_ago = timezone.now() - timedelta(days=8)
    leads.lead_register(link=link, first_name="Jo", email="jo@example.org", now=eight_days_ago)
    path = confirm_path("jo@example.org")
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 410 and "This confirmation link has expired" in response.content.decode()
        assert f'href="/join/{link.code}/"' in response.content.decode()
    assert FriendLead.objects.get().confirmed_at is None
    register(client, link)  # "register again", as the page says
    fresh = confirm_path("jo@example.org")
    assert fresh != path and Message.objects.filter(kind="friend_confirm").count() == 2
    assert "You're in" in client.post(fresh, follow=True).content.decode()


def test_known_and_unknown_addresses_get_the_very_same_answer(monkeypatch):
    maria = maria_of_calm()
    link = sam_of_sleep()
    # The "check your inbox" redirect is signed with the time: one frozen second for every post.
    clock = time.time()
    monkeypatch.setattr(signing, "time", type("FrozenClock", (), {"time": staticmethod(lambda: clock)}))
    honeypot = {"website": "http://spam.example"}
    posts = {
        "a new address": {"email": "new@example.org"},
        "an existing student of another program": {"email": "maria@example.org"},
        "an alias of an existing student": {"email": "Maria+x@example.org"},
        "the graduate themselves": {"email": "sam@example.org"},
        "a repeat": {"email": "new@example.org"},
        "the honeypot": {"email": "bot@example.org", **honeypot},
    }
    answers = {}
    for case, data in posts.items():
        client = Client()
        response = register(client, link, **data)
        page = client.get(response["Location"])
        answers[case] = (response.status_code, response["Location"], page.status_code, page.content)
    first = next(iter(answers.values()))
    assert first[0] == 302 and b"Check your inbox" in first[3]
    assert all(answer == first for answer in answers.values()), answers.keys()
    assert student_snapshot(maria.student_id)[1:3] == ("Maria", "Lopez")


def test_a_stranger_cannot_rename_or_re_consent_an_existing_student_through_any_landing_page():
    maria = maria_of_calm()
    link = sam_of_sleep()
    testimonial = Testimonial.objects.get(student_id=maria.student_id)
    card = Client().get(f"/t/{testimonial.pk}/card.png")
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    card_before = card.content
    assert "An invitation from Maria" in Client().get(f"/join/{maria.code}/").content.decode()
    before = student_snapshot(maria.student_id)
    client = Client()
    response = register(
        client, link, first_name="Mallory", last_name="Imposter", email="maria@example.org", marketing="on"
    )
    assert response.status_code == 302
    assert student_snapshot(maria.student_id) == before
    assert list(Message.objects.filter(to_email="maria@example.org").values_list("kind", flat=True)) == [
        "friend_confirm"
    ]
    # Maria herself opens the email and confirms: she gets the place, and keeps her name and her "no".
    assert "You're in" in client.post(confirm_path("maria@example.org"), follow=True).content.decode()
    assert student_snapshot(maria.student_id) == before
    cache.clear()
    page = Client().get(f"/join/{maria.code}/").content.decode()
    assert "An invitation from Maria" in page and "Mallory" not in page and "Imposter" not in page
    assert Client().get(f"/t/{testimonial.pk}/card.png").content == card_before
    hub = Client().get(links.hub_path(maria.student_id)).content.decode()
    assert "Mallory" not in hub and "Maria" in hub
    assert Enrollment.objects.filter(student_id=maria.student_id).count() == 2  # Calm, and now Sleep School


def test_a_self_referral_gets_an_honest_page():
    link = sam_of_sleep()
    client = Client()
    register(client, link, email="Sam+me@example.org")
    page = client.post(confirm_path("sam+me@example.org"), follow=True).content.decode()
    assert "You're already in" in page and "Email me a fresh link to my page" in page
    assert FriendLead.objects.get().attribution_note == "self-referral: not attributed"
    assert not Message.objects.filter(kind__in=["friend_welcome", "friend_joined"]).exists()


def test_a_checkout_lead_is_never_confirmed_by_a_link():
    link = sam_of_sleep(enrollment_mode="checkout", checkout_url="https://shop.example.com/buy")
    register(Client(), link)
    lead = FriendLead.objects.get()
    assert lead.status == "checkout" and not Message.objects.filter(kind="friend_confirm").exists()
    token = signing.dumps({"l": lead.pk, "e": lead.email, "c": link.code}, salt=leads.CONFIRM_SALT, compress=True)
    response = Client().post(f"/join/{link.code}/confirm/{token}/")
    assert response.status_code == 400
    assert not Enrollment.objects.filter(student__email="jo@example.org").exists()
