"""Thank-you tiers and access rewards as the engine gives them: one thank-you at each tier's threshold,
once (also when approvals race on PostgreSQL), access to another program given by enrolling the graduate
here or by the outbound webhook, a refund that withdraws only the enrollment the reward made, and the
ask promising exactly what the tiers deliver."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from campaigns.models import Enrollment, JourneyEvent, Stage
from referrals.conversions import services as conversions
from referrals.conversions.models import Conversion
from referrals.hub import thank_you_status
from referrals.models import ReferralPlan
from referrals.rewards import rules, services
from referrals.rewards.models import Reward, RewardKind, RewardStatus, RewardTier
from referrals.signals import reward_revoked
from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import enroll, program_page
from tests.referrals.test_rewards import approved, setup

pytestmark = pytest.mark.django_db

# 23:30 UTC: a friend approved late in the evening still counts towards the same tier, whatever the hour.
HOURS = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 23, 30, tzinfo=UTC)]


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


@pytest.fixture
def clock(monkeypatch, request):
    class Clock:
        now = getattr(request, "param", HOURS[1])

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def advanced(db):
    return program_page(slug="advanced", title="Advanced Focus")


def tiers(program, *rows):
    for index, (friends, kind, fields) in enumerate(rows):
        RewardTier.objects.create(program=program, friends=friends, kind=kind, sort_order=index, **fields)


def one_three_five(program, advanced):
    tiers(
        program,
        (1, RewardKind.BOOKING_LINK, {"description": "a bonus session", "booking_url": "https://cal.example.org/b"}),
        (3, RewardKind.PROGRAM_ACCESS, {"description": "the Advanced Focus course", "target_program": advanced}),
        (5, RewardKind.GIFT, {"description": "a signed copy of the book"}),
    )


@pytest.mark.parametrize("clock", HOURS, indirect=True, ids=["09:00", "23:30"])
def test_tiers_release_once_each_at_their_thresholds(program, advanced, clock, django_capture_on_commit_callbacks):
    link = setup(program, review_threshold=50)  # six friends in days: not held for review here
    one_three_five(program, advanced)
    made = []
    for n in range(1, 7):
        with django_capture_on_commit_callbacks(execute=True):
            approved(program, f"friend{n}@example.org", f"o{n}", now=clock.now)
        made.append(sorted(Reward.objects.values_list("tier_friends", flat=True)))
        if n == 2:
            # The hub: how far along, and where the next thank-you comes.
            assert thank_you_status(link=link) == (True, "2 of 3 friends joined — your next thank-you comes at 3")
    assert made == [[1], [1], [1, 3], [1, 3], [1, 3, 5], [1, 3, 5]]
    assert thank_you_status(link=link) == (True, "6 friends joined — every thank-you earned, see below")
    by_tier = {r.tier_friends: r for r in Reward.objects.all()}
    assert [by_tier[t].number for t in (1, 3, 5)] == [1, 2, 3]
    assert (by_tier[1].kind, by_tier[1].booking_url) == (RewardKind.BOOKING_LINK, "https://cal.example.org/b")
    assert by_tier[3].conversions.count() == 2 and by_tier[5].conversions.count() == 2
    assert {r.status for r in by_tier.values()} == {RewardStatus.RELEASED}
    # Heard again (a replayed signal, a second worker): nothing new.
    for conversion in Conversion.objects.all():
        services.rewards_on_approved(conversion=conversion)
    assert Reward.objects.count() == 3


def test_before_the_first_tier_the_hub_says_when_it_comes(program, advanced, django_capture_on_commit_callbacks):
    link = setup(program)
    tiers(program, (2, RewardKind.GIFT, {"description": "a mug"}), (4, RewardKind.GIFT, {"description": "a tote"}))
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "a@example.org", "o1")
    assert not Reward.objects.exists()
    assert thank_you_status(link=link) == (False, "1 of 2 friends joined — your thank-you comes at 2")


def test_the_every_n_rule_stays_without_tiers(program, django_capture_on_commit_callbacks):
    setup(program, reward_every=2, review_threshold=50)
    for n in range(1, 5):
        with django_capture_on_commit_callbacks(execute=True):
            approved(program, f"f{n}@example.org", f"o{n}")
    assert list(Reward.objects.order_by("number").values_list("number", "tier_friends")) == [(1, None), (2, None)]


def test_no_thank_you_gives_nothing_and_promises_nothing(program, django_capture_on_commit_callbacks):
    setup(program, reward_kind="none")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "a@example.org", "o1")
    assert not Reward.objects.exists()
    assert rules.promise(ReferralPlan.objects.get(program=program)) == ""


def test_the_ask_promises_the_tiers_it_delivers(program, advanced):
    setup(program)
    one_three_five(program, advanced)
    plan = ReferralPlan.objects.get(program=program)
    assert rules.promise(plan) == (
        "As our thank-you: when 1 friend joins, a bonus session; when 3 friends join, the Advanced Focus course; "
        "when 5 friends join, a signed copy of the book."
    )
    # The ask email's {{ thank_you }} is that promise, not the plan's older words.
    from referrals.services import ask_values

    enrollment = Enrollment.objects.get(program=program, student__email="maria@example.org")
    values = ask_values(enrollment=enrollment, plan=plan, link=program._link, now=timezone.now())
    assert values["thank_you"] == rules.promise(plan)


# --- Access kinds ---


def test_access_to_a_program_here_enrolls_the_graduate_and_a_refund_withdraws_that_enrollment(
    program, advanced, django_capture_on_commit_callbacks
):
    link = setup(program, reward_kind=RewardKind.PROGRAM_ACCESS, reward_target_program=advanced)
    explanations = []

    def heard(sender, reward, explanation, **kwargs):
        explanations.append(explanation)

    reward_revoked.connect(heard, dispatch_uid="test-tiers-revoked")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approved(program, "jo@example.org", "o1")
        reward = Reward.objects.get()
        enrollment = Enrollment.objects.get(student_id=link.student_id, program=advanced)
        assert reward.enrollment == enrollment and reward.status == RewardStatus.RELEASED
        event = JourneyEvent.objects.get(enrollment=enrollment, kind="enrolled")
        assert event.actor == f"reward:{reward.pk}" and "thank-you" in event.reason
        with django_capture_on_commit_callbacks(execute=True):
            conversions.conversion_refund(source="api", order_id="o1")
    finally:
        reward_revoked.disconnect(dispatch_uid="test-tiers-revoked")
    enrollment.refresh_from_db()
    assert enrollment.stage == Stage.WITHDRAWN
    assert JourneyEvent.objects.filter(enrollment=enrollment, actor=f"reward:{reward.pk}").count() == 2
    assert explanations == [
        "Your friend's purchase was refunded, so this thank-you is cancelled. "
        "The access to Advanced Focus it gave you is withdrawn."
    ]
    # The graduate's own enrollment in the program they referred from is untouched.
    assert Enrollment.objects.get(student_id=link.student_id, program=program).stage != Stage.WITHDRAWN


def test_a_graduate_already_enrolled_keeps_their_enrollment_when_the_reward_is_revoked(
    program, advanced, django_capture_on_commit_callbacks
):
    setup(program, reward_kind=RewardKind.EARLY_ACCESS, reward_target_program=advanced)
    own = enroll(program=advanced, email="maria@example.org", first_name="Maria")
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    reward = Reward.objects.get()
    assert reward.enrollment is None and reward.status == RewardStatus.RELEASED
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1")
    own.refresh_from_db()
    reward.refresh_from_db()
    assert own.stage != Stage.WITHDRAWN
    assert "already enrolled in Advanced Focus" in reward.reason and "stays" in reward.reason


def test_access_elsewhere_is_granted_and_withdrawn_through_the_outbound_webhook(
    program, django_capture_on_commit_callbacks, receiver
):
    from tests.referrals.webhook_receiver import URL

    setup(program)
    tiers(program, (1, RewardKind.EARLY_ACCESS, {"description": "the new module before launch", "target_ref": "mod-9"}))
    WebhookEndpoint.objects.create(program=program, url=URL)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "jo@example.org", "o1")
    assert not Enrollment.objects.exclude(program=program).exists()
    released = json.loads(WebhookDelivery.objects.get(event_type="reward.released").body)["data"]
    assert released["kind"] == "early_access" and released["tier_friends"] == 1
    assert released["target"] == {"program_id": None, "program_title": None, "ref": "mod-9", "enrolled_here": False}
    assert released["description"] == "the new module before launch"
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1")
    revoked = json.loads(WebhookDelivery.objects.get(event_type="reward.revoked").body)["data"]
    assert revoked["kind"] == "early_access" and revoked["target"]["ref"] == "mod-9"
    assert "course platform" in revoked["reason"]


# --- Two approvals at once (PostgreSQL: concurrent connections) ---


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_make_one_reward_per_tier(program, postgres_db):
    setup(program)
    tiers(program, (1, RewardKind.GIFT, {"description": "a mug"}), (2, RewardKind.GIFT, {"description": "a tote"}))
    now = timezone.now()
    for n in range(4):
        conversions.conversion_record(
            program=program,
            email=f"f{n}@example.org",
            source="api",
            order_id=f"o{n}",
            codes={"ref": program._link.code},
            now=now,
        )
    # All four approved at once (set directly, no signal), then each approval heard by its own worker at once.
    Conversion.objects.filter(is_first=True).update(status="approved", approved_at=now)
    start, errors = threading.Barrier(4), []

    def worker(conversion):
        try:
            start.wait()
            services.rewards_on_approved(conversion=conversion)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in Conversion.objects.filter(is_first=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Reward.objects.values_list("tier_friends", flat=True)) == [1, 2]
    assert sorted(Reward.objects.values_list("number", flat=True)) == [1, 2]


def test_a_second_reward_for_the_same_tier_is_refused_by_the_database(program):
    setup(program)
    student_id = program._link.student_id
    Reward.objects.create(student_id=student_id, program=program, number=1, kind="gift", tier_friends=3)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(student_id=student_id, program=program, number=2, kind="gift", tier_friends=3)
    # "every N" rewards have no tier: any number of them.
    Reward.objects.create(student_id=student_id, program=program, number=2, kind="gift")
    Reward.objects.create(student_id=student_id, program=program, number=3, kind="gift")


def test_money_is_never_a_kind():
    labels = " ".join(label.lower() for _, label in RewardKind.choices)
    assert not any(word in labels for word in ("money", "cash", "commission", "payout", "$", "€"))


def test_later_approval_at_any_hour_is_counted_on_its_own_day(program, advanced, django_capture_on_commit_callbacks):
    """Two friends approved either side of midnight (23:30, then 00:30) reach the tier at 2 once."""
    setup(program)
    tiers(program, (2, RewardKind.GIFT, {"description": "a mug"}))
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        approved(program, "a@example.org", "o1", now=late)
        approved(program, "b@example.org", "o2", now=late + timedelta(hours=1))
    assert list(Reward.objects.values_list("tier_friends", flat=True)) == [2]


# --- As people see them: the hub and the admin's rewards list ---


def test_the_hub_shows_each_tiers_status_and_the_next_tiers_progress(
    client, admin_client, program, advanced, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from campaigns import links

    link = setup(program, review_threshold=50)
    one_three_five(program, advanced)
    for n in range(1, 4):
        with django_capture_on_commit_callbacks(execute=True):
            approved(program, f"friend{n}@example.org", f"o{n}")
    page = client.get(links.hub_path(link.student_id)).content.decode()
    assert "As our thank-you: when 1 friend joins, a bonus session;" in page
    assert "3 of 5 friends joined — your next thank-you comes at 5" in page
    assert "At 1 friend: a bonus session" in page and "book your session" in page
    assert "At 3 friends: the Advanced Focus course" in page and "you are enrolled in Advanced Focus" in page
    listing = admin_client.get(reverse("referrals_reward:index")).content.decode()
    assert "at 1 friend" in listing and "at 3 friends" in listing
    assert "Access to another program" in listing and "A bonus-session booking link" in listing
    filtered = admin_client.get(reverse("referrals_reward:index") + "?kind=program_access").content.decode()
    assert "at 3 friends" in filtered and "at 1 friend<" not in filtered
    inspect = admin_client.get(reverse("referrals_reward:inspect", args=[Reward.objects.get(tier_friends=3).pk]))
    assert "Advanced Focus (enrolled by this thank-you)" in inspect.content.decode()
