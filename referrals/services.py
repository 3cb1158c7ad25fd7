"""The referral ask: ask happy graduates (SMART-I, their own words quoted back) for a few people,
give each a special link, and remind them once if the link was evidently not passed on.

Who may be asked is decided from the journey: a submitted testimonial that is not withdrawn, happy
feedback, and no open support case. The testimonial it quotes is read from testimonials directly
(``quote_for``: the words a moderator approved).
"""

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from campaigns import links, services
from campaigns.models import Enrollment, JourneyEvent, ScheduledAction, Stage
from campaigns.selectors import program_mission_progress
from mailers import policy
from mailers.models import Category, Contact
from referrals import emails
from referrals.events import ReferralEvent
from referrals.models import ReferralClick, ReferralLink, ReferralPlan
from referrals.rewards import rules
from referrals.selectors import link_url, plan_for
from testimonials.submissions import quote_for

ACTION_ASK = "referral_ask"
ACTION_REMINDER = "referral_reminder"
# Codes are read aloud and typed from a phone: no 0/O, 1/I/L, U/V.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8  # 29^8 ≈ 5·10^11 codes: unguessable at any rate the public forms allow


# --- Links ---------------------------------------------------------------------------------


def link_for(*, student_id: int, program_id: int, now: datetime | None = None) -> ReferralLink:
    existing = ReferralLink.objects.filter(student_id=student_id, program_id=program_id).first()
    if existing:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return ReferralLink.objects.create(
                    student_id=student_id, program_id=program_id, code=code, created_at=now or timezone.now()
                )
        except IntegrityError:
            existing = ReferralLink.objects.filter(student_id=student_id, program_id=program_id).first()
            if existing:
                return existing  # created concurrently
    raise RuntimeError("could not draw a free referral code")


@transaction.atomic
def link_mark_shared(*, link: ReferralLink, now: datetime | None = None) -> None:
    ReferralLink.objects.filter(pk=link.pk, first_shared_at__isnull=True).update(first_shared_at=now or timezone.now())


# --- The ask (scheduled from the journey) ---------------------------------------------------


ASK_TRIGGERS = ("testimonial_submitted", "testimonial_edited", "feedback_happy", "testimonial_moderated")
# The ask quotes the graduate's testimonial as a moderator approved it: one waiting for review is asked
# about once it is approved (or featured), the moderation event scheduling the check again.
PUBLISHED_BY_MODERATION = ("approved", "featured")


def on_event_recorded(*, event: JourneyEvent) -> None:
    """A testimonial submitted, or happy feedback (e.g. again after a case was made right) → check for
    an ask after the plan's delay. One action per such event (a skipped one does not block a later
    one); the ask itself goes at most once per enrollment."""
    if event.kind not in ASK_TRIGGERS or event.enrollment_id is None:
        return
    if event.kind == "testimonial_moderated" and (event.data or {}).get("to") not in PUBLISHED_BY_MODERATION:
        return
    plan = plan_for(event.program_id)
    if plan is None:
        return
    services.actions_schedule(
        actions=[
            ScheduledAction(
                enrollment_id=event.enrollment_id,
                kind=ACTION_ASK,
                key=f"referral-ask:{event.pk}",
                due_at=event.occurred_at + timedelta(days=plan.delay_after_testimonial_days),
                created_at=event.occurred_at,
            )
        ]
    )


LAST_OF = {
    "feedback": ("feedback_happy", "feedback_neutral", "feedback_unhappy"),
    "case": ("support_case_opened", "support_case_resolved"),
    "testimonial": ("testimonial_submitted", "testimonial_edited", "testimonial_withdrawn"),
}


