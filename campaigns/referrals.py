"""The referral half: ask happy graduates (SMART-I, their own words quoted back), give each a special
link, count people (not bots) who open it, and register the friends who come through it.

Who may be asked is decided from the journey (this layer never imports the phase apps): a
submitted testimonial that is not withdrawn, happy feedback, and no open support case.
"""

import ipaddress
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from campaigns import bots, links, services, signals
from campaigns.models import Enrollment, JourneyEvent, ScheduledAction, Stage, Student
from campaigns.referral_events import ReferralEvent
from campaigns.selectors import program_mission_progress
from mailers import kinds, policy
from mailers.models import Category, Contact
from mailers.rendering import absolute
from referrals.models import FriendLead, FriendOffer, ReferralClick, ReferralLink, ReferralPlan

ACTION_ASK = "referral_ask"
ACTION_REMINDER = "referral_reminder"
# Codes are read aloud and typed from a phone: no 0/O, 1/I/L, U/V.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8  # 29^8 ≈ 5·10^11 codes: unguessable at any rate the public forms allow

ASK_EMAIL = kinds.register(
    kinds.EmailKind(name="referral_ask", category=Category.REFERRAL, description="The SMART-I referral ask.")
)
REMINDER_EMAIL = kinds.register(
    kinds.EmailKind(
        name="referral_reminder",
        category=Category.REFERRAL,
        description="One reminder of the ask, only if the link was not shared from the hub or opened by two people.",
        subject="Your special link is still waiting, {{ first_name }}",
        body="Hi {{ first_name }},\n\nA few days ago we asked whether you would send your special link to "
        "{{ ask_count }} people who could use what you found. We have not seen friends open it yet, so here it "
        "is again:\n\n{{ special_link }}\n\nThrough it they get {{ friend_offer }}. We will not remind you again.",
    )
)
FRIEND_JOINED_EMAIL = kinds.register(
    kinds.EmailKind(
        name="friend_joined",
        category=Category.TRANSACTIONAL,
        description="Tells the graduate a friend joined through their link (once the friend confirmed).",
        subject="{{ friend_name }} joined through your link",
        body="Hi {{ first_name }},\n\n{{ friend_name }} just joined {{ program_title }} through your special link. "
        "Thank you for passing it on.\n\n{{ thank_you }}\n\nSee your friends and your link: {{ hub_url }}",
    )
)
# The only email an address entered on a landing page gets before its owner says yes. It greets no one
# by name: the name was typed by whoever filled in the form.
FRIEND_CONFIRM_EMAIL = kinds.register(
    kinds.EmailKind(
        name="friend_confirm",
        category=Category.TRANSACTIONAL,
        description="Asks a friend who registered on a landing page to confirm their address; nothing "
        "happens (no enrollment, nobody told) until they do.",
        subject="Confirm your place in {{ program_title }}",
        body="Hello,\n\nThis address was entered on our page to register for {{ program_title }} through "
        "{{ referrer_name }}'s special link. If that was you, confirm your place here:\n\n{{ confirm_url }}\n\n"
        "The link works until {{ confirm_until }}. Nothing happens until you confirm: nobody is enrolled "
        "and nobody is told.\n\nIf it was not you, ignore this email. We will not write to you again "
        "about it, and your address is used for nothing else.",
    )
)
FRIEND_WELCOME_EMAIL = kinds.register(
    kinds.EmailKind(
        name="friend_welcome",
        category=Category.TRANSACTIONAL,
        description="The friend's first email after they confirmed: where their address came from, when "
        "they start, how to begin, what their link gives them.",
        subject="Welcome to {{ program_title }}: what happens next",
        body="Hi {{ first_name }},\n\nYou registered for {{ program_title }} on our page through "
        "{{ referrer_name }}'s special link and confirmed your address: that is the only reason we "
        "have it.\n\nWhen you start: {{ start_line }}\n\nHow to begin: everything for the program is on your "
        "personal page (no password; keep the link to yourself):\n{{ hub_url }}\n\nWhat your link gives "
        "you: {{ offer_line }}\n\n{{ mail_line }}\n\nWelcome!",
    )
)

# Ours, under the creator's ask: where the link, its QR code and ready messages are.
HUB_LINE = "\n\nYour link, its QR code and messages ready to send are on your page: {{ hub_url }}"

# Merge fields other layers provide (testimonials provides {{ testimonial_quote }}).
_MERGE_PROVIDERS: dict[str, Callable[[int, int], str]] = {}


def register_merge_provider(name: str, provider: Callable[[int, int], str]) -> None:
    """``provider(student_id, program_id) -> str``, e.g. the graduate's own testimonial, shortened."""
    _MERGE_PROVIDERS[name] = provider


