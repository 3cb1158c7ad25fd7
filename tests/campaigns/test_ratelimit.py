"""Public-form limits (the `limits` package) and who the client is (trusted proxies only)."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from campaigns import ratelimit
from tests.private_redis import PrivateRedis, free_port


def request_from(remote_addr: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


# --- Who the client is --------------------------------------------------------------------------


@pytest.mark.parametrize("forwarded", ["6.6.6.6", "6.6.6.6, 7.7.7.7", "", "junk"])
def test_without_a_proxy_the_clients_own_header_is_ignored(settings, forwarded):
    settings.TRUSTED_PROXIES = []
    assert ratelimit.client_ip(request_from("203.0.113.9", forwarded)) == "203.0.113.9"


def test_a_header_from_an_address_that_is_not_a_proxy_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(request_from("203.0.113.9", "10.0.0.7, 6.6.6.6")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.4", "198.51.100.4"),
        # The client wrote the left part itself; the proxy appended what it saw.
        ("6.6.6.6, 198.51.100.4", "198.51.100.4"),
        # Two proxies of ours: skip both, right to left.
        ("6.6.6.6, 198.51.100.4, 10.0.0.8", "198.51.100.4"),
        ("198.51.100.4:51234", "198.51.100.4"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        # Nothing but proxies (or no header): the outermost proxy is all we know.
        ("10.0.0.8", "10.0.0.8"),
        ("", "10.0.0.1"),
        # Junk where the proxy should have written an address came from the client: it proves nothing.
        ("not-an-address", "10.0.0.1"),
        ("198.51.100.4, <script>", "10.0.0.1"),
        ("\u00b2\u00b2\u00b2, 10.0.0.8", "10.0.0.8"),
        (",,,", "10.0.0.1"),
    ],
)
def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client(settings, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(request_from("10.0.0.1", forwarded)) == client


def test_an_address_that_is_not_an_address_gives_no_client_address(settings):
    settings.TRUSTED_PROXIES = []
    assert ratelimit.client_address(request_from("")) is None
    assert ratelimit.client_ip(request_from("")) == "unknown"


def test_behind_a_proxy_visitors_no_longer_share_one_bucket(client, settings, db):
    """Before: every visitor behind the proxy was REMOTE_ADDR=proxy, so five posts from anyone locked
    everyone out of "email me a fresh link"."""
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    url = reverse("hub_new_link")

    def post(forwarded):
        return client.post(url, {"email": "x@example.org"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert [post("198.51.100.1").status_code for _ in range(6)] == [302] * 5 + [429]
    assert post("198.51.100.2").status_code == 302
    # The locked-out visitor cannot get out by claiming another address to the left of the proxy's entry.
    assert post("198.51.100.2, 198.51.100.1").status_code == 429


def test_without_a_proxy_a_spoofed_header_does_not_escape_the_limit(client, settings, db):
    settings.TRUSTED_PROXIES = []
    url = reverse("hub_new_link")
    statuses = [
        client.post(url, {"email": "x@example.org"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(6)
    ]
    assert statuses == [302] * 5 + [429]


# --- Counting -----------------------------------------------------------------------------------


def test_allow_counts_per_scope_and_key_and_used_reads_the_count():
    assert [ratelimit.allow(scope="s", key="a", limit=3) for _ in range(4)] == [True, True, True, False]
    assert ratelimit.used(scope="s", key="a") == 4
    assert ratelimit.used(scope="s", key="b") == 0 and ratelimit.used(scope="other", key="a") == 0
    assert ratelimit.allow(scope="s", key="b", limit=3)


def test_the_window_ends(settings, monkeypatch):
    """A frozen clock (the limits package's own): the count is forgotten when the window ends."""
    clock = [1_000_000.0]
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: clock[0])
    ratelimit.reset()
    assert [ratelimit.allow(scope="w", key="k", limit=1, window=60) for _ in range(2)] == [True, False]
    clock[0] += 59
    assert not ratelimit.allow(scope="w", key="k", limit=1, window=60)
    clock[0] += 2
    assert ratelimit.allow(scope="w", key="k", limit=1, window=60)


@pytest.fixture
def redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def test_two_processes_on_one_redis_share_a_limit(settings, redis):
    """Two gunicorn workers are two storages on one Redis: 30 through one link means 30, not 31 of 60."""
    settings.RATE_LIMIT_STORAGE_URL = redis.url
    other_worker = FixedWindowRateLimiter(storage_from_string(redis.url))
    item = ratelimit._Window(30, 600)
    results = []
    for i in range(60):
        if i % 2:
            results.append(other_worker.hit(item, ratelimit._key("register-code", "ABCD2345")))
        else:
            results.append(ratelimit.allow(scope="register-code", key="ABCD2345", limit=30, window=600))
    assert results.count(True) == 30
    assert ratelimit.used(scope="register-code", key="ABCD2345", window=600) == 60


def test_limits_fail_open_and_log_while_redis_is_away(settings, caplog, redis):
    settings.RATE_LIMIT_STORAGE_URL = redis.url
    assert [ratelimit.allow(scope="o", key="k", limit=2) for _ in range(3)] == [True, True, False]
    redis.stop()
    with caplog.at_level(logging.WARNING, logger="campaigns.ratelimit"):
        assert all(ratelimit.allow(scope="o", key="k", limit=2) for _ in range(5))
        assert ratelimit.used(scope="o", key="k") == 0
    assert "rate-limit storage unavailable" in caplog.text
    redis.start()  # an empty Redis (nothing saved): counting starts again
    assert [ratelimit.allow(scope="o", key="k", limit=2) for _ in range(3)] == [True, True, False]


def test_a_redis_that_never_answers_does_not_hold_a_post(settings):
    settings.RATE_LIMIT_STORAGE_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert ratelimit.allow(scope="n", key="k", limit=1)
    assert ratelimit.used(scope="n", key="k") == 0
