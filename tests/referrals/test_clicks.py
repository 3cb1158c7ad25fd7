"""Who a click came from: a keyed hash of the visitor's network (an IPv4 address or an IPv6 /64), never
the address itself."""

import pytest

from referrals.clicks import click_client


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("203.0.113.7", "::ffff:203.0.113.7"),  # IPv4 as a dual-stack socket reports it
        ("2001:db8:1:2::10", "2001:db8:1:2:ffff:ffff:ffff:fffe"),  # one /64
    ],
)
def test_one_network_is_one_client(one, other):
    assert click_client(one) == click_client(other) != ""
    assert len(click_client(one)) == 16


@pytest.mark.parametrize(
    ("one", "other"),
    [("203.0.113.7", "203.0.113.8"), ("2001:db8:1:2::10", "2001:db8:1:3::10")],
)
def test_two_networks_are_two_clients(one, other):
    assert click_client(one) != click_client(other)


@pytest.mark.parametrize("address", ["", "unknown", "203.0.113.7, 10.0.0.1", "not an address", "999.1.1.1"])
def test_no_address_is_no_client(address):
    assert click_client(address) == ""


def test_the_client_is_a_keyed_hash_not_the_address(settings):
    hashed = click_client("203.0.113.7")
    assert "203" not in hashed
    settings.SECRET_KEY = "another-key-" + "x" * 50
    assert click_client("203.0.113.7") != hashed
