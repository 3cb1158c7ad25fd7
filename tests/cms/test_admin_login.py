"""The admin login (Wagtail's /admin/login/) is throttled per account and address (django-axes); the admin
keeps team members' addresses at home."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

LOGIN = "/admin/login/"


@pytest.fixture
def users(db, django_user_model):
    alice = django_user_model.objects.create_superuser("alice", "alice@example.org", "pw-alice-123")
    bob = django_user_model.objects.create_superuser("bob", "bob@example.org", "pw-bob-456")
    return alice, bob


@pytest.fixture
def clock():
    """A frozen clock for django-axes (it reads timezone.now, some of it through its own import)."""
    now = [timezone.now()]
    with (
        mock.patch("django.utils.timezone.now", lambda: now[0]),
        mock.patch("axes.attempts.now", lambda: now[0]),
        mock.patch("axes.handlers.proxy.now", lambda: now[0]),
    ):
        yield now


def log_in(client, username, password, ip="198.51.100.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302 and "/admin/login/" not in response["Location"]


def test_the_right_password_signs_in(client, users):
    assert signed_in(log_in(client, "alice", "pw-alice-123"))


def test_after_five_wrong_passwords_the_right_one_is_refused_too(client, users, clock):
    """Before: unlimited guesses; the sixth try with the right password signed in."""
    for _ in range(4):
        assert log_in(client, "alice", "wrong").status_code == 200  # the form again, with its error
    locked = log_in(client, "alice", "wrong")
    assert locked.status_code == 429
    response = log_in(client, "alice", "pw-alice-123")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is paused" in page and "15 minutes" in page and "axes_reset" in page
    # The address is paused for every account (a guesser cannot move on to the next username)...
    assert log_in(client, "bob", "pw-bob-456").status_code == 429
    # ...while another account from another address still signs in.
    other = type(client)()
    assert signed_in(log_in(other, "bob", "pw-bob-456", ip="203.0.113.20"))


def test_the_lockout_ends_after_the_cool_off(client, users, clock):
    for _ in range(5):
        log_in(client, "alice", "wrong")
    clock[0] += timedelta(minutes=14)
    assert log_in(client, "alice", "pw-alice-123").status_code == 429
    # A try during the pause counts as a failure: the pause runs 15 minutes from the last try.
    clock[0] += timedelta(minutes=14)
    assert log_in(client, "alice", "pw-alice-123").status_code == 429
    clock[0] += timedelta(minutes=16)
    assert signed_in(log_in(client, "alice", "pw-alice-123"))


def test_axes_reset_lifts_a_lockout(client, users, clock):
    for _ in range(5):
        log_in(client, "alice", "wrong")
    call_command("axes_reset")
    assert signed_in(log_in(client, "alice", "pw-alice-123"))


def test_behind_a_proxy_the_lockout_is_the_visitors_not_everyones(client, users, settings, clock):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(5):
        log_in(client, "alice", "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (
        log_in(client, "alice", "pw-alice-123", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    )
    # The guesser cannot escape by writing another address to the left of the proxy's entry.
    spoofed = log_in(client, "alice", "pw-alice-123", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert spoofed.status_code == 429
    other = type(client)()
    assert signed_in(log_in(other, "alice", "pw-alice-123", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20"))


def test_without_a_proxy_a_forwarded_header_does_not_escape_the_lockout(client, users, clock):
    for i in range(5):
        log_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert log_in(client, "alice", "pw-alice-123", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


@pytest.mark.parametrize("username", ["", "x" * 1000, "alice\x00", "<script>"])
def test_junk_usernames_get_the_form_again_not_a_500(client, users, username):
    response = log_in(client, username, "wrong")
    assert response.status_code in (200, 400)


def test_the_admin_never_sends_a_team_members_address_hash_to_gravatar(client, users):
    client.force_login(users[0])
    page = client.get("/admin/")
    assert page.status_code == 200 and "gravatar" not in page.content.decode().lower()
