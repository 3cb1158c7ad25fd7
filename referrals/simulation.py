"""Simulated graduates passing their special links on (for ``simulate_cohort``): friends click,
mail scanners and link previews click too (they must not count), some friends register, some buy.

Clicks go through the view's own path (``clicks.visit_record``: the robot check, then the click
statement ``ReferralClick.objects.record``), so a simulated run records what real visits would.

Purchases and refunds are the course platform's to report: ``platform.purchase`` / ``platform.refund``
(``integrations/simulation.py``: ``purchase.completed`` / ``purchase.refunded`` through the integrations
services, or signed to the events API with ``--via api``), so the handler, attribution and validation
(``referrals/conversions``) judge them as they judge real ones. Besides plain friends, the cases that must
be refused or revoked are tried, the first time a purchase can be each: the graduate buying through their
own link (plus-addressing, and dotted Gmail for a graduate at Gmail), a disposable address domain, a friend
who registered already buying (not the first), the same friend buying twice, the same order reported twice,
a refund inside the hold (cancelled) and after the release (revoked).

The simulated clock passes the refund hold, and each simulated day releases what is due of the cohort's
graduates' conversions (and nobody else's). Their ``conversion_approved`` / ``conversion_refunded`` signals
are never sent (``referrals/signals.py``), so for the figures this module calls the rewards code itself,
which announces nothing for a simulated graduate: no loop email, no webhook.
"""

from dataclasses import dataclass, field

from campaigns import simulation
from campaigns.models import Enrollment, Student
from referrals import clicks, leads, services
from referrals.conversions import services as conversions
from referrals.conversions.models import Conversion, Status
from referrals.models import FriendLead, LeadStatus, ReferralLink
from referrals.rewards import services as rewards
from referrals.rewards.models import Reward, RewardStatus
from referrals.selectors import plan_for

SHARE_PER_DAY = 0.3  # chance a graduate with a link passes it on today
PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
NOT_PEOPLE = [
    ("GET", "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"),
    ("GET", "Microsoft Office/16.0 (Windows NT 10.0; SafeLinks)"),
    ("GET", "WhatsApp/2.23.20 A"),
    ("HEAD", PERSON),
    ("GET", ""),
]
REGISTERS = 0.3  # share of clicking friends who register
BUYS = 0.5  # share of the other clicking friends who buy
DISPOSABLE_DOMAIN = "mailinator.com"  # on the disposable-domains list the validation reads
AFTER_RELEASE_DAYS = 5  # a refund after the release comes 1 to this many days after it
# The cases each run tries first, in this order, as purchases come (then drawn at random): (who buys, then).
FIRST_CASES = [
    ("friend", "refund_after_release"),
    ("self_plus", None),
    ("disposable", None),
    ("friend", "replay"),
    ("friend", "refund_in_hold"),
    ("self_gmail", None),
    ("lead", None),
    ("friend", "again"),
]
BUYERS = [("friend", 0.6), ("self_plus", 0.05), ("self_gmail", 0.05), ("disposable", 0.15), ("lead", 0.15)]
THEN = [(None, 0.55), ("refund_in_hold", 0.15), ("refund_after_release", 0.15), ("replay", 0.1), ("again", 0.05)]


@dataclass
class _Purchases:
    """One run's purchases as the platform reported them (per cohort; the rest is read from the database)."""

    cases: list = field(default_factory=lambda: list(FIRST_CASES))
    orders: int = 0
    replays: int = 0
    refunds: int = 0
    later: dict = field(default_factory=dict)  # day -> [("refund", order id) | ("buy", link id, email, name)]
    bought: set = field(default_factory=set)  # the addresses that bought


_RUNS: dict[str, _Purchases] = {}


