"""The graduate's thank-you as the engine gives it: released once when a friend's conversion is approved,
never twice (also when two approvals race), a code bank that runs dry then is refilled, and a refund
that revokes what can be revoked."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from referrals.conversions import services as conversions
from referrals.hub import thank_you_status
from referrals.models import ReferralPlan
from referrals.rewards import services
from referrals.rewards.models import Reward, RewardCode, RewardKind, RewardStatus
from tests.referrals.graduates import make_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


def approved(program, email: str, order: str, *, now=None):
    """A friend's purchase through the graduate's code, past its refund window (the pass approves it)."""
    now = now or timezone.now()
    link = program._link
    conversions.conversion_record(
        program=program, email=email, source="api", order_id=order, codes={"ref": link.code}, now=now
    )
    conversions.conversions_release_due(now=now + timedelta(days=15))


def setup(program, **plan):
    program._link = make_link(program)
    ReferralPlan.objects.filter(program=program).update(**plan)
    return program._link


def test_one_friend_joining_releases_one_booking_link_once(program, django_capture_on_commit_callbacks):
    link = setup(program, reward_kind=RewardKind.BOOKING_LINK, reward_booking_url="https://cal.example.org/bonus")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    reward = Reward.objects.get()
    assert (reward.student_id, reward.status, reward.booking_url) == (
        link.student_id,
        RewardStatus.RELEASED,
        "https://cal.example.org/bonus",
    )
    conversion = reward.conversions.get()
    # The same approval heard again (a replayed signal): still one reward.
    services.rewards_on_approved(conversion=conversion)
    assert Reward.objects.count() == 1


def test_every_n_friends_one_thank_you(program, django_capture_on_commit_callbacks):
    setup(program, reward_every=2)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "a@example.org", "o1")
    assert not Reward.objects.exists()
    # The hub never promises a thank-you the rule has not reached.
    assert thank_you_status(link=program._link) == (False, "1 of 2 friends joined — your thank-you comes at 2")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "b@example.org", "o2")
    assert Reward.objects.get().conversions.count() == 2
    assert thank_you_status(link=program._link) == (True, "earned — see your thank-you below")


def test_two_approvals_heard_at_once_release_one_reward(program):
    setup(program)
    conversions.conversion_record(
        program=program, email="jo@example.org", source="api", order_id="o1", codes={"ref": program._link.code}
    )
    conversions.conversions_release_due(now=timezone.now() + timedelta(days=15))
    conversion = program._link.conversions.get()
    # Both receivers run (two workers hearing the same conversion): one reward, numbered 1.
    services.rewards_on_approved(conversion=conversion)
    services.rewards_on_approved(conversion=conversion)
    assert list(Reward.objects.values_list("number", flat=True)) == [1]


def test_an_empty_code_bank_owes_the_reward_until_codes_are_added(program, django_capture_on_commit_callbacks):
    setup(program, reward_kind=RewardKind.CODE_BANK)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    reward = Reward.objects.get()
    assert (reward.status, reward.reason) == (RewardStatus.OWED, services.CODE_BANK_EMPTY)
    added, notes = services.codes_add(program=program, text="GIFT-1\nGIFT-2")
    assert (added, notes) == (2, [])
    reward.refresh_from_db()
    assert reward.status == RewardStatus.RELEASED and reward.code_text == "GIFT-1"
    assert services.codes_left(program_id=program.pk) == 1


def test_bad_code_uploads_say_why_and_add_nothing(program):
    setup(program)
    assert services.codes_add(program=program, text="   \n ") == (0, ["Paste at least one code, one a line."])
    added, problems = services.codes_add(program=program, text="A1\nA1")
    assert added == 0 and "appears twice" in problems[0]
    assert not RewardCode.objects.exists()
    services.codes_add(program=program, text="A1")
    added, notes = services.codes_add(program=program, text="A1\nA2")
    assert added == 1 and "already in the bank" in notes[0]


def test_a_refund_after_release_revokes_an_unshown_code_back_to_the_bank(program, django_capture_on_commit_callbacks):
    setup(program, reward_kind=RewardKind.CODE_BANK)
    services.codes_add(program=program, text="C1")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1")
    reward = Reward.objects.get()
    assert reward.status == RewardStatus.REVOKED and "no longer works" in reward.reason
    assert services.codes_left(program_id=program.pk) == 1


def test_a_refund_after_the_code_was_shown_keeps_it_spent_and_says_so(program, django_capture_on_commit_callbacks):
    setup(program, reward_kind=RewardKind.CODE_BANK)
    services.codes_add(program=program, text="C1")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    services.reward_code_shown(reward=Reward.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1")
    reward = Reward.objects.get()
    assert reward.status == RewardStatus.REVOKED and "yours to keep" in reward.reason
    assert services.codes_left(program_id=program.pk) == 0


def test_a_refund_during_the_hold_makes_no_reward_and_revokes_nothing(program, django_capture_on_commit_callbacks):
    setup(program)
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_record(
            program=program, email="jo@example.org", source="api", order_id="o1", codes={"ref": program._link.code}
        )
        conversions.conversion_refund(source="api", order_id="o1")
    assert not Reward.objects.exists()


def test_release_and_revoke_are_sent_to_the_creators_endpoint_once_each(
    program, django_capture_on_commit_callbacks, receiver
):
    import json

    from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint
    from tests.referrals.webhook_receiver import URL

    setup(program)
    WebhookEndpoint.objects.create(program=program, url=URL)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    with django_capture_on_commit_callbacks(execute=True):
        services.rewards_on_approved(conversion=Reward.objects.get().conversions.get())  # heard twice
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1")
        conversions.conversion_refund(source="api", order_id="o1")
    kinds = list(WebhookDelivery.objects.order_by("pk").values_list("event_type", flat=True))
    assert kinds.count("reward.released") == 1 and kinds.count("reward.revoked") == 1
    body = json.loads(WebhookDelivery.objects.get(event_type="reward.revoked").body)
    assert body["data"]["status"] == "revoked" and body["data"]["reason"]
