"""With a shared cache, a burst of accepted events shares one queued processing pass (one message, not one
per event), and no event is left behind: one committed before the pass starts is read by it, one committed
after wakes another."""

import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from campaigns.models import Student
from integrations import services, tasks
from integrations.models import InboundEvent, Outcome
from mailers import runner
from tests.factories import program_page


@pytest.fixture
def coalesced(settings):
    settings.EVENTS_COALESCE_TASKS = True
    cache.delete(tasks.QUEUED_RUN_FLAG)
    yield
    cache.delete(tasks.QUEUED_RUN_FLAG)


@pytest.fixture
def sent():
    messages: list[tuple[str, tuple]] = []
    with mock.patch.object(runner, "_publish", side_effect=lambda name, ids: messages.append((name, ids))):
        yield messages


def enrollment(post, n: int):
    return post(
        "enrollment.created", {"student": {"email": f"s{n}@example.org", "first_name": "Sam"}, "program": "focus"}
    )


def test_a_burst_of_events_sends_one_message_and_its_pass_processes_them_all(coalesced, sent, post):
    program_page()
    for n in range(5):
        assert enrollment(post, n).status_code == 202
    assert sent == [("integrations.tasks.process_pending", ())]

    assert tasks.process_pending() == {Outcome.PROCESSED: 5}
    assert Student.objects.count() == 5
    assert not InboundEvent.objects.exclude(outcome=Outcome.PROCESSED).exists()


def test_an_event_committed_after_the_pass_started_wakes_another(coalesced, sent, post):
    program_page()
    enrollment(post, 1)
    runner.wakeup_started(tasks.QUEUED_RUN_FLAG)  # the queued pass has begun: it may not see what follows
    runner._flags_seen_until.clear()  # a tenth of a second later: the process no longer trusts the flag
    enrollment(post, 2)
    assert [name for name, _ in sent] == ["integrations.tasks.process_pending"] * 2


def test_a_pass_clears_its_flag_before_it_reads_the_events(coalesced, sent, post):
    """What the pass does not read was committed after the flag was cleared, so it woke a pass of its own
    (or was committed while its process trusted the flag: the pass's last look reads it)."""
    program_page()
    enrollment(post, 1)
    order = []
    clear, read = tasks.wakeup_started, tasks.services.events_process_pending
    with (
        mock.patch.object(tasks, "wakeup_started", side_effect=lambda flag: order.append("cleared") or clear(flag)),
        mock.patch.object(tasks.services, "events_process_pending", side_effect=lambda: order.append("read") or read()),
    ):
        tasks.process_pending()
    assert order == ["cleared", "read", "read"]
    assert cache.get(tasks.QUEUED_RUN_FLAG) is None
    assert Student.objects.filter(email="s1@example.org").exists()


def test_a_cache_that_cannot_answer_means_a_message_per_event(coalesced, sent, post):
    """Each event a tenth of a second apart (the trust run out): the flag cannot be read, so each sends."""
    program_page()
    with mock.patch.object(cache, "get", return_value=None), mock.patch.object(cache, "set"):
        for n in range(3):
            enrollment(post, n)
            runner._flags_seen_until.clear()
    assert len(sent) == 3


def test_a_lost_message_leaves_the_events_to_the_periodic_pass(coalesced, sent, post, settings):
    """The queued pass never arrives (the broker lost it): the flag expires, and the periodic pass takes
    the pending events after their grace."""
    program_page()
    enrollment(post, 1)
    enrollment(post, 2)
    assert len(sent) == 1  # and it is lost
    later = timezone.now() + timedelta(seconds=settings.EVENTS_PENDING_GRACE_SECONDS + 1)
    assert services.events_process_due(now=later)
    assert Student.objects.count() == 2


def test_without_a_shared_cache_each_event_has_its_own_task(settings, sent, post):
    settings.EVENTS_COALESCE_TASKS = False
    program_page()
    for n in range(2):
        enrollment(post, n)
    assert [name for name, _ in sent] == ["integrations.tasks.process_event"] * 2


def test_the_pass_is_recovered_by_the_periodic_pass(settings):
    fn = runner.registered_tasks()["integrations.tasks.process_pending"]
    assert fn.recovered_by in settings.PERIODIC_TASKS


@pytest.mark.parametrize(("cache_url", "expected"), [("redis://127.0.0.1:6379/1", "True"), ("", "False")])
def test_events_share_a_pass_by_default_only_with_a_shared_cache(cache_url, expected):
    from tests.cms.test_settings_errors import PRODUCTION, run

    read = "import django; django.setup(); from django.conf import settings; print(settings.EVENTS_COALESCE_TASKS)"
    env = {**PRODUCTION, "CACHE_URL": cache_url} if cache_url else {"DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    result = run([sys.executable, "-c", read], **env)
    assert result.stdout.strip() == expected, result.stderr


def test_a_process_that_saw_the_flag_reads_it_again_only_after_a_tenth_of_a_second(coalesced, sent, post):
    program_page()
    with mock.patch.object(cache, "get", wraps=cache.get) as reads:
        for n in range(5):
            enrollment(post, n)
    assert reads.call_count == 1 and len(sent) == 1  # one look at the flag for the burst, one message
    runner._flags_seen_until.clear()  # the trust has run out
    with mock.patch.object(cache, "get", wraps=cache.get) as reads:
        enrollment(post, 9)
    assert reads.call_count == 1 and len(sent) == 1  # read again, still set: no second message


def test_an_event_committed_while_its_process_trusted_a_cleared_flag_is_read_by_the_last_look(coalesced, sent, post):
    """The race the trust opens: the web process saw the flag, the pass cleared it and read the events,
    then the web process committed one more without looking. The pass's last look, a trust's length
    after the clearing, finds it."""
    program_page()
    enrollment(post, 1)  # sees no flag, sets it, sends the pass; trusts the flag from now on
    read = tasks.services.events_process_pending
    calls = []

    def pass_then_a_late_event():
        done = read()
        if not calls:
            enrollment(post, 2)  # committed while the process trusts the (now cleared) flag: no message
        calls.append(done)
        return done

    with mock.patch.object(tasks.services, "events_process_pending", side_effect=pass_then_a_late_event):
        assert tasks.process_pending() == {Outcome.PROCESSED: 2}
    assert len(sent) == 1
    assert Student.objects.filter(email="s2@example.org").exists()


def test_the_last_look_waits_out_the_trust_of_every_process(monkeypatch):
    slept = []
    monkeypatch.setattr(runner.time, "sleep", slept.append)
    started = runner.time.monotonic()
    runner.wakeup_finish(started)
    assert slept and 0 < slept[0] <= 2 * runner.WAKEUP_TRUST_SECONDS
    slept.clear()
    runner.wakeup_finish(started - 1)  # a pass that took longer than the trust: no wait
    assert slept == []
