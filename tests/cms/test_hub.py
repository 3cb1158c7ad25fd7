"""The student's hub: reached by a signed personal link; a bad link offers a fresh one by email."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from campaigns import links
from campaigns.models import Student
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    mail.outbox = []


def test_demo_student_link_opens_their_hub_with_the_prompt_to_share(client, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    url = re.search(r"personal page of Sam, a student mid-program: http://[^/]+(/me/\S+/)", out).group(1)
    body = client.get(url).content.decode()
    assert "Hi Sam" in body and "<title>Your page</title>" in body
    assert "Wins to share" in body and "First calm morning" in body
    assert "Focused Kids" in body and "families so far" in body
    graduate = re.search(r"personal page of Maria, a graduate: http://[^/]+(/me/\S+/)", out).group(1)
    body = client.get(graduate).content.decode()
    assert "Your special link for Focused Kids" in body and "Full disclosure" in body
    special = re.search(r"Maria's special link \(what her friends open\): http://[^/]+(/r/\w+)", out).group(1)
    landing = client.get(special, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", follow=True)
    assert "An invitation from Maria" in landing.content.decode()


def test_hub_of_a_student_with_nothing_yet(client):
    student = StudentFactory(first_name="Ann")
    body = client.get(links.hub_path(student.pk)).content.decode()
    assert "Hi Ann" in body and "You are not in a program yet." in body


@pytest.mark.parametrize("token", ["garbage", "MQ:1xVT91:forged-signature", "0"])
def test_tampered_links_get_a_clear_page(client, token):
    response = client.get(f"/me/{token}/")
    assert response.status_code == 403
    assert "This link does not work" in response.content.decode()


def test_erased_student_link_gets_the_same_clear_page(client):
    student = StudentFactory()
    url = links.hub_path(student.pk)
    Student.objects.filter(pk=student.pk).delete()
    assert client.get(url).status_code == 403


def test_new_link_goes_to_known_addresses_only_and_says_the_same_either_way(client, django_capture_on_commit_callbacks):
    student = StudentFactory(email="ann@example.org", first_name="Ada")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("hub_new_link"), {"email": "ANN@example.org"}, follow=True)
    unknown = client.post(reverse("hub_new_link"), {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("hub_new_link") + "?sent=1", 302)]
    assert "If ANN@example.org is an address we write to" in known.content.decode()
    assert "If nobody@example.org is an address we write to" in unknown.content.decode()
    [sent] = mail.outbox
    assert sent.to == ["Ada Lovelace <ann@example.org>"]
    path = re.search(r"http://[^/]+(/me/\S+/)", sent.body).group(1)
    assert client.get(path).status_code == 200
    assert links.read_hub_token(path.split("/")[2]).student_id == student.pk


def test_reloading_the_check_your_inbox_page_sends_nothing_again(client, django_capture_on_commit_callbacks):
    """Before: the post answered the page itself, so a reload posted the form again (another email)."""
    StudentFactory(email="ann@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("hub_new_link"), {"email": "ann@example.org"})
        assert sent.status_code == 302 and "ann@example.org" not in sent["Location"]  # not in URLs or logs
        for _ in range(2):
            page = client.get(sent["Location"])
            assert page.status_code == 200 and "Check your inbox" in page.content.decode()
    assert len(mail.outbox) == 1
    assert "If that is an address we write to" in page.content.decode()  # the typed address was shown once


def test_new_link_refuses_a_bad_address_and_is_rate_limited(client):
    response = client.post(reverse("hub_new_link"), {"email": "not-an-address"})
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()
    statuses = [client.post(reverse("hub_new_link"), {"email": "x@example.org"}).status_code for _ in range(6)]
    assert statuses[-1] == 429


def test_favicon_ico_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("img/favicon.svg")
