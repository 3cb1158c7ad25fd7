"""RFC 8058 one-click unsubscribe and the preferences page, as mailbox providers and people use them."""

import pytest
from django.core import mail
from django.test import Client

from mailers import tokens
from mailers.models import Contact, Message, Status

pytestmark = pytest.mark.django_db


def unsubscribe_url(queue):
    queue()
    return mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")


def contact(email="ann@example.org"):
    return Contact.objects.get(email__iexact=email)


def test_one_click_post_unsubscribes_at_once_without_login_or_csrf(queue):
    url = unsubscribe_url(queue)
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not contact().wants_program_emails and not contact().wants_referral_asks
    assert contact().unsubscribed_at is not None
    later = queue(idempotency_key="after")
    later.refresh_from_db()
    assert later.status == Status.OPTED_OUT


def test_get_by_a_link_scanner_changes_nothing_and_shows_a_confirm_button(queue, client):
    url = unsubscribe_url(queue)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unsubscribe ann@example.org?" in html and '<button type="submit"' in html
    assert "preferences" in html
    assert contact().wants_program_emails  # a GET is not consent to anything


def test_the_confirm_button_unsubscribes(queue, client):
    url = unsubscribe_url(queue)
    response = client.post(url)
    assert "You&#x27;re unsubscribed" in response.content.decode() or "You're unsubscribed" in response.content.decode()
    assert contact().unsubscribed_at is not None


@pytest.mark.parametrize("kind", ["garbage", "forged-signature", "too-long"])
def test_tampered_links_get_a_clear_page_and_change_nothing(client, kind):
    # Tokens are made in the test, not at collection: parallel workers must collect the same tests.
    token = {"garbage": "garbage", "forged-signature": tokens.make("x@example.org")[:-2] + "zz", "too-long": "a" * 300}[
        kind
    ]
    for method in (client.get, client.post):
        response = method(f"/mail/unsubscribe/{token}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not Contact.objects.exists()


def test_expired_links_are_refused(client, settings):
    token = tokens.make("ann@example.org")
    settings.MAIL_LINK_MAX_AGE = -1
    assert client.get(f"/mail/unsubscribe/{token}/").status_code == 400


def test_preferences_page_lets_a_person_keep_program_emails_but_stop_referral_asks(queue):
    queue()
    token = tokens.make("ann@example.org")
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/mail/preferences/{token}/")
    assert page.status_code == 200
    assert (
        'value="all" checked' in page.content.decode().replace("\n", " ").replace("  ", " ")
        or "checked" in page.content.decode()
    )
    csrf = page.cookies["csrftoken"].value
    # Without the CSRF token the form is refused.
    assert client.post(f"/mail/preferences/{token}/", {"receive": "program"}).status_code == 403
    response = client.post(f"/mail/preferences/{token}/", {"receive": "program", "csrfmiddlewaretoken": csrf})
    assert "Saved" in response.content.decode()
    assert contact().wants_program_emails and not contact().wants_referral_asks


def test_preferences_reject_unknown_choices(client):
    token = tokens.make("ann@example.org")
    response = client.post(f"/mail/preferences/{token}/", {"receive": "everything-twice"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Contact.objects.exists()


def test_choosing_mail_again_after_unsubscribing_works(client):
    token = tokens.make("ann@example.org")
    client.post(f"/mail/unsubscribe/{token}/")
    client.post(f"/mail/preferences/{token}/", {"receive": "all"})
    assert contact().wants_referral_asks and contact().unsubscribed_at is None
    assert Message.objects.count() == 0
