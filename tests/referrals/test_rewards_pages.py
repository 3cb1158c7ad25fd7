"""Rewards as people meet them: the hub shows each thank-you's status, a gift's shipping address form
(bad input answered with clear errors), staff's "Mark shipped" and the code bank in the admin, the
list's export, and erasure clearing the address."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from campaigns import links
from referrals.erasure import erase_student
from referrals.rewards import services
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from tests.referrals.test_rewards import approved, setup

pytestmark = pytest.mark.django_db

ADDRESS = {
    "ship_name": "Maria Lopez",
    "ship_line1": "1 Rue <b>Haute</b>",
    "ship_line2": "",
    "ship_postcode": "75001",
    "ship_city": "Paris",
    "ship_country": "France",
}


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


@pytest.fixture
def gift(program, django_capture_on_commit_callbacks):
    setup(program, reward_kind=RewardKind.GIFT)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    return Reward.objects.get()


def test_the_hub_shows_a_gift_released_asks_for_an_address_and_rejects_a_bad_form(client, gift):
    hub = links.hub_path(gift.student)
    page = client.get(hub).content.decode()
    assert "released — tell us where to send it" in page and "Enter your shipping address" in page
    url = links.hub_path(gift.student, "hub_reward_address", gift.pk)
    bad = client.post(url, {**ADDRESS, "ship_city": "  ", "ship_country": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    gift.refresh_from_db()
    assert not gift.has_address  # nothing half-saved
    assert client.post(url, ADDRESS).status_code == 302
    gift.refresh_from_db()
    assert gift.has_address and gift.ship_city == "Paris"


def test_someone_elses_or_a_tampered_link_cannot_touch_the_address(client, gift):
    url = reverse("hub_reward_address", args=["not-a-token", gift.pk])
    assert client.post(url, ADDRESS).status_code != 302
    gift.refresh_from_db()
    assert not gift.has_address


def test_staff_mark_a_gift_shipped_with_a_tracking_note_and_the_hub_says_shipped(admin_client, client, gift):
    ship = reverse("referrals_reward_ship", args=[gift.pk])
    admin_client.post(ship, {"note": "La Poste 1234"})
    gift.refresh_from_db()
    assert gift.status == RewardStatus.RELEASED  # no address yet: refused with its reason
    services.reward_set_address(reward_id=gift.pk, student_id=gift.student_id, data=ADDRESS)
    response = admin_client.post(ship, {"note": "  "}, follow=True)
    assert "Write a tracking note" in response.content.decode()
    admin_client.post(ship, {"note": "La Poste 1234"})
    gift.refresh_from_db()
    assert (gift.status, gift.tracking_note) == (RewardStatus.FULFILLED, "La Poste 1234")
    page = client.get(links.hub_path(gift.student)).content.decode()
    assert "shipped" in page and "La Poste 1234" in page
    inspect = admin_client.get(reverse("referrals_reward:inspect", args=[gift.pk])).content.decode()
    assert "Rue &lt;b&gt;Haute&lt;/b&gt;" in inspect  # autoescaped


def test_the_rewards_list_filters_and_exports(admin_client, gift):
    listing = admin_client.get(reverse("referrals_reward:index") + "?status=released&kind=gift")
    assert listing.status_code == 200 and gift.student.email in listing.content.decode()
    export = admin_client.get(reverse("referrals_reward:index") + "?export=csv")
    assert export.status_code == 200 and b"released" in b"".join(export.streaming_content)


def test_the_code_bank_warns_when_fewer_than_ten_remain_and_rejects_bad_pastes(admin_client, program):
    setup(program, reward_kind=RewardKind.CODE_BANK)
    url = reverse("referrals_reward_codes")
    page = admin_client.post(url, {"program": program.pk, "codes": "X1\nX1"}, follow=True).content.decode()
    assert "appears twice" in page
    page = admin_client.post(url, {"program": program.pk, "codes": ""}, follow=True).content.decode()
    assert "Paste at least one code" in page
    page = admin_client.post(url, {"program": program.pk, "codes": "X1\nX2"}, follow=True).content.decode()
    assert "2 codes added" in page and "Fewer than 10 left" in page
    assert admin_client.post(url, {"program": "nope", "codes": "X3"}).status_code == 200


def test_the_hub_shows_a_released_code_and_from_then_on_it_counts_as_used(
    client, program, django_capture_on_commit_callbacks
):
    setup(program, reward_kind=RewardKind.CODE_BANK)
    services.codes_add(program=program, text="THANKS-1")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    reward = Reward.objects.get()
    assert "THANKS-1" in client.get(links.hub_path(reward.student)).content.decode()
    reward.refresh_from_db()
    assert reward.code_shown_at is not None and reward.code.used


def test_erasure_clears_the_gifts_shipping_address(gift):
    services.reward_set_address(reward_id=gift.pk, student_id=gift.student_id, data=ADDRESS)
    report = erase_student(student=gift.student, address=gift.student.email, needles=[gift.student.email])
    gift.refresh_from_db()
    assert report["reward_addresses_cleared"] == 1 and not gift.has_address and gift.ship_postcode == ""
    assert erase_student(student=gift.student, address=gift.student.email, needles=[])["reward_addresses_cleared"] == 0
