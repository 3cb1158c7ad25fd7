"""`simulate_cohort`: friends buy through the graduates' links, and the conversions code judges each
purchase as it judges real ones (held, refused by reason, released past the refund hold, revoked by a
refund), while nothing real is touched and nothing is sent about a simulated person."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from campaigns.inboxes import mailbox
from campaigns.models import ProgramPage, Student
from integrations import services as inbound
from integrations.models import InboundEvent, Purchase
from mailers import services as mail_services
from mailers.models import Message
from referrals import signals
from referrals.conversions import services as conversions
from referrals.conversions.models import Conversion, Status
from referrals.rewards.models import Reward
from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import sharing_prompt
from tests.referrals.graduates import make_link
from tests.referrals.webhook_receiver import URL

pytestmark = pytest.mark.django_db

# Late in the evening: the simulated days (at noon, from the start) and the holds still line up.
FIXED = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
STUDENTS = "24"


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    return FIXED


@pytest.fixture
def shop(program, frozen):
    """A program with every phase on whose friends can buy, a real graduate with a link, and a real friend's
    purchase held for the refund window (due to be released inside the simulated weeks)."""
    link = make_link(program, now=frozen - timedelta(days=1))
    sharing_prompt(program=program, milestone_slug="first-win")
    data = {"order_id": "real-1", "email": "friend@example.org", "program": "focus", "ref": link.code}
    body = json.dumps({"type": "purchase.completed", "data": data}).encode()
    received = inbound.event_receive(
        source="api", external_id="real-1", event_type="purchase.completed", headers={}, body=body
    )
    inbound.event_process(event_id=received.event.pk)
    held = Conversion.objects.get(order_id="real-1")
    assert held.status == Status.HELD and held.hold_until < frozen + timedelta(days=30)
    WebhookEndpoint.objects.create(program=program, url=URL)  # the creator's endpoint, subscribed to everything
    return {"program": ProgramPage.objects.get(pk=program.pk), "link": link, "held": held}


def simulate(capsys, *args):
    call_command("simulate_cohort", "--program", "focus", "--students", STUDENTS, "--seed", "1", *args)
    return capsys.readouterr().out


def real_state(shop) -> dict:
    real = Student.objects.filter(simulated=False)
    assert Purchase.objects.filter(order_id="real-1", enrollment__student__simulated=False).exists()
    return {
        "students": list(real.order_by("pk").values_list("pk", "email", "simulated")),
        "conversions": list(Conversion.objects.filter(graduate__simulated=False).values_list("pk", "status")),
        "rewards": list(Reward.objects.filter(student__simulated=False).values_list("pk", "status")),
        "purchases": list(
            Purchase.objects.filter(enrollment__student__simulated=False).values_list("pk", "order_id", "refunded_at")
        ),
        "deliveries": list(WebhookDelivery.objects.order_by("pk").values_list("pk", "event_type")),
        "messages": list(Message.objects.filter(to_email__in=real.values("email")).values_list("pk", "status")),
    }


def test_the_breakdown_is_the_same_for_the_same_seed_and_has_every_case(shop, capsys):
    before = real_state(shop)
    first = json.loads(simulate(capsys, "--json"))
    assert json.loads(simulate(capsys, "--json")) == first
    c = first["conversions"]
    assert c["purchases"] > 0 and c["registrations"] > 0
    assert c["conversions"] == c["purchases"] + c["registrations"]
    # The platform reported some orders twice: one purchase, one conversion each.
    assert c["orders_reported_twice"] > 0 and c["purchases"] == c["orders_reported"]
    # Every case that must be refused is, with its reason.
    assert {"self_referral", "disposable", "not_first"} <= set(c["refused_by_reason"])
    assert c["refused"] >= 3  # plus-addressing and dotted Gmail both as self-referrals
    assert c["refused_by_reason"]["self_referral"] >= 2
    # The clock passed the hold: released, then some refunded after it (revoked), some during it (cancelled).
    assert c["released"] > 0 and c["revoked"] > 0 and c["cancelled"] > 0
    assert c["thank_yous_released"] > 0 and c["thank_yous_revoked"] == c["revoked"]
    # Rolled back: nothing real changed, nothing simulated is left.
    assert real_state(shop) == before
    assert not Student.objects.filter(simulated=True).exists()
    assert list(InboundEvent.objects.values_list("external_id", flat=True)) == ["real-1"]


def test_the_table_prints_the_conversions_next_to_the_funnel(shop, capsys):
    out = simulate(capsys)
    funnel, _, conversions_part = out.partition("friends' conversions:")
    assert "friends registered" in funnel and "completed" in funnel
    lines = conversions_part.splitlines()
    assert "purchases" in lines[0] and "of them twice (counted once)" in lines[0]
    labels = [line.split()[0] for line in lines[1:] if line.strip()]
    assert labels[:5] == ["held", "refused", "released", "revoked", "cancelled"]
    refused = next(line for line in lines if line.split()[0] == "refused")
    assert "self-referral" in refused and "disposable address" in refused and "not the first" in refused
    assert "thank-yous released" in out and "thank-yous revoked" in out


def test_a_kept_run_touches_nothing_real_and_sends_nothing_about_simulated_people(
    shop, capsys, django_capture_on_commit_callbacks
):
    before = real_state(shop)
    heard: list = []

    def spy(sender, **kwargs):
        heard.append(kwargs)

    for signal in (signals.conversion_approved, signals.conversion_refunded, signals.reward_released):
        signal.connect(spy)
    signals.reward_revoked.connect(spy)
    mail.outbox = []
    try:
        with django_capture_on_commit_callbacks(execute=True):  # the signals go after the commit
            out = simulate(capsys, "--keep")
        assert heard == []  # nothing announced about a simulated graduate, their friends or rewards
        # The real friend's held conversion was not released by the simulation's weeks-ahead release pass.
        assert real_state(shop) == before
        assert Conversion.objects.get(pk=shop["held"].pk).status == Status.HELD
        with django_capture_on_commit_callbacks(execute=True):
            conversions.conversions_release_due(now=FIXED + timedelta(days=400))  # the real pass, later
    finally:
        for signal in (signals.conversion_approved, signals.conversion_refunded, signals.reward_released):
            signal.disconnect(spy)
        signals.reward_revoked.disconnect(spy)
    assert "kept in the database" in out
    # The simulated purchases and their judgements are there, on simulated graduates only.
    simulated = Conversion.objects.filter(graduate__simulated=True)
    assert simulated.filter(source="api").exists()
    assert {Status.REFUSED, Status.REFUNDED, Status.CANCELLED} <= set(simulated.values_list("status", flat=True))
    # Self-referrals by plus-addressing and by the dotted Gmail form of a graduate's own address.
    selves = {c.friend_email: c for c in simulated if c.friend_inbox == mailbox(c.graduate.email)}
    assert any("+" in email for email in selves) and any(email.endswith("@googlemail.com") for email in selves)
    assert all(
        c.status == Status.REFUSED and "self_referral" in {r["code"] for r in c.reasons} for c in selves.values()
    )
    assert Reward.objects.filter(student__simulated=True).exists()
    # Every buyer is simulated too (their students never count), and no signal was sent about any of them.
    buyers = Student.objects.filter(email__in=simulated.values("friend_email"))
    assert buyers.exists() and not buyers.filter(simulated=False).exists()
    # No webhook and no email about a simulated person, even once the real passes ran later.
    later = FIXED + timedelta(days=400)
    mail_services.messages_send_due(now=later)
    sim_addresses = set(Student.objects.filter(simulated=True).values_list("email", flat=True))
    assert not [m for m in mail.outbox if sim_addresses & set(m.to)]
    assert not Message.objects.filter(to_email__in=sim_addresses, status="sent").exists()
    new = WebhookDelivery.objects.exclude(pk__in=[d[0] for d in before["deliveries"]])
    assert not [d.body for d in new if any(address in d.body for address in sim_addresses)]
    # The real friend's conversion is released by the real pass, for the real graduate.
    assert Conversion.objects.get(pk=shop["held"].pk).status == Status.APPROVED
    assert [kw["conversion"].pk for kw in heard if "conversion" in kw] == [shop["held"].pk]


def test_without_a_referral_plan_there_is_nothing_to_buy(program, frozen, capsys):
    c = json.loads(simulate(capsys, "--json"))["conversions"]
    assert c["conversions"] == 0 and c["orders_reported"] == 0


def test_a_simulated_graduate_s_reward_takes_no_code_and_announces_nothing(
    program, frozen, django_capture_on_commit_callbacks
):
    """What the simulation asks of the rewards code for a simulated graduate: made and released, but no code
    from the creator's bank, no webhook, no signal; refunded, revoked just as quietly."""
    from referrals.models import ReferralPlan
    from referrals.rewards import services as rewards
    from referrals.rewards.models import RewardCode, RewardKind, RewardStatus

    link = make_link(program, now=frozen - timedelta(days=1))
    ReferralPlan.objects.filter(program=program).update(reward_kind=RewardKind.CODE_BANK)
    rewards.codes_add(program=program, text="CODE-1\nCODE-2")
    WebhookEndpoint.objects.create(program=program, url=URL)
    Student.objects.filter(pk=link.student_id).update(simulated=True)
    conversion = conversions.conversion_record(
        program=program, email="friend@example.test", source="api", order_id="sim-1", codes={"ref": link.code}
    )
    heard: list = []

    def spy(sender, **kwargs):
        heard.append(kwargs)

    for signal in (signals.conversion_approved, signals.reward_released, signals.reward_revoked):
        signal.connect(spy)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            conversions.conversions_release_due(now=frozen + timedelta(days=15))
            conversion.refresh_from_db()
            [reward] = rewards.rewards_on_approved(conversion=conversion, now=frozen + timedelta(days=15))
            conversions.conversion_refund(source="api", order_id="sim-1", now=frozen + timedelta(days=16))
            conversion.refresh_from_db()
            rewards.rewards_on_refunded(conversion=conversion, now=frozen + timedelta(days=16))
    finally:
        for signal in (signals.conversion_approved, signals.reward_released, signals.reward_revoked):
            signal.disconnect(spy)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVOKED and reward.released_at is not None
    assert heard == []
    assert rewards.codes_left(program_id=program.pk) == 2 and not RewardCode.objects.filter(used=True).exists()
    assert not WebhookDelivery.objects.filter(event_type__startswith="reward.").exists()
    assert not WebhookDelivery.objects.filter(event_type="conversion.attributed").exists()
