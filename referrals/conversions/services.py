"""Conversions: attributed with evidence, validated with reasons, held, reviewed, released.

A conversion is a friend's confirmed free registration (``referrals.leads.lead_confirm``) or a purchase
(``integrations.handlers.purchase_completed``, from the events API or a platform adapter). It is
attributed to a graduate's link by

1. the friend's lead: the link the friend registered through, if that is a valid referrer (not their
   own inbox, not revoked) and they registered within the program's attribution window before the
   conversion. A friend is bound to the first referrer once, when their lead is created; a later code
   of another graduate does not take them (the code is kept in the evidence as "not used");
2. else the referral code it carries: ``ref`` (Stripe's ``client_reference_id`` lands there), the
   friend's coupon, the platform's affiliate field, each matched against the program's link codes;
3. else nobody (``Rule.NONE``), recorded all the same: it is the friend's first conversion, so a later
   one cannot earn anybody a thank-you.

Then validated, every reason recorded: the first conversion per friend's inbox and program only, no
self-referral (the inbox: plus-addressing, dotted Gmail), no friend who was a student or a lead of the
program before the click that brought them, no disposable address domain, the graduate's cap per
period. Above the review threshold per period it is held for staff (Referrals → Review). A valid one
is held for the refund window and released by ``conversions_release_due``; nothing is approved by a
deadline passing while it waits for review.
"""

from datetime import datetime, timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import services as engine
from campaigns.inboxes import mailbox
from campaigns.models import Enrollment
from referrals.conversions.models import COUNTED, Conversion, Rule, Status
from referrals.events import ReferralEvent
from referrals.models import FriendLead, ReferralClick, ReferralLink, ReferralPlan
from referrals.selectors import lead_of_inbox, normalize_code, plan_for
from referrals.signals import conversion_approved, conversion_attributed, conversion_refunded

# Where a purchase's referral code can come from, in the order they are trusted.
CODE_FIELDS = ("ref", "coupon", "affiliate")
# A program without a referral ask has no thank-you, but its conversions are judged by the defaults.
DEFAULTS = ReferralPlan()

REASONS = {
    "not_first": "Not the friend's first conversion in this program",
    "self_referral": "Self-referral: the friend's address reaches the graduate's own inbox",
    "was_student": "Already a student of this program before the click that brought them",
    "was_lead": "Already registered for this program before the click that brought them",
    "disposable": "A disposable address domain",
    "link_revoked": "The graduate's link was revoked",
    "cap": "Over the graduate's cap for the period",
    "review_threshold": "More friends than the review threshold in the period: held for review",
    "lead_outside_window": "The friend registered through a link outside the attribution window",
    "refunded": "The purchase was refunded",
}


def _reason(code: str, detail: str = "") -> dict:
    text = REASONS[code]
    return {"code": code, "text": f"{text} ({detail})" if detail else text}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_disposable(email: str) -> bool:
    domain = mailbox(email).rpartition("@")[2]
    # A subdomain of a listed domain (x.mailinator.com) is as throwaway as the domain itself.
    parts = domain.split(".")
    return any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))


def _code_link(*, codes: dict, program_id: int) -> tuple[ReferralLink | None, dict]:
    for field in CODE_FIELDS:
        raw = (codes.get(field) or "").strip()
        code = normalize_code(raw)
        if not code:
            continue
        link = ReferralLink.objects.select_related("student").filter(code=code, program_id=program_id).first()
        if link is not None:
            return link, {"code": link.code, "field": field, "value": raw[:64]}
    return None, {}


def _click_before(*, link: ReferralLink, at: datetime) -> ReferralClick | None:
    """The link's last counted click at or before ``at``: the visit that brought the friend (clicks are
    per browser, not per person, so this is the nearest evidence, and the evidence says so)."""
    return ReferralClick.objects.filter(link=link, clicked_at__lte=at).order_by("-clicked_at", "-pk").first()


def _valid_referrer(link: ReferralLink, email: str) -> bool:
    return link.revoked_at is None and mailbox(link.student.email) != mailbox(email)


