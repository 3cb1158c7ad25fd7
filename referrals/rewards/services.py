"""The graduate's thank-you: made when its rule is met, released by its kind, revoked on a refund.

Rule (referrals/rewards/rules.py): with thank-you tiers, one reward per tier, once, when the graduate's
approved friends reach its threshold (unique per student, program and tier); without, one thank-you for
every ``plan.reward_every`` approved friends (1 by default: "when one friend joins"). Each is the
graduate's ``number``-th in the program, unique, and the graduate's link row is locked while counting, so
two approvals at once make one reward, never two.

Kinds: a booking link (released at once with the plan's URL), a code from the program's bank (one
unused code taken under ``select_for_update(skip_locked=True)``; an empty bank leaves the reward
``owed`` with the reason "code bank empty" until codes are added), a physical gift (released: the
graduate enters an address in their hub, staff mark it shipped → ``fulfilled``), access to another
program or an early-access release (a target program of this engine: the graduate is enrolled in it by
the campaigns service, journaled with the actor ``reward:<id>``; a target elsewhere: the creator's
platform grants it on the outbound ``reward.released`` webhook, which names the kind and the target).

A code counts as used once the hub has shown it: revoking then cannot take it back. An unshown code goes
back to the bank. Revoking access withdraws the enrollment the reward created, and only that one.
Loop emails are not sent here: the signals in referrals/signals.py are the seam.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from campaigns import services as engine
from campaigns.events import EngineEvent
from campaigns.models import Enrollment, JourneyEvent, Stage
from referrals.conversions.models import Conversion, Status
from referrals.models import ReferralLink
from referrals.rewards import payloads
from referrals.rewards.models import ACCESS_KINDS, Reward, RewardCode, RewardKind, RewardStatus
from referrals.rewards.rules import tiers_for
from referrals.selectors import plan_for
from referrals.signals import reward_released, reward_revoked, reward_shipped

CODE_BANK_EMPTY = "code bank empty"
LOW_CODES = 10
MAX_CODE_CHARS = 100
MAX_UPLOAD_CODES = 5000


class RewardError(Exception):
    pass


def _announce(signal, reward: Reward, **extra) -> None:
    if reward.student.simulated:
        return  # simulate_cohort's graduates: no loop email hears of their rewards
    transaction.on_commit(lambda: signal.send(sender=Reward, reward=reward, **extra))


def _release(reward: Reward, *, plan, now: datetime) -> None:
    """Give the thank-you by its kind (the reward row is the caller's, in its transaction). A simulated
    graduate's code-bank reward is released without a code: the bank's codes are the creator's, for real
    graduates."""
    if reward.kind == RewardKind.CODE_BANK and not reward.student.simulated:
        code = (
            RewardCode.objects.select_for_update(skip_locked=True)
            .filter(program_id=reward.program_id, reward__isnull=True, used=False)
            .order_by("id")
            .first()
        )
        if code is None:
            reward.status, reward.reason = RewardStatus.OWED, CODE_BANK_EMPTY
            reward.save(update_fields=["status", "reason"])
            return
        code.reward, code.assigned_at = reward, now
        code.save(update_fields=["reward", "assigned_at"])
    elif reward.kind == RewardKind.BOOKING_LINK:
        reward.booking_url = reward.booking_url or (plan.reward_booking_url if plan else "")
    elif reward.kind in ACCESS_KINDS and reward.target_program_id:
        reward.enrollment = _enroll(reward, now=now)
    reward.status, reward.reason, reward.released_at = RewardStatus.RELEASED, "", now
    reward.save(update_fields=["status", "reason", "released_at", "booking_url", "enrollment"])
    payloads.reward_released(reward=reward, now=now)
    _announce(reward_released, reward)


def _actor(reward: Reward) -> str:
    return f"reward:{reward.pk}"


def _enroll(reward: Reward, *, now: datetime) -> Enrollment | None:
    """Enroll the graduate in the reward's target program; the enrollment only when this reward created
    it (a graduate already enrolled keeps theirs, and a revocation will not touch it)."""
    target = reward.target_program
    if Enrollment.objects.filter(student_id=reward.student_id, program=target).exists():
        return None
    enrollment = engine.enrollment_create(
        student=reward.student,
        program=target,
        actor=_actor(reward),
        reason=f"a thank-you for referring friends ({reward.get_kind_display().lower()})",
        now=now,
    )
    # enrollment_create returns an enrollment made a moment ago by someone else: that one is not ours.
    ours = JourneyEvent.objects.filter(enrollment=enrollment, kind=EngineEvent.ENROLLED, actor=_actor(reward))
    return enrollment if ours.exists() else None


def _next_number(*, student_id: int, program_id: int) -> int:
    top = Reward.objects.filter(student_id=student_id, program_id=program_id).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _create(*, student_id: int, program_id: int, now: datetime, **fields) -> Reward | None:
    """The reward row, or None when a concurrent approval made it a moment ago (it stands)."""
    try:
        with transaction.atomic():
            return Reward.objects.create(
                student_id=student_id,
                program_id=program_id,
                number=_next_number(student_id=student_id, program_id=program_id),
                created_at=now,
                **fields,
            )
    except IntegrityError:
        return None


@transaction.atomic
def rewards_on_approved(*, conversion: Conversion, now: datetime | None = None) -> list[Reward]:
    """Make (and release) every thank-you the graduate's approved friends now earn. Idempotent."""
    now = now or timezone.now()
    plan = plan_for(conversion.program_id)
    if plan is None or conversion.graduate_id is None:
        return []
    tiers = tiers_for(conversion.program_id)
    if not tiers and not plan.has_thank_you:
        return []
    student_id, program_id = conversion.graduate_id, conversion.program_id
    # One graduate's rewards are counted one approval at a time (the lock waits for the other one).
    list(ReferralLink.objects.select_for_update().filter(student_id=student_id, program_id=program_id))
    approved = Conversion.objects.filter(
        graduate_id=student_id, program_id=program_id, is_first=True, status=Status.APPROVED
    ).order_by("approved_at", "pk")
    if tiers:
        return _tier_rewards(tiers, approved=list(approved), plan=plan, now=now)
    uncredited = list(approved.filter(rewards=None))
    every = max(plan.reward_every, 1)
    made = []
    while len(uncredited) >= every:
        batch, uncredited = uncredited[:every], uncredited[every:]
        reward = _create(
            student_id=student_id,
            program_id=program_id,
            now=now,
            kind=plan.reward_kind,
            description=plan.thank_you_text[:255],
            booking_url=plan.reward_booking_url,
            target_program_id=plan.reward_target_program_id,
            target_ref=plan.reward_target_ref,
        )
        if reward is None:
            break  # another approval made this one a moment ago: it stands
        reward.conversions.set(batch)
        _release(reward, plan=plan, now=now)
        made.append(reward)
    return made


def _tier_rewards(tiers: list, *, approved: list[Conversion], plan, now: datetime) -> list[Reward]:
    """Each tier the approved friends reach and the graduate has not had yet: its reward, once. It counts
    the friends that brought the count there and no earlier reward counted (a refund of one revokes it)."""
    if not approved:
        return []
    student_id, program_id = approved[0].graduate_id, approved[0].program_id
    given = set(
        Reward.objects.filter(student_id=student_id, program_id=program_id, tier_friends__isnull=False).values_list(
            "tier_friends", flat=True
        )
    )
    credited = set(
        Conversion.objects.filter(pk__in=[c.pk for c in approved], rewards__isnull=False).values_list("pk", flat=True)
    )
    made = []
    for tier in tiers:
        if tier.friends in given or len(approved) < tier.friends:
            continue
        reward = _create(
            student_id=student_id,
            program_id=program_id,
            now=now,
            kind=tier.kind,
            tier_friends=tier.friends,
            description=tier.description[:255],
            booking_url=tier.booking_url,
            target_program_id=tier.target_program_id,
            target_ref=tier.target_ref,
        )
        if reward is None:
            continue  # made a moment ago by a concurrent approval: it stands
        batch = [c for c in approved[: tier.friends] if c.pk not in credited]
        credited.update(c.pk for c in batch)
        reward.conversions.set(batch)
        _release(reward, plan=plan, now=now)
        made.append(reward)
    return made


def rewards_release_owed(*, program_id: int, now: datetime | None = None) -> int:
    """Release the program's code-bank rewards owed for want of codes, oldest first, while codes last."""
    now = now or timezone.now()
    plan = plan_for(program_id)
    released = 0
    with transaction.atomic():
        owed = Reward.objects.select_for_update(skip_locked=True).filter(
            program_id=program_id, status=RewardStatus.OWED, kind=RewardKind.CODE_BANK, student__simulated=False
        )
        for reward in owed.order_by("created_at", "pk"):
            _release(reward, plan=plan, now=now)
            if reward.status != RewardStatus.RELEASED:
                break
            released += 1
    return released


def parse_codes(text: str) -> tuple[list[str], list[str]]:
    """(codes, problems) from pasted text: one code a line (commas and spaces separate too)."""
    codes, problems, seen = [], [], set()
    for raw in (text or "").replace(",", "\n").split():
        code = raw.strip()
        if len(code) > MAX_CODE_CHARS:
            problems.append(f"“{code[:20]}…” is longer than {MAX_CODE_CHARS} characters.")
        elif code in seen:
            problems.append(f"“{code}” appears twice in what you pasted.")
        else:
            seen.add(code)
            codes.append(code)
    if not codes and not problems:
        problems.append("Paste at least one code, one a line.")
    if len(codes) > MAX_UPLOAD_CODES:
        problems.append(f"At most {MAX_UPLOAD_CODES} codes at a time.")
    return codes, problems


def codes_add(*, program, text: str, now: datetime | None = None) -> tuple[int, list[str]]:
    """Add pasted codes to the program's bank: (how many added, problems). Nothing is added when the
    text has a problem; a code already in the bank is skipped and named. Then owed rewards are released."""
    now = now or timezone.now()
    codes, problems = parse_codes(text)
    if problems:
        return 0, problems
    existing = set(RewardCode.objects.filter(program=program, code__in=codes).values_list("code", flat=True))
    notes = [f"“{code}” is already in the bank: skipped." for code in codes if code in existing]
    new = [RewardCode(program=program, code=code, added_at=now) for code in codes if code not in existing]
    RewardCode.objects.bulk_create(new, ignore_conflicts=True)
    rewards_release_owed(program_id=program.pk, now=now)
    return len(new), notes


def codes_left(*, program_id: int) -> int:
    return RewardCode.objects.filter(program_id=program_id, reward__isnull=True, used=False).count()


def _take_back(reward: Reward) -> str:
    """Undo what can be undone of one reward; what the graduate reads about it."""
    lead = "Your friend's purchase was refunded, so this thank-you is cancelled."
    if reward.status == RewardStatus.OWED:
        return f"{lead} It had not been given yet."
    if reward.kind == RewardKind.CODE_BANK:
        code = RewardCode.objects.select_for_update().filter(reward=reward).first()
        if code is not None and reward.code_shown_at is None:
            code.reward, code.assigned_at = None, None
            code.save(update_fields=["reward", "assigned_at"])
            return f"{lead} Your code had not been shown to you yet, so it no longer works."
        if code is not None:
            code.used = True
            code.save(update_fields=["used"])
        return f"{lead} You had already seen your code, so we cannot take it back: it is yours to keep."
    if reward.kind in ACCESS_KINDS:
        return f"{lead} {_withdraw_access(reward)}"
    if reward.kind == RewardKind.GIFT:
        if reward.status == RewardStatus.FULFILLED:
            return f"{lead} Your gift was already on its way: it is yours to keep."
        return f"{lead} We will not ship the gift."
    return f"{lead} The booking link is no longer offered; a session you booked already stands."


def _withdraw_access(reward: Reward) -> str:
    """Withdraw the enrollment this reward created (only that one); the sentence saying what happened."""
    target = reward.target_program
    if target is None:
        where = f" ({reward.target_ref})" if reward.target_ref else ""
        return f"We have told the course platform to withdraw the access it gave{where}."
    if reward.enrollment_id is None:
        return f"You were already enrolled in {target.title} before this thank-you: that enrollment stays."
    enrollment = Enrollment.objects.select_for_update().get(pk=reward.enrollment_id)
    if enrollment.stage != Stage.WITHDRAWN:
        engine.enrollment_withdraw(
            enrollment=enrollment, actor=_actor(reward), reason="thank-you revoked: a friend's refund"
        )
    return f"The access to {target.title} it gave you is withdrawn."


@transaction.atomic
def rewards_on_refunded(*, conversion: Conversion, now: datetime | None = None) -> list[Reward]:
    """A friend's refund after approval: revoke the rewards it counted towards (once)."""
    now = now or timezone.now()
    revoked = []
    rewards = Reward.objects.select_for_update().filter(conversions=conversion).exclude(status=RewardStatus.REVOKED)
    for reward in rewards.order_by("pk"):
        explanation = _take_back(reward)
        reward.status, reward.reason, reward.revoked_at = RewardStatus.REVOKED, explanation[:255], now
        reward.save(update_fields=["status", "reason", "revoked_at"])
        payloads.reward_revoked(reward=reward, now=now)
        _announce(reward_revoked, reward, explanation=explanation)
        revoked.append(reward)
    return revoked


@transaction.atomic
def reward_mark_shipped(*, reward_id: int, user, tracking_note: str, now: datetime | None = None) -> Reward:
    now = now or timezone.now()
    note = (tracking_note or "").strip()
    reward = Reward.objects.select_for_update().get(pk=reward_id)
    if reward.kind != RewardKind.GIFT:
        raise RewardError("Only a physical gift is shipped.")
    if reward.status != RewardStatus.RELEASED:
        raise RewardError(f"This thank-you is {reward.get_status_display().lower()}: nothing to ship.")
    if not reward.has_address:
        raise RewardError("The graduate has not entered a shipping address yet.")
    if not note:
        raise RewardError("Write a tracking note (carrier and tracking number, or how it was sent).")
    name = (user.get_full_name() or user.get_username()) if user else "staff"
    reward.status, reward.tracking_note, reward.shipped_at, reward.shipped_by = (
        RewardStatus.FULFILLED,
        note[:500],
        now,
        name[:150],
    )
    reward.save(update_fields=["status", "tracking_note", "shipped_at", "shipped_by"])
    _announce(reward_shipped, reward)
    return reward


ADDRESS_FIELDS = ("ship_name", "ship_line1", "ship_line2", "ship_postcode", "ship_city", "ship_country")


@transaction.atomic
def reward_set_address(*, reward_id: int, student_id: int, data: dict, now: datetime | None = None) -> Reward:
    """The graduate's shipping address for their gift (until it is shipped)."""
    now = now or timezone.now()
    reward = Reward.objects.select_for_update().get(pk=reward_id, student_id=student_id)
    if reward.kind != RewardKind.GIFT or reward.status != RewardStatus.RELEASED:
        raise RewardError("This thank-you no longer needs an address.")
    for field in ADDRESS_FIELDS:
        setattr(reward, field, data.get(field, ""))
    reward.address_at = now
    reward.save(update_fields=[*ADDRESS_FIELDS, "address_at"])
    return reward


def reward_code_shown(*, reward: Reward, now: datetime | None = None) -> None:
    """The hub showed the code: from now on it counts as used (a refund cannot return it to the bank)."""
    if reward.code_shown_at is None:
        now = now or timezone.now()
        Reward.objects.filter(pk=reward.pk, code_shown_at__isnull=True).update(code_shown_at=now)
        RewardCode.objects.filter(reward=reward).update(used=True)
        reward.code_shown_at = now
