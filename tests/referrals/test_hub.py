"""The graduate's link card on their hub: the link, its QR code, a message to send, the offer, the
thank-you and the friends who joined."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format

from referrals.conversions.models import Conversion
from tests.referrals.graduates import confirm, make_link, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def test_the_graduates_hub_shows_link_qr_messages_offer_thank_you_and_friends(program, client):
    from campaigns import links

    link = make_link(program)
    register(client, link, share_name="on")  # Jo lets Maria see it was them
    register(client, link, first_name="Ann", email="ann@example.org")  # Ann does not
    confirm(client, email="ann@example.org")
    assert "<li>Jo <span" not in client.get(links.hub_path(link.student_id)).content.decode()  # not before they confirm
    confirm(client)
    page = client.get(links.hub_path(link.student_id)).content.decode()
    assert link.code in page and f"/r/{link.code}/qr.png" in page
    assert "Full disclosure: I get a thank-you from them if you join." in page
    assert "<li>Jo <span" in page and "not earned yet" not in page
    assert "<li>a friend <span" in page and "Ann" not in page
    # Honest about the refund window: joined, and the day the thank-you is due (not "earned" yet).
    hold = min(Conversion.objects.filter(link=link).values_list("hold_until", flat=True))  # the first due
    assert f"a friend joined — your thank-you from {date_format(timezone.localtime(hold), 'j F Y')}" in page
    assert "We are out to help families raise focused kids" in page