def attribute(
    *, program_id: int, email: str, codes: dict, lead: FriendLead | None, occurred_at: datetime, plan
) -> tuple[ReferralLink | None, str, dict, list[dict]]:
    """(link, rule, evidence, notes) for a conversion of ``email``: the rules in the module's docstring."""
    code_link, code = _code_link(codes=codes, program_id=program_id)
    evidence: dict = {"occurred_at": _iso(occurred_at), "attribution_window_days": plan.attribution_window_days}
    notes: list[dict] = []
    if code:
        evidence["code"] = code
    bound = lead.via_link if lead is not None and lead.via_link_id else None
    if lead is not None:
        evidence["lead"] = {
            "id": lead.pk,
            "registered_at": _iso(lead.registered_at),
            "confirmed_at": _iso(lead.confirmed_at),
            "via_link": bound.code if bound else None,
        }
    in_window = lead is not None and occurred_at - lead.registered_at <= timedelta(days=plan.attribution_window_days)
    link, rule = None, Rule.NONE
    if bound is not None and in_window and (_valid_referrer(bound, email) or code_link is None):
        link, rule = bound, Rule.LEAD
        if code_link is not None and code_link.pk != bound.pk:
            evidence["code_not_used"] = "the friend is bound to the link they first registered through"
    elif code_link is not None:
        link, rule = code_link, Rule.CODE
    elif bound is not None:
        notes.append(_reason("lead_outside_window", f"registered {lead.registered_at:%Y-%m-%d}"))
    if link is not None:
        at = lead.registered_at if rule == Rule.LEAD else occurred_at
        click = _click_before(link=link, at=at)
        evidence["link"] = link.code
        evidence["click"] = (
            {"id": click.pk, "at": _iso(click.clicked_at), "how": "the link's last click before the friend came"}
            if click
            else None
        )
    return link, rule, evidence, notes


def _was_there_before(*, program_id: int, email: str, link: ReferralLink, before: datetime) -> list[dict]:
    reasons = []
    earlier = (
        Enrollment.objects.filter(program_id=program_id, student__inbox=mailbox(email), enrolled_at__lt=before)
        .order_by("enrolled_at")
        .first()
    )
    if earlier is not None:
        reasons.append(_reason("was_student", f"enrolled {earlier.enrolled_at:%Y-%m-%d}"))
    lead = (
        FriendLead.objects.filter(program_id=program_id, inbox=mailbox(email), registered_at__lt=before)
        .exclude(via_link=link)
        .order_by("registered_at")
        .first()
    )
    if lead is not None:
        reasons.append(_reason("was_lead", f"registered {lead.registered_at:%Y-%m-%d}"))
    return reasons


def _graduate_count(*, link: ReferralLink, days: int, now: datetime) -> int:
    return Conversion.objects.filter(
        program_id=link.program_id,
        graduate_id=link.student_id,
        status__in=COUNTED,
        occurred_at__gte=now - timedelta(days=days),
    ).count()


def _judge(
    *, program_id, email, link, rule, evidence, plan, occurred_at, now
) -> tuple[str, list[dict], datetime | None]:
    """(status, reasons, hold_until) for an attributed first conversion."""
    reasons = []
    if mailbox(email) == mailbox(link.student.email):
        reasons.append(_reason("self_referral"))
    if link.revoked_at is not None:
        reasons.append(_reason("link_revoked"))
    click_at = (evidence.get("click") or {}).get("at")
    before = datetime.fromisoformat(click_at) if click_at else occurred_at
    if rule == Rule.LEAD:
        before = min(before, datetime.fromisoformat(evidence["lead"]["registered_at"]))
    reasons += _was_there_before(program_id=program_id, email=email, link=link, before=before)
    if is_disposable(email):
        reasons.append(_reason("disposable", mailbox(email).rpartition("@")[2]))
    if reasons:
        return Status.REFUSED, reasons, None
    if _graduate_count(link=link, days=plan.reward_cap_days, now=occurred_at) >= plan.reward_cap:
        return Status.REFUSED, [_reason("cap", f"{plan.reward_cap} per {plan.reward_cap_days} days")], None
    hold_until = occurred_at + timedelta(days=plan.refund_window_days)
    recent = _graduate_count(link=link, days=plan.review_threshold_days, now=occurred_at)
    if recent >= plan.review_threshold:
        detail = f"{recent + 1} in {plan.review_threshold_days} days; threshold {plan.review_threshold}"
        return Status.REVIEW, [_reason("review_threshold", detail)], hold_until
    if plan.refund_window_days == 0:
        return Status.APPROVED, [], None
    return Status.HELD, [], hold_until


