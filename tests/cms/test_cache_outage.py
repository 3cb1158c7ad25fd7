"""Redis away: every public page keeps answering (a cache error is a miss, rate limits fail open).

Each test runs a redis-server of its own (tests/private_redis.py) and stops it mid-test: no shared
Redis is needed or touched, so these run in the SQLite and the PostgreSQL pass alike.
"""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from referrals.services import link_for
from tests.factories import enroll, referral_plan
from tests.private_redis import PrivateRedis, free_port

PERSON = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.fixture
def redis(settings):
    server = PrivateRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "cms.cache.FailSoftRedisCache",
            "LOCATION": server.url,
            # Try Redis again at once after a failure, so the test sees the recovery without waiting.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_AFTER": 0},
        }
    }
    settings.RATE_LIMIT_STORAGE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def link(program):
    referral_plan(program=program)
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria", last_name="Lopez")
    return link_for(student_id=enrollment.student_id, program_id=program.pk)


def landing_get(client, link):
    return client.get(f"/join/{link.code}/", HTTP_USER_AGENT=PERSON)


def landing_post(client, link, email):
    payload = {"first_name": "Jo", "last_name": "Park", "email": email, "consent": "on"}
    return client.post(f"/join/{link.code}/", payload, HTTP_USER_AGENT=PERSON)


def new_link_post(client):
    return client.post(reverse("hub_new_link"), {"email": "x@example.org"})


def test_public_pages_keep_answering_while_redis_is_away_and_recover(client, link, redis, caplog):
    """Before: the landing page answered 500 for the whole outage (a connection error from the cache)."""
    assert landing_get(client, link).status_code == 200
    assert cache.get("landing-facts-probe") is None and cache.add("probe", 1) and cache.get("probe") == 1

    redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            page = landing_get(client, link)
            assert page.status_code == 200 and link.program.title in page.content.decode()
        assert landing_post(client, link, "jo@example.org").status_code == 302
        assert landing_post(client, link, "not-an-address").status_code == 400
        # "Email me a fresh link" is limited to 5 posts per address: while Redis is away it stays open.
        assert [new_link_post(client).status_code for _ in range(7)] == [302] * 7
        assert cache.get("probe") is None and cache.add("probe", 1) is False and cache.get_many(["probe"]) == {}
        cache.set("probe", 2)
        cache.delete("probe")
        with pytest.raises(ValueError):
            cache.incr("probe")
    assert "cache unavailable" in caplog.text and "rate-limit storage unavailable" in caplog.text
    assert caplog.text.count("cache unavailable") <= 2, "an outage is reported, not logged once per call"

    redis.start()  # empty: nothing was saved
    assert landing_get(client, link).status_code == 200
    cache.set("probe", 3)
    assert cache.get("probe") == 3
    assert landing_post(client, link, "ann@example.org").status_code == 302
    # The limit counts again in Redis: five more posts, then 429.
    assert [new_link_post(client).status_code for _ in range(6)] == [302] * 5 + [429]


def test_a_redis_that_never_answers_costs_a_miss_not_a_500(client, link, settings):
    settings.CACHES = {
        "default": {"BACKEND": "cms.cache.FailSoftRedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }
    settings.RATE_LIMIT_STORAGE_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert landing_get(client, link).status_code == 200
    assert landing_post(client, link, "jo@example.org").status_code == 302
    assert new_link_post(client).status_code == 302


def test_the_password_in_the_cache_url_stays_out_of_the_log(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "cms.cache.FailSoftRedisCache",
            "LOCATION": f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0",
            "OPTIONS": {"RETRY_AFTER": 0},
        }
    }
    from cms import cache as fail_soft

    fail_soft._outages.clear()  # a fresh outage report for this location
    with caplog.at_level(logging.WARNING, logger="cms.cache"):
        assert cache.get("anything", "default") == "default"
    assert "cache unavailable" in caplog.text and "s3cret-pass" not in caplog.text


def test_one_redis_client_serves_every_call_and_comes_back_after_an_outage(redis):
    """The cache builds one redis.Redis per connection pool (not one per call, as Django does), and that
    client reconnects through its pool when Redis returns."""
    backend = cache._cache
    assert backend.get_client("a") is backend.get_client("b", write=True)
    cache.set("kept", 1)
    redis.stop()
    assert cache.get("kept") is None  # a miss while Redis is away
    redis.start()
    cache.set("kept", 2)
    assert cache.get("kept") == 2