def eligibility(*, enrollment: Enrollment) -> str:
    """ "" when the graduate may be asked now, else why not (read from their journey)."""
    last: dict[str, str] = {}
    kinds_wanted = [kind for group in LAST_OF.values() for kind in group]
    for kind in (
        JourneyEvent.objects.filter(enrollment=enrollment, kind__in=kinds_wanted)
        .order_by("occurred_at", "id")
        .values_list("kind", flat=True)
    ):
        for group, members in LAST_OF.items():
            if kind in members:
                last[group] = kind
    if enrollment.stage == Stage.WITHDRAWN:
        return "withdrew from the program"
    if last.get("testimonial") in (None, "testimonial_withdrawn"):
        return "no testimonial (or it was withdrawn)"
    if last.get("feedback") != "feedback_happy":
        return "their latest feedback is not happy"
    if last.get("case") == "support_case_opened":
        return "a support case is open"
    if not enrollment.student.marketing_consent:
        return "no marketing consent"
    contact = Contact.objects.filter(email__iexact=enrollment.student.email).first()
    if contact is not None and not contact.accepts(Category.REFERRAL):
        return "unsubscribed from referral asks"
    return ""


def ask_values(*, enrollment: Enrollment, plan: ReferralPlan, link: ReferralLink, now: datetime) -> dict:
    mission = program_mission_progress(program=enrollment.program)
    deadline = (now + timedelta(days=plan.ask_window_days)).astimezone(_zone(enrollment.student.time_zone))
    return {
        "mission_statement": mission.statement,
        "mission_progress": f"{mission.reached:,} {mission.unit} so far, toward {mission.goal:,}.",
        "mission_goal": f"{mission.goal:,} {mission.unit}",
        "ask_count": plan.ask_count_label,
        "ask_deadline": f"by {deadline:%A %-d %B}",
        "special_link": link_url(link.code),
        "friend_offer": plan.friend_offer_text,
        "thank_you": rules.promise(plan),
        "testimonial_quote": quote_for(enrollment.student_id, enrollment.program_id),
    }


def _quotes_an_unapproved_testimonial(*, plan: ReferralPlan, enrollment: Enrollment) -> bool:
    """The ask's copy quotes {{ testimonial_quote }}, and nothing of theirs is approved yet: sending now
    would read 'you wrote: ""'."""
    uses_quote = "testimonial_quote" in plan.ask_subject + plan.ask_body
    return uses_quote and not quote_for(enrollment.student_id, enrollment.program_id).strip()


