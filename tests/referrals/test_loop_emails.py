"""The graduate's loops closed by email: told once when a friend joins (named only if the friend chose so),
and once when their thank-you is released (with what it did for the mission and, only when the ask's rules
and the contact budget allow, one more invitation), shipped (with the tracking note) or revoked (what was
taken back, in plain words). Nothing for a simulated graduate; a replayed signal sends nothing more."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from campaigns.models import Student
from cms.student_data import student_erase
from mailers import rendering
from mailers.models import Category, Message, Status
from mailers.services import contact_set_preferences
from referrals import leads, loops, signals
from referrals.conversions import services as conversions
from referrals.conversions.models import Conversion
from referrals.models import FriendLead, ReferralPlan
from referrals.rewards import services as rewards
from referrals.rewards.models import Reward, RewardKind
from tests.referrals.graduates import confirm, make_link, register

pytestmark = pytest.mark.django_db

GRADUATE = "maria@example.org"
# Late in the evening (a date taken in the wrong zone slips a day) and the middle of the day.
CLOCKS = [time(23, 30), time(12, 0)]


def at(clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, 11, 20), clock))


@pytest.fixture(autouse=True)
def clean():
    cache.clear()


def text_of(message: Message) -> str:
    rendered = rendering.render(
        kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
    )
    return f"{rendered.subject}\n{rendered.text}"


def prose(text: str) -> str:
    """The words of an email without its links: a signed token is random letters, and may spell "Jo"."""
    return re.sub(r"https?://\S+", "<link>", text)


def loop_mail(kind: str) -> list[Message]:
    return list(Message.objects.filter(kind=kind, to_email=GRADUATE))


def budget(*, spent: int, now: datetime, ago=timedelta(days=6, hours=23)) -> None:
    """The graduate's contact budget at ``now``: what the path to the ask sent is long gone, and
    ``spent`` marketing emails went ``ago``."""
    Message.objects.filter(to_email=GRADUATE).update(sent_at=now - timedelta(days=30))
    for n in range(spent):
        Message.objects.create(
            idempotency_key=f"spent:{n}",
            kind="referral_ask",
            category=Category.REFERRAL,
            to_email=GRADUATE,
            status=Status.SENT,
            sent_at=now - ago,
        )


def purchase(program, link, *, now, share_name=True, order="o1", email="jo@example.org"):
    """A friend who registered on the landing page (checkout hand-off) and paid, through the events API."""
    leads.lead_register(link=link, first_name="Jo", email=email, share_name=share_name, now=now - timedelta(hours=1))
    return conversions.conversion_record(program=program, email=email, source="api", order_id=order, now=now)


def released(conversion, *, now, captured) -> Reward:
    """The refund window passed (the pass) and the thank-you is released at ``now``."""
    conversions.conversions_release_due(now=conversion.hold_until)  # its own signal is not heard here
    conversion.refresh_from_db()
    with captured(execute=True):
        [reward] = rewards.rewards_on_approved(conversion=conversion, now=now)
    return reward


def checkout_link(program, now, **plan):
    link = make_link(program, now=now - timedelta(days=1), enrollment_mode="checkout")
    ReferralPlan.objects.filter(program=program).update(
        checkout_url="https://shop.example.org/buy", reward_booking_url="https://cal.example.org/bonus", **plan
    )
    return link


# --- A friend joined ---------------------------------------------------------------------------------


def test_the_landing_form_offers_the_choice_and_keeps_it(program, client):
    link = make_link(program)
    page = client.get(f"/join/{link.code}/").content.decode()
    assert 'name="share_name"' in page and "they see my first name, never my address" in page
    register(client, link, share_name="on")
    register(client, link, email="ann@example.org", first_name="Ann")
    assert FriendLead.objects.get(email="jo@example.org").name_consent_at is not None
    assert FriendLead.objects.get(email="ann@example.org").name_consent_at is None


@pytest.mark.parametrize("share", [True, False])
def test_a_confirmed_free_registration_is_one_email_naming_the_friend_only_with_their_consent(
    program, client, django_capture_on_commit_callbacks, share
):
    link = make_link(program)
    with django_capture_on_commit_callbacks(execute=True):
        register(client, link, **({"share_name": "on"} if share else {}))
        mail.outbox = []
        confirm(client)
        leads.lead_confirm(lead_id=FriendLead.objects.get().pk)  # a replayed confirmation
    [joined] = loop_mail("friend_joined")
    assert not loop_mail("friend_converted")  # confirming is the conversion: one email, not two
    body = text_of(joined)
    if share:
        assert "Through your link: Jo joined Program focus" in body
        assert "Through your special link, Jo just joined Program focus." in body
    else:
        assert "Through your link: a friend joined Program focus" in body and "Jo" not in prose(body)
    [sent] = [m for m in mail.outbox if GRADUATE in m.to[0]]  # and it went, once
    assert sent.subject == text_of(joined).splitlines()[0]


@pytest.mark.parametrize("clock", CLOCKS)
def test_a_purchase_credited_to_the_link_tells_the_graduate_once_with_when_the_thank_you_follows(
    program, django_capture_on_commit_callbacks, clock
):
    now = at(clock)
    link = checkout_link(program, now)
    with django_capture_on_commit_callbacks(execute=True):
        conversion = purchase(program, link, now=now)
    [joined] = loop_mail("friend_converted")
    body = text_of(joined)
    assert "Through your special link, Jo has joined Program focus." in body
    # Maria's zone (UTC here) decides the day: 14 days after the purchase.
    day = (now + timedelta(days=14)).astimezone(timezone.get_fixed_timezone(0))
    assert f"once the refund window has passed, on {day.day} {day:%B %Y}." in body
    # The same announcement heard again (a replayed signal), and a replayed purchase: still one.
    with django_capture_on_commit_callbacks(execute=True):
        signals.conversion_attributed.send(sender=Conversion, conversion=conversion)
        conversions.conversion_record(program=program, email="jo@example.org", source="api", order_id="o1", now=now)
    assert len(loop_mail("friend_converted")) == 1


def test_a_friend_who_did_not_choose_to_be_named_and_a_refused_purchase(program, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now)
    with django_capture_on_commit_callbacks(execute=True):
        purchase(program, link, now=now, share_name=False)
        # The graduate's own other inbox: a self-referral, refused, tells nobody anything.
        conversions.conversion_record(
            program=program, email="maria+2@example.org", source="api", order_id="o2", codes={"ref": link.code}
        )
    [joined] = loop_mail("friend_converted")
    assert "a friend has joined" in text_of(joined) and "Jo" not in prose(text_of(joined))


# --- The thank-you released ----------------------------------------------------------------------------


@pytest.mark.parametrize("clock", CLOCKS)
def test_the_released_email_says_what_it_is_what_it_did_for_the_mission_and_invites_once_more(
    program, django_capture_on_commit_callbacks, clock
):
    now = at(clock)
    link = checkout_link(program, now)
    conversion = purchase(program, link, now=now - timedelta(days=15))
    budget(spent=1, now=now)  # one marketing email in the last 7 days: room for one more
    reward = released(conversion, now=now, captured=django_capture_on_commit_callbacks)
    [message] = loop_mail("reward_released")
    body = text_of(message)
    assert "Your thank-you for bringing Jo is ready" in body
    assert "Because Jo joined through your link, your thank-you is ready: a bonus session" in body
    assert "https://cal.example.org/bonus" in body
    # The live count (100 before the engine, and Maria), in the ask's own words.
    assert "We are out to help families raise focused kids: 101 families so far, toward 1,000." in body
    assert "your link still works for them" in body and f"/r/{link.code}" in body
    assert message.category == Category.TRANSACTIONAL
    # Heard again: still one email, so one invitation for this thank-you.
    with django_capture_on_commit_callbacks(execute=True):
        signals.reward_released.send(sender=Reward, reward=reward)
        rewards.rewards_on_approved(conversion=conversion, now=now)
    assert len(loop_mail("reward_released")) == 1


@pytest.mark.parametrize("clock", CLOCKS)
def test_no_invitation_when_the_contact_budget_is_spent(program, django_capture_on_commit_callbacks, clock):
    now = at(clock)
    link = checkout_link(program, now)
    conversion = purchase(program, link, now=now - timedelta(days=15))
    budget(spent=2, now=now)  # 2 in 7 days: the budget is full until the first leaves the window
    released(conversion, now=now, captured=django_capture_on_commit_callbacks)
    [message] = loop_mail("reward_released")
    body = text_of(message)
    assert "101 families so far" in body  # the mission line stays
    assert "your link still works" not in body and f"/r/{link.code}" not in body


def test_sends_just_outside_the_window_leave_room(program, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now)
    conversion = purchase(program, link, now=now - timedelta(days=15))
    budget(spent=2, now=now, ago=timedelta(days=7, minutes=1))
    released(conversion, now=now, captured=django_capture_on_commit_callbacks)
    assert "your link still works" in text_of(loop_mail("reward_released")[0])


def test_no_invitation_when_the_plan_would_credit_no_next_friend(program, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now, reward_cap=1)  # one friend per 30 days: this one was it
    conversion = purchase(program, link, now=now - timedelta(days=15))
    budget(spent=0, now=now)
    reward = released(conversion, now=now, captured=django_capture_on_commit_callbacks)
    assert "your link still works" not in text_of(loop_mail("reward_released")[0])
    assert "cap" in loops.invite_refusal(reward=reward, plan=ReferralPlan.objects.get(), now=now)


def test_no_invitation_to_a_graduate_who_stopped_referral_asks(program, django_capture_on_commit_callbacks):
    now = at(time(12, 0))
    link = checkout_link(program, now)
    conversion = purchase(program, link, now=now - timedelta(days=15))
    budget(spent=0, now=now)
    contact_set_preferences(email=GRADUATE, program_emails=True, referral_asks=False)
    released(conversion, now=now, captured=django_capture_on_commit_callbacks)
    [message] = loop_mail("reward_released")
    assert "your link still works" not in text_of(message) and "ready" in text_of(message)


def test_a_code_is_never_in_the_email_and_two_friends_are_named_as_they_chose(
    program, django_capture_on_commit_callbacks
):
    now = at(time(23, 30))
    link = checkout_link(program, now, reward_kind=RewardKind.CODE_BANK, reward_every=2)
    rewards.codes_add(program=program, text="SECRET-CODE-1")
    first = purchase(program, link, now=now - timedelta(days=16))
    second = purchase(program, link, now=now - timedelta(days=15), share_name=False, order="o2", email="al@example.org")
    conversions.conversions_release_due(now=second.hold_until)
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        rewards.rewards_on_approved(conversion=first, now=now)
    body = text_of(loop_mail("reward_released")[0])
    assert "bringing Jo and a friend is ready" in body
    assert "your code is on your page" in body and "SECRET-CODE-1" not in body and "/me/" in body


def test_an_erased_friend_is_a_friend(program, client, django_capture_on_commit_callbacks):
    link = make_link(program)
    register(client, link, share_name="on")
    confirm(client)
    jo = Student.objects.get(email="jo@example.org")
    student_erase(student=jo, actor="test", reason="asked to be forgotten")
    conversion = Conversion.objects.get()
    released(conversion, now=at(time(23, 30)), captured=django_capture_on_commit_callbacks)
    body = text_of(loop_mail("reward_released")[0])
    assert "Because a friend joined through your link" in body and "Jo" not in prose(body)


# --- Shipped and revoked ------------------------------------------------------------------------------


def test_a_shipped_gift_is_told_once_with_its_tracking_note(program, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now, reward_kind=RewardKind.GIFT)
    reward = released(
        purchase(program, link, now=now - timedelta(days=15)), now=now, captured=django_capture_on_commit_callbacks
    )
    assert "Tell us on your page where to send it" in text_of(loop_mail("reward_released")[0])
    address = {"ship_name": "Maria Lopez", "ship_line1": "1 Rue X", "ship_city": "Lyon", "ship_country": "France"}
    rewards.reward_set_address(reward_id=reward.pk, student_id=reward.student_id, data=address)
    with django_capture_on_commit_callbacks(execute=True):
        rewards.reward_mark_shipped(reward_id=reward.pk, user=None, tracking_note="La Poste 6A123456789", now=now)
    reward.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        signals.reward_shipped.send(sender=Reward, reward=reward)  # replayed
    [shipped] = loop_mail("reward_shipped")
    body = text_of(shipped)
    assert "Your thank-you gift is on its way" in body and "Tracking: La Poste 6A123456789" in body
    assert "bringing Jo to Program focus" in body


def test_a_revoked_thank_you_says_what_was_taken_back_once(program, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now)
    reward = released(
        purchase(program, link, now=now - timedelta(days=15)), now=now, captured=django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        conversions.conversion_refund(source="api", order_id="o1", now=now + timedelta(days=1))
    reward.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        signals.reward_revoked.send(sender=Reward, reward=reward, explanation="replayed")
    [revoked] = loop_mail("reward_revoked")
    body = text_of(revoked)
    assert "Your friend's purchase was refunded, so this thank-you is cancelled." in body
    assert "The booking link is no longer offered; a session you booked already stands." in body
    assert "replayed" not in body and "Your link works as before" in body


# --- Nobody's graduates ----------------------------------------------------------------------------


def test_a_simulated_graduate_gets_no_loop_email(program, client, django_capture_on_commit_callbacks):
    now = at(time(23, 30))
    link = checkout_link(program, now, reward_kind=RewardKind.GIFT)
    Student.objects.filter(email=GRADUATE).update(simulated=True)
    with django_capture_on_commit_callbacks(execute=True):
        conversion = purchase(program, link, now=now - timedelta(days=15))
    # The engine never announces a simulated graduate's conversions; heard anyway, nothing is written.
    with django_capture_on_commit_callbacks(execute=True):
        signals.conversion_attributed.send(sender=Conversion, conversion=conversion)
    conversions.conversions_release_due(now=conversion.hold_until)
    [reward] = rewards.rewards_on_approved(conversion=Conversion.objects.get(), now=now)
    for send in (signals.reward_released, signals.reward_shipped):
        send.send(sender=Reward, reward=reward)
    signals.reward_revoked.send(sender=Reward, reward=reward, explanation="x")
    assert not Message.objects.filter(
        to_email=GRADUATE, kind__in=["friend_converted", "reward_released", "reward_shipped", "reward_revoked"]
    ).exists()


def test_a_simulated_graduate_is_not_told_a_friend_registered(program, client, django_capture_on_commit_callbacks):
    link = make_link(program)
    Student.objects.filter(email=GRADUATE).update(simulated=True)
    register(client, link, share_name="on")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client)
    assert not loop_mail("friend_joined")