def graduates_share_links(*, program, cohort: str, day: int, now, rng, platform=None) -> None:
    if hasattr(platform, "purchase"):
        _release_and_refund(program=program, cohort=cohort, day=day, now=now, platform=platform)
    links = (
        ReferralLink.objects.filter(
            program=program, student__enrollments__program=program, student__enrollments__cohort=cohort
        )
        .select_related("student", "program")
        .order_by("pk")
    )
    for link in links:
        if rng.random() >= SHARE_PER_DAY:
            continue
        services.link_mark_shared(link=link, now=now)
        for _ in range(rng.randint(0, 2)):  # scanners and previews open it as the message arrives
            method, agent = rng.choice(NOT_PEOPLE)
            clicks.visit_record(
                code=link.code, visitor=f"{rng.getrandbits(128):032x}", method=method, user_agent=agent, now=now
            )
        for index in range(rng.randint(0, 2)):
            visitor = f"{rng.getrandbits(128):032x}"
            for _ in range(rng.randint(1, 2)):  # opening it twice the same day counts once
                clicks.visit_record(code=link.code, visitor=visitor, method="GET", user_agent=PERSON, now=now)
            registers = rng.random() < REGISTERS
            if not registers and rng.random() < BUYS and hasattr(platform, "purchase"):
                _friend_buys(
                    link=link, program=program, cohort=cohort, day=day, index=index, now=now, rng=rng, platform=platform
                )
            if registers:
                lead = leads.lead_register(
                    link=link,
                    first_name=f"Friend{day}x{index}",
                    email=f"friend.{link.code.lower()}.{day}.{index}@example.test",
                    marketing_consent=True,
                    now=now,
                )
                leads.lead_confirm(lead_id=lead.pk, now=now)  # the simulated friend opens the email
                # A friend is as simulated as the graduate who brought them (their student, now enrolled).
                simulation.person_mark_simulated(email=lead.email)


def friends_brought(*, cohort: str):
    """The simulated people the cohort's graduates brought: the students of their confirmed friends (the
    ticks act on them too) and every friend's address (the run's end withholds what is left to send them)."""
    leads_of_cohort = FriendLead.objects.filter(link__student__enrollments__cohort=cohort)
    return leads_of_cohort.filter(student__isnull=False).values("student_id"), leads_of_cohort.values("email")


def buyers_brought(*, cohort: str):
    """The people who bought through the cohort's graduates' links (or as them): their students (the ticks
    act on them too) and their addresses (the run's end withholds what is left to send them)."""
    buyers = _conversions(cohort).values("friend_email")
    return Student.objects.filter(email__in=buyers).values("pk"), buyers


def extra_days(*, program) -> int:
    """Past the run's tail: the refund hold and a little more, so conversions are released and refunded."""
    plan = plan_for(program.pk)
    return 0 if plan is None else plan.refund_window_days + AFTER_RELEASE_DAYS + 2


def _graduates(cohort: str):
    return Enrollment.objects.filter(cohort=cohort).values("student_id")


def _conversions(cohort: str):
    return Conversion.objects.filter(graduate_id__in=_graduates(cohort))


def _pick(rng, choices):
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def _friend_buys(*, link, program, cohort: str, day: int, index: int, now, rng, platform) -> None:
    run = _RUNS.setdefault(cohort, _Purchases())
    graduate = link.student.email
    at_gmail = graduate.endswith("@gmail.com")
    lead = (
        FriendLead.objects.filter(via_link=link, status=LeadStatus.ENROLLED)
        .exclude(email__in=run.bought)
        .order_by("pk")
        .first()
    )
    fits = {"self_gmail": at_gmail, "lead": lead is not None}
    who, then = next(((w, t) for w, t in run.cases if fits.get(w, True)), (None, None))
    if who is None:
        who, then = _pick(rng, [(w, p) for w, p in BUYERS if fits.get(w, True)]), None
    else:
        run.cases.remove((who, then))
    if who == "friend" and then is None:
        then = _pick(rng, THEN)
    local, _, domain = graduate.rpartition("@")
    name = f"Buyer{day}x{index}"
    if who == "self_plus":
        email = f"{local}+course@{domain}"
    elif who == "self_gmail":
        email = f"{local[0]}.{local[1:]}@googlemail.com"  # the same inbox at Gmail
    elif who == "disposable":
        email = f"buyer.{link.code.lower()}.{day}.{index}@{DISPOSABLE_DOMAIN}"
    elif who == "lead":
        email, name = lead.email, lead.first_name
    else:
        email = f"buyer.{link.code.lower()}.{day}.{index}@example.test"
    order_id = _buy(
        run=run, link=link, program=program, cohort=cohort, email=email, name=name, now=now, platform=platform
    )
    hold = plan_for(program.pk).refund_window_days
    if then == "replay":
        # The platform reports the same order again (a retried webhook under a new id): it counts once.
        platform.purchase(program=program, email=email, first_name=name, order_id=order_id, ref=link.code, now=now)
        run.replays += 1
    elif then == "refund_in_hold" and hold > 1:
        run.later.setdefault(day + rng.randint(1, hold - 1), []).append(("refund", order_id))
    elif then == "refund_after_release":
        run.later.setdefault(day + hold + rng.randint(1, AFTER_RELEASE_DAYS), []).append(("refund", order_id))
    elif then == "again":
        run.later.setdefault(day + rng.randint(2, 6), []).append(("buy", link.pk, email, name))