def _zone(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def handle_ask_actions(actions: list[ScheduledAction], now: datetime) -> None:
    enrollments = Enrollment.objects.select_related("student", "program").filter(
        pk__in=[a.enrollment_id for a in actions]
    )
    asked = set(
        JourneyEvent.objects.filter(enrollment__in=enrollments, kind=ReferralEvent.ASKED).values_list(
            "enrollment_id", flat=True
        )
    )
    for enrollment in enrollments:
        if enrollment.pk in asked:
            continue  # asked already: once per graduate and program
        plan = plan_for(enrollment.program_id)
        why_not = "the program has no referral ask" if plan is None else eligibility(enrollment=enrollment)
        if not why_not and _quotes_an_unapproved_testimonial(plan=plan, enrollment=enrollment):
            why_not = "their testimonial waits for a moderator's approval (the ask quotes it)"
        if why_not:
            services.journey_record(
                enrollment=enrollment,
                kind=ReferralEvent.ASK_SKIPPED,
                actor=services.ENGINE_ACTOR,
                reason=why_not,
                now=now,
            )
            continue
        link = link_for(student_id=enrollment.student_id, program_id=enrollment.program_id, now=now)
        student = enrollment.student
        # When the contact budget is spent, the ask goes when it frees, and its window starts then:
        # "by Monday" must still be ahead of the graduate when they read it.
        send_at = _budget_frees_at(student.email, now)
        services.student_email_queue(
            student=student,
            program=enrollment.program,
            kind=emails.ASK_EMAIL.name,
            idempotency_key=f"referral-ask:{enrollment.pk}",
            context={
                "subject": plan.ask_subject,
                "body": plan.ask_body + emails.HUB_LINE,
                "hub_url": links.hub_url(student.pk),
                **ask_values(enrollment=enrollment, plan=plan, link=link, now=send_at),
            },
            send_after=send_at,
            now=now,
        )
        services.journey_record(
            enrollment=enrollment,
            kind=ReferralEvent.ASKED,
            actor=services.ENGINE_ACTOR,
            reason=f"asked for {plan.ask_count_label} people within {plan.ask_window_days} days",
            data={"code": link.code},
            now=now,
        )
        if plan.reminder_after_days:
            services.actions_schedule(
                actions=[
                    ScheduledAction(
                        enrollment_id=enrollment.pk,
                        kind=ACTION_REMINDER,
                        key="referral-reminder",
                        due_at=now + timedelta(days=plan.reminder_after_days),
                        payload={"link_id": link.pk},
                        created_at=now,
                    )
                ]
            )


def _budget_frees_at(email: str, now: datetime) -> datetime:
    sent = policy.recent_marketing_sends([email], now).get(email.lower(), [])
    return policy.budget_allows_at(sent, now) or now


# People who must have opened a link before its reminder would be nagging (see link_passed_on).
PEOPLE_WHO_SKIP_THE_REMINDER = 2


def link_passed_on(*, link: ReferralLink) -> bool:
    """Whether the graduate has evidently passed their link on, so that a reminder would nag: they
    copied or shared it from their hub (``first_shared_at``), or at least two people opened it.

    Why not any click: one GET with a browser's User-Agent records a click (robots and scanners that
    say so are never recorded, see bots.py), and whoever drops the cookie is a new visitor on every
    request, so neither one click nor many visitor ids prove a person, let alone a friend. The rule:
    two clicks may be the same person when they share a visitor cookie or a client network
    (click_client: the IPv4 address or IPv6 /64); the people are the groups of clicks joined that way,
    and it takes two of them. One script from one address, with or without cookies, is one group; so
    is one phone that moved from home wifi to its mobile network. Two people behind one address (a
    household, an office) count as one: then the graduate gets the one reminder, the side to err on
    (one email more, within the contact budget, never a reminder cancelled by a script). Clicks
    recorded before networks were kept (client "") do not count.
    """
    if link.first_shared_at:
        return True
    clicks = ReferralClick.objects.filter(link=link).exclude(client="")
    clients = list(clicks.values_list("client", flat=True).distinct())
    if len(clients) < PEOPLE_WHO_SKIP_THE_REMINDER:
        return False
    # Only a visitor seen from more than one network joins networks together; the rest of a flood
    # of cookie-less visits (one visitor id each) is never loaded.
    bridges = clicks.values("visitor").annotate(n=Count("client", distinct=True)).filter(n__gt=1)
    group = {client: client for client in clients}

    def root(client: str) -> str:
        while group[client] != client:
            client = group[client]
        return client

    networks_of: dict[str, set[str]] = {}
    for visitor, client in clicks.filter(visitor__in=bridges.values("visitor")).values_list("visitor", "client"):
        networks_of.setdefault(visitor, set()).add(client)
    for networks in networks_of.values():
        first, *others = sorted(networks)
        for other in others:
            group[root(other)] = root(first)
    return len({root(client) for client in clients}) >= PEOPLE_WHO_SKIP_THE_REMINDER


def handle_reminder_actions(actions: list[ScheduledAction], now: datetime) -> None:
    """At most one reminder, and only if the link was not evidently passed on (link_passed_on)."""
    for action in actions:
        link = ReferralLink.objects.filter(pk=action.payload.get("link_id"), revoked_at__isnull=True).first()
        enrollment = Enrollment.objects.select_related("student", "program").get(pk=action.enrollment_id)
        plan = plan_for(enrollment.program_id)
        if link is None or plan is None or link_passed_on(link=link):
            continue
        if eligibility(enrollment=enrollment):
            continue
        student = enrollment.student
        services.student_email_queue(
            student=student,
            program=enrollment.program,
            kind=emails.REMINDER_EMAIL.name,
            idempotency_key=f"referral-reminder:{enrollment.pk}",
            context=ask_values(enrollment=enrollment, plan=plan, link=link, now=now),
            now=now,
        )