def plan_for(program_id: int) -> ReferralPlan | None:
    return ReferralPlan.objects.filter(program_id=program_id).order_by("sort_order", "pk").first()


# --- Links --------------------------------------------------------------------------------


def normalize_code(raw: str) -> str:
    """What a friend typed or a phone autocorrected: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:16]


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


def link_url(code: str) -> str:
    return absolute(reverse("referral_click", args=[code]))


def visit_record(
    *, link_id: int, visitor: str, method: str, user_agent: str, client: str = "", now: datetime | None = None
) -> bool:
    """A visit through a link: counted only for people (see bots.py), once per browser per day."""
    if bots.is_bot_visit(method=method, user_agent=user_agent):
        return False
    return click_record(link_id=link_id, visitor=visitor, client=client, now=now)


# The click's one statement: find the live link by its code and record the visit, once per browser
# per day, in a single round trip with no transaction around it (the hot path of /r/<code>).
_CLICK_SQL = (
    "INSERT INTO {click} (link_id, visitor, client, day, clicked_at) "
    "SELECT id, %s, %s, %s, %s FROM {link} WHERE code = %s AND revoked_at IS NULL{commit} "
    "ON CONFLICT (link_id, day, visitor) DO NOTHING"
)
# PostgreSQL: this statement's own transaction commits without waiting for the WAL flush (SET LOCAL
# inside the statement; see CLICK_DURABLE_COMMIT in settings). The flush is most of a click's cost.
_ASYNC_COMMIT = " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"


def click_client(address: str) -> str:
    """Who a click came from, as far as the network tells: a keyed hash of the client's IPv4 address or
    IPv6 /64 (one line or one home: a device takes any address in its /64 at will), "" when there is
    no address. Keyed with SECRET_KEY, so the stored value cannot be turned back into an address by
    hashing every address there is; cut to 16 hex digits, plenty to tell a link's visitors apart."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False).network_address
    return salted_hmac("campaigns.click-client", ip.packed).hexdigest()[:16]


def click_record_by_code(*, code: str, visitor: str, client: str = "", now: datetime | None = None) -> bool:
    """Record a person's visit through ``code`` (already normalized) from ``client`` (click_client);
    False for an unknown or revoked code or a repeat visit from the same browser today."""
    now = now or timezone.now()
    asynchronous = connection.vendor == "postgresql" and not settings.CLICK_DURABLE_COMMIT
    sql = _CLICK_SQL.format(
        click=ReferralClick._meta.db_table,
        link=ReferralLink._meta.db_table,
        commit=_ASYNC_COMMIT if asynchronous else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [visitor[:32], client[:16], now.date(), now, code])
        return cursor.rowcount == 1


def click_record(*, link_id: int, visitor: str, client: str = "", now: datetime | None = None) -> bool:
    """Count a person's visit: once per browser per day. Returns whether it was new."""
    now = now or timezone.now()
    created = ReferralClick.objects.bulk_create(
        [ReferralClick(link_id=link_id, visitor=visitor[:32], client=client[:16], day=now.date(), clicked_at=now)],
        ignore_conflicts=True,
    )
    return bool(created and created[0].pk) if created else False


def new_visitor_id() -> str:
    return uuid.uuid4().hex


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
    values = {
        "mission_statement": mission.statement,
        "mission_progress": f"{mission.reached:,} {mission.unit} so far, toward {mission.goal:,}.",
        "mission_goal": f"{mission.goal:,} {mission.unit}",
        "ask_count": plan.ask_count_label,
        "ask_deadline": f"by {deadline:%A %-d %B}",
        "special_link": link_url(link.code),
        "friend_offer": plan.friend_offer_text,
        "thank_you": plan.thank_you_text if plan.has_thank_you else "",
    }
    for name, provider in _MERGE_PROVIDERS.items():
        values[name] = provider(enrollment.student_id, enrollment.program_id)
    return values


def _quotes_an_unapproved_testimonial(*, plan: ReferralPlan, enrollment: Enrollment) -> bool:
    """The ask's copy quotes {{ testimonial_quote }}, and nothing of theirs is approved yet: sending now
    would read 'you wrote: ""'."""
    provider = _MERGE_PROVIDERS.get("testimonial_quote")
    uses_quote = "testimonial_quote" in plan.ask_subject + plan.ask_body
    return bool(provider and uses_quote and not provider(enrollment.student_id, enrollment.program_id).strip())


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
            kind=ASK_EMAIL.name,
            idempotency_key=f"referral-ask:{enrollment.pk}",
            context={
                "subject": plan.ask_subject,
                "body": plan.ask_body + HUB_LINE,
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
            kind=REMINDER_EMAIL.name,
            idempotency_key=f"referral-reminder:{enrollment.pk}",
            context=ask_values(enrollment=enrollment, plan=plan, link=link, now=now),
            now=now,
        )