def _buy(*, run, link, program, cohort, email, name, now, platform) -> str:
    run.orders += 1
    order_id = f"{cohort}-order-{run.orders}"
    platform.purchase(program=program, email=email, first_name=name, order_id=order_id, ref=link.code, now=now)
    run.bought.add(email)
    # The buyer is as simulated as the graduate whose link (or inbox) they bought through.
    simulation.person_mark_simulated(email=email)
    return order_id


def _release_and_refund(*, program, cohort: str, day: int, now, platform) -> None:
    """Today's release pass (the cohort's graduates only), their rewards, then the refunds and second
    purchases that fall due today."""
    conversions.conversions_release_due(now=now, graduate_ids=_graduates(cohort))
    _reward_approved(cohort=cohort, now=now)
    run = _RUNS.get(cohort)
    if run is None:
        return
    for item in run.later.pop(day, []):
        if item[0] == "refund":
            platform.refund(order_id=item[1], now=now)
            run.refunds += 1
            refunded = Conversion.objects.filter(order_id=item[1], status=Status.REFUNDED).first()
            if refunded is not None:
                rewards.rewards_on_refunded(conversion=refunded, now=now)  # what the signal's receiver does
        else:
            link = ReferralLink.objects.select_related("student").get(pk=item[1])
            _buy(
                run=run,
                link=link,
                program=program,
                cohort=cohort,
                email=item[2],
                name=item[3],
                now=now,
                platform=platform,
            )


def _reward_approved(*, cohort: str, now) -> None:
    """What ``conversion_approved``'s receiver would do, once per graduate with approved friends not yet
    thanked (the rewards code counts all of that graduate's at once)."""
    waiting = _conversions(cohort).filter(status=Status.APPROVED, is_first=True, rewards=None).order_by("pk")
    thanked = set()
    for conversion in waiting:
        if conversion.graduate_id not in thanked:
            thanked.add(conversion.graduate_id)
            rewards.rewards_on_approved(conversion=conversion, now=now)


def conversions_report(*, cohort: str) -> tuple[str, dict]:
    """The friends' conversions of the cohort's graduates as validation left them at the end of the run."""
    rows = list(_conversions(cohort).values("source", "status", "reasons", "approved_at"))
    run = _RUNS.pop(cohort, _Purchases())
    refused: dict[str, int] = {}
    for row in rows:
        if row["status"] == Status.REFUSED:
            for reason in row["reasons"] or []:
                refused[reason.get("code", "?")] = refused.get(reason.get("code", "?"), 0) + 1
    count = lambda *statuses: sum(1 for row in rows if row["status"] in statuses)  # noqa: E731
    thank_yous = Reward.objects.filter(student_id__in=_graduates(cohort))
    return "conversions", {
        "conversions": len(rows),
        "purchases": sum(1 for row in rows if row["source"]),
        "registrations": sum(1 for row in rows if not row["source"]),
        "orders_reported": run.orders,
        "orders_reported_twice": run.replays,
        "refunds_reported": run.refunds,
        "held": count(Status.HELD, Status.REVIEW),
        "held_for_review": count(Status.REVIEW),
        "refused": count(Status.REFUSED),
        "refused_by_reason": dict(sorted(refused.items())),
        "unattributed": count(Status.UNATTRIBUTED),
        "released": sum(1 for row in rows if row["approved_at"] is not None),
        "cancelled": count(Status.CANCELLED),
        "revoked": count(Status.REFUNDED),
        "thank_yous_released": thank_yous.filter(released_at__isnull=False).count(),
        "thank_yous_revoked": thank_yous.filter(status=RewardStatus.REVOKED).count(),
    }
