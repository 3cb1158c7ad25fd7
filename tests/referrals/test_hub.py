"""The graduate's link card on their hub: the link, its QR code, a message to send, the offer, the
thank-you and the friends who joined."""

import pytest
from django.core import mail
from django.core.cache import cache

from tests.referrals.graduates import confirm, make_link, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def test_the_graduates_hub_shows_link_qr_messages_offer_thank_you_and_friends(program, client):
    from campaigns import links

    link = make_link(program)
    register(client, link)
    assert "<li>Jo <span" not in client.get(links.hub_path(link.student_id)).content.decode()  # not before they confirm
    confirm(client)
    page = client.get(links.hub_path(link.student_id)).content.decode()
    assert link.code in page and f"/r/{link.code}/qr.png" in page
    assert "Full disclosure: I get a thank-you from them if you join." in page
    assert "<li>Jo <span" in page and "earned" in page
    assert "We are out to help families raise focused kids" in page