# --- Friends ---------------------------------------------------------------------------------


def access_until(*, first_click: datetime | None, plan: ReferralPlan | None, now: datetime) -> datetime:
    """When a friend's special access through a link ends: the plan's days after the link's first
    counted click by anyone (``access_days``: "how long after the link's first click").

    Anchored to the link, not to the friend's browser: a friend who clears their cookies, or opens
    the link in a private window, is a new visitor but finds the same end date (it was a fresh window
    each time). The graduate's own test click or a scanner that hides starts it too, never later than
    a real friend's first click would: at worst the window runs from when the ask arrived. Before any
    click (a visit straight to the landing page) the window has not started, and the page offers it
    from today."""
    start = first_click or now
    return start + timedelta(days=plan.access_days if plan else 14)


def link_first_click(*, link_id: int) -> datetime | None:
    """The link's first counted click by anyone (where its access window starts; the landing page
    reads the same in its one statement)."""
    return (
        ReferralClick.objects.filter(link_id=link_id).order_by("day", "clicked_at").values_list("clicked_at", flat=True)
    ).first()


def checkout_url_with_ref(url: str, code: str) -> str:
    """The creator's checkout URL with ref=<code> added (their own URL: never one from the request)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"] + [("ref", code)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


# One inbox, many addresses: plus-addressing everywhere, and dots at Gmail. Self-referral and
# "already a student" are judged by the inbox, so maria+friend@… earns Maria no thank-you.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(email: str) -> str:
    """The inbox an address reaches: "Maria.L+x@googlemail.com" → "marial@gmail.com"."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def alias_pattern(email: str) -> str:
    """A regular expression (for ``__iregex``) matching every address of the same inbox."""
    local, _, domain = mailbox(email).rpartition("@")
    if domain == "gmail.com":
        local_re, domain_re = r"\.?".join(re.escape(ch) for ch in local), r"(gmail|googlemail)\.com"
    else:
        local_re, domain_re = re.escape(local), re.escape(domain)
    return rf"^{local_re}(\+[^@]*)?@{domain_re}$"


def friend_starts_at(*, program, plan: ReferralPlan | None, now: datetime) -> datetime:
    """When a friend enrolled through a link starts: with the next cohort when the offer is a place
    while registration is closed and the next launch is set; at once otherwise (a trial, a bonus…)."""
    launch = program.next_launch_on
    offers_a_place = plan is None or plan.friend_offer == FriendOffer.REGISTRATION
    if offers_a_place and not program.is_registration_open and launch and launch > timezone.localdate(now):
        return timezone.make_aware(datetime.combine(launch, datetime.min.time()))
    return now


# --- Reads for the hub and the landing page -------------------------------------------------


def link_by_code(code: str) -> ReferralLink | None:
    return ReferralLink.objects.select_related("student", "program").filter(code=normalize_code(code)).first()


def friends_of(*, link: ReferralLink) -> list[FriendLead]:
    return list(FriendLead.objects.filter(link=link).order_by("registered_at"))


def link_stats(*, link_ids: list[int]) -> dict[int, int]:
    return dict(
        ReferralClick.objects.filter(link_id__in=link_ids)
        .values("link_id")
        .annotate(n=Count("id"))
        .values_list("link_id", "n")
    )


def clicks_for_enrollments(enrollments) -> int:
    """People's visits through the links of these enrollments' graduates (the funnel's "link clicks")."""
    pairs = enrollments.values_list("student_id", "program_id")
    students = {s for s, _ in pairs}
    programs = {p for _, p in pairs}
    return ReferralClick.objects.filter(link__student_id__in=students, link__program_id__in=programs).count()


def graduate_links(*, student: Student) -> list[ReferralLink]:
    return list(ReferralLink.objects.filter(student=student, revoked_at__isnull=True).select_related("program"))


def _on_event_recorded(sender, *, event, **kwargs) -> None:
    on_event_recorded(event=event)


def register_referral_engine() -> None:
    from campaigns import engine, referral_simulation, selectors, simulation

    signals.event_recorded.connect(_on_event_recorded, sender=JourneyEvent, dispatch_uid="referrals.ask")
    simulation.register_behaviour(referral_simulation.graduates_share_links)
    engine.register_action_handler(ACTION_ASK, handle_ask_actions)
    engine.register_action_handler(ACTION_REMINDER, handle_reminder_actions)
    selectors.register_funnel_step("asked", ReferralEvent.ASKED, position=40)
    selectors.register_funnel_step("link clicks", position=41, counter=clicks_for_enrollments)
    selectors.register_funnel_step("friends registered", ReferralEvent.FRIEND_REGISTERED, position=42)