def _supersede(first: Conversion, *, by_order: str, now: datetime) -> bool:
    """A friend who registered free through a link and then pays: while the registration's conversion
    is still held (nothing given for it), the purchase takes its place as the friend's first conversion,
    judged and held on its own (so refunding it leaves the graduate nothing owed). Returns whether it did.
    Once the registration was approved, the graduate was thanked for this friend: the purchase is not
    the first and credits nobody twice."""
    if first.source or first.status not in (Status.HELD, Status.REVIEW):
        return False
    updated = Conversion.objects.filter(pk=first.pk, is_first=True, status=first.status).update(
        is_first=False,
        status=Status.SUPERSEDED,
        hold_until=None,
        note=(first.note + "\n" if first.note else "") + f"Replaced by the friend's purchase (order {by_order}).",
        decided_at=now,
    )
    return bool(updated)


def _existing(*, source: str, order_id: str, lead: FriendLead | None) -> Conversion | None:
    if source:
        return Conversion.objects.filter(source=source, order_id=order_id).first()
    return Conversion.objects.filter(lead=lead, source="").first() if lead is not None else None


@transaction.atomic
def conversion_record(
    *,
    program,
    email: str,
    source: str = "",
    order_id: str = "",
    codes: dict | None = None,
    lead: FriendLead | None = None,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> Conversion:
    """Record one conversion, attributed and judged. Idempotent per (source, order id) of a purchase and per
    lead of a free registration (``source=""``): a replay returns the conversion already recorded. Two
    conversions of one friend at once: one is the first, the other is refused as "not the first"."""
    now = now or timezone.now()
    occurred_at = occurred_at or now
    email = email.strip().lower()
    if (source == "") != (order_id == ""):
        raise ValueError("a purchase has both a source and an order id; a registration neither")
    if not source and lead is None:
        raise ValueError("a free registration's conversion names its lead")
    if (existing := _existing(source=source, order_id=order_id, lead=lead)) is not None:
        return existing
    plan = plan_for(program.pk) or DEFAULTS
    lead = lead or lead_of_inbox(email=email, program_id=program.pk)
    link, rule, evidence, notes = attribute(
        program_id=program.pk, email=email, codes=codes or {}, lead=lead, occurred_at=occurred_at, plan=plan
    )
    if link is not None:
        # One graduate's conversions are judged one at a time: the cap and the threshold count what
        # the previous one decided.
        link = ReferralLink.objects.select_for_update().select_related("student").get(pk=link.pk)
    for attempt in range(2):
        first = Conversion.objects.filter(program=program, friend_inbox=mailbox(email), is_first=True).first()
        if source and first is not None and _supersede(first, by_order=order_id, now=now):
            first = None  # the friend's free registration, nothing given for it yet: the purchase counts
        if first is not None:
            status = Status.REFUSED
            reasons = [_reason("not_first", f"conversion {first.pk}, {first.source or 'registration'}")]
            hold_until = None
        elif link is None:
            status, reasons, hold_until = Status.UNATTRIBUTED, notes, None
        else:
            status, reasons, hold_until = _judge(
                program_id=program.pk,
                email=email,
                link=link,
                rule=rule,
                evidence=evidence,
                plan=plan,
                occurred_at=occurred_at,
                now=now,
            )
        try:
            with transaction.atomic():
                conversion = Conversion.objects.create(
                    program=program,
                    friend_email=email,
                    friend_inbox=mailbox(email),
                    lead=lead,
                    source=source,
                    order_id=order_id,
                    link=link,
                    graduate=link.student if link else None,
                    rule=rule,
                    evidence={**evidence, "recorded_at": _iso(now)},
                    is_first=first is None,
                    status=status,
                    reasons=reasons,
                    occurred_at=occurred_at,
                    created_at=now,
                    hold_until=hold_until,
                    approved_at=now if status == Status.APPROVED else None,
                )
            break
        except IntegrityError:
            # The same order or registration a moment ago (it stands), or another conversion of this
            # friend became the first meanwhile (judge again: this one is not the first).
            if (existing := _existing(source=source, order_id=order_id, lead=lead)) is not None:
                return existing
            if attempt:
                raise
    if conversion.link_id is not None and status != Status.REFUSED:
        from referrals.conversions import payloads

        payloads.conversion_attributed(conversion=conversion, now=now)
        if not _simulated(conversion):
            transaction.on_commit(lambda: conversion_attributed.send(sender=Conversion, conversion=conversion))
    if status == Status.APPROVED:
        _announce_approved(conversion)
    return conversion


def conversions_record_uncoded(*, program, purchases: list[tuple[str, str, str]], now: datetime) -> set[str]:
    """``conversion_record`` for many purchases that carry no referral code, (source, order id, email) each,
    in a few statements (the events API's batch pass). A buyer whose inbox has no lead and no conversion in
    the program yet is attributed to nobody and judged by nothing: what ``conversion_record`` records for
    them is their first conversion, unattributed (so a later one earns nobody a thank-you). Returns the
    order ids it left to ``conversion_record``: a lead or an earlier conversion to judge against, or the
    order recorded already. The purchases' events are the senders: call inside their transaction."""
    from campaigns.models.inserts import insert_values

    inboxes = {mailbox(email) for _, _, email in purchases}
    judged = set(FriendLead.objects.filter(program=program, inbox__in=inboxes).values_list("inbox", flat=True))
    judged |= set(
        Conversion.objects.filter(program=program, friend_inbox__in=inboxes, is_first=True).values_list(
            "friend_inbox", flat=True
        )
    )
    recorded = set(
        Conversion.objects.filter(order_id__in=[order for _, order, _ in purchases])
        .exclude(source="")
        .values_list("source", "order_id")
    )
    plan = plan_for(program.pk) or DEFAULTS
    rows, left = [], set()
    for source, order_id, email in purchases:
        email = email.strip().lower()
        inbox = mailbox(email)
        if inbox in judged or (source, order_id) in recorded:
            left.add(order_id)
            continue
        judged.add(inbox)  # a second purchase of the inbox in the same call is judged against this one
        link, rule, evidence, notes = attribute(
            program_id=program.pk, email=email, codes={}, lead=None, occurred_at=now, plan=plan
        )
        assert link is None  # no code and no lead: nobody to attribute it to
        rows.append(
            {
                "program": program.pk,
                "friend_email": email,
                "friend_inbox": inbox,
                "source": source,
                "order_id": order_id,
                "rule": str(rule),  # plain strings: a driver may write an enum by its name
                "evidence": {**evidence, "recorded_at": _iso(now)},
                "is_first": True,
                "status": Status.UNATTRIBUTED.value,
                "reasons": notes,
                "occurred_at": now,
                "created_at": now,
            }
        )
    insert_values(Conversion, rows=rows)
    return left


def _simulated(conversion: Conversion) -> bool:
    # simulate_cohort's graduates and friends are nobody's: no signal tells the rewards code, the loop
    # emails or a webhook about them (the simulation calls the rewards code itself, which sends nothing).
    return conversion.graduate is not None and conversion.graduate.simulated


def _announce_approved(conversion: Conversion) -> None:
    if _simulated(conversion):
        return
    transaction.on_commit(lambda: conversion_approved.send(sender=Conversion, conversion=conversion))


def _journal(*, conversion: Conversion, kind: str, actor: str, reason: str, now: datetime) -> None:
    """On the graduate's timeline (the journey is append-only: who decided, when, why)."""
    enrollment = Enrollment.objects.filter(student_id=conversion.graduate_id, program_id=conversion.program_id).first()
    if enrollment is None:
        return
    engine.journey_record(
        enrollment=enrollment,
        kind=kind,
        actor=actor,
        reason=reason,
        data={"conversion_id": conversion.pk, "status": conversion.status},
        now=now,
    )


def conversions_release_due(*, now: datetime | None = None, limit: int = 500, graduate_ids=None) -> int:
    """Periodic: conversions held for the refund window whose window has passed become approved for reward.
    Only ``held_refund_window`` ones: a conversion held for review waits for staff, whatever the date.
    Safe to run twice at once (each row locked, skipped by the other pass). ``graduate_ids`` (ids or a
    subquery): only those graduates' conversions (simulate_cohort's clock runs weeks ahead of the real one,
    so its pass must release its own graduates' conversions and nobody else's)."""
    now = now or timezone.now()
    released = 0
    held = Conversion.objects.filter(status=Status.HELD, hold_until__lte=now)
    if graduate_ids is not None:
        held = held.filter(graduate_id__in=graduate_ids)
    with transaction.atomic():
        due = list(held.select_for_update(skip_locked=True).order_by("hold_until", "pk")[:limit])
        for conversion in due:
            conversion.status, conversion.approved_at = Status.APPROVED, now
            conversion.save(update_fields=["status", "approved_at"])
            _journal(
                conversion=conversion,
                kind=ReferralEvent.CONVERSION_APPROVED,
                actor="system",
                reason=f"{conversion.friend_email.split('@')[0]}'s refund window passed",
                now=now,
            )
            _announce_approved(conversion)
            released += 1
    return released


class DecisionError(Exception):
    pass


@transaction.atomic
def conversion_decide(*, conversion_id: int, approve: bool, user, note: str, now: datetime | None = None) -> Conversion:
    """Staff's decision on a conversion held for review or refused: approve (held for what is left of the
    refund window, then released by the pass; at once if it has passed) or deny. The note is required and
    kept with the staff member's name, on the conversion and the graduate's timeline."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise DecisionError("Write a note: why you approve or deny it.")
    conversion = Conversion.objects.select_for_update().get(pk=conversion_id)
    if conversion.status not in (Status.REVIEW, Status.REFUSED):
        raise DecisionError(f"This conversion is {conversion.get_status_display().lower()}: nothing to decide.")
    if approve and (not conversion.is_first or conversion.link_id is None):
        raise DecisionError("Only a friend's first conversion, attributed to a graduate, can be approved.")
    name = (user.get_full_name() or user.get_username()) if user else "staff"
    conversion.decided_by, conversion.decided_at, conversion.note = name[:150], now, note[:2000]
    if approve and conversion.hold_until is None:
        # A refused one had no hold: approving it does not skip the refund window.
        plan = plan_for(conversion.program_id) or DEFAULTS
        conversion.hold_until = conversion.occurred_at + timedelta(days=plan.refund_window_days)
    if not approve:
        conversion.status = Status.DENIED
    elif conversion.hold_until > now:
        conversion.status = Status.HELD
    else:
        conversion.status, conversion.approved_at = Status.APPROVED, now
    conversion.save(update_fields=["status", "approved_at", "hold_until", "decided_by", "decided_at", "note"])
    _journal(
        conversion=conversion,
        kind=ReferralEvent.CONVERSION_APPROVED if approve else ReferralEvent.CONVERSION_DENIED,
        actor=f"staff:{name}"[:150],
        reason=f"{'approved' if approve else 'denied'} by {name}: {note}",
        now=now,
    )
    if conversion.status == Status.APPROVED:
        _announce_approved(conversion)
    return conversion


@transaction.atomic
def conversion_refund(*, source: str, order_id: str, now: datetime | None = None) -> Conversion | None:
    """The purchase ``(source, order id)`` was refunded: a conversion still held is cancelled; one approved
    already is marked for the rewards code to revoke. Idempotent; None when the order converted nobody."""
    now = now or timezone.now()
    conversion = Conversion.objects.select_for_update().filter(source=source, order_id=order_id).first()
    if conversion is None or conversion.refunded_at is not None:
        return conversion
    conversion.refunded_at = now
    released = conversion.status == Status.APPROVED
    if conversion.status in (Status.HELD, Status.REVIEW):
        conversion.status = Status.CANCELLED
        conversion.reasons = [*conversion.reasons, _reason("refunded", f"{now:%Y-%m-%d}")]
    elif released:
        conversion.status = Status.REFUNDED
        conversion.reasons = [*conversion.reasons, _reason("refunded", f"{now:%Y-%m-%d}, after approval")]
    conversion.save(update_fields=["refunded_at", "status", "reasons"])
    if conversion.graduate_id is not None and not _simulated(conversion):
        transaction.on_commit(
            lambda: conversion_refunded.send(sender=Conversion, conversion=conversion, released=released)
        )
    return conversion
