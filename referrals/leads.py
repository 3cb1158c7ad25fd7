"""Friends who register through a graduate's special link: a pending lead, a confirmation email to the
address, and — only when its owner opens it and says yes — the enrollment, the credit to the graduate,
"a friend joined" and the friend's welcome.

A public form proves nothing about who typed an address. So registering never changes a person who
already exists (not their name, not their consent: ``student_enroll(keep_existing=True)``), never
enrolls or tells anyone anything before the confirmation, and answers the same whether or not the
address is known. Marketing consent is a separate, optional choice, and only ever set on a student
created by the confirmation.

With a checkout hand-off (``EnrollmentMode.CHECKOUT``) the lead is recorded and the friend sent to the
creator's checkout; the purchase that comes back through the events API is what enrolls and credits
them (a later part of the API), so nothing here is attributed or mailed for such a lead.

The public program page registers people the same way with no link (``link=None``, ``program=``): a
lead with no ``via_link`` is "from the program page" — its own emails (referrals/emails.py), its
own confirm URL (referrals/registration_views.py), never attributed. While registration is closed that
page offers the waitlist (``waitlist=True``): the same confirmation, and, once confirmed, one email when
registration opens (referrals/waitlist.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from campaigns import links, services
from campaigns.inboxes import mailbox
from campaigns.models import Enrollment, ProgramPage, Student
from campaigns.names import name_problem
from mailers.rendering import absolute
from mailers.services import message_queue
from referrals import emails, loops
from referrals.conversions.services import conversion_record
from referrals.events import ReferralEvent
from referrals.models import EnrollmentMode, FriendLead, FriendOffer, LeadStatus, ReferralLink, ReferralPlan
from referrals.selectors import access_until, lead_of_inbox, link_first_click, plan_for
from referrals.webhooks import payloads as webhook_events

CONFIRM_SALT = "campaigns.friend-confirm"
# Long enough for a friend who reads their mail at the weekend; a repeat registration after it sends a
# fresh link (and only then: one confirmation email per live link, so the form cannot flood an inbox).
CONFIRM_MAX_AGE = 7 * 24 * 3600


def hands_off_to_checkout(plan: ReferralPlan | None) -> bool:
    return plan is not None and plan.enrollment_mode == EnrollmentMode.CHECKOUT


@transaction.atomic
def lead_register(
    *,
    link: ReferralLink | None = None,
    program: ProgramPage | None = None,
    waitlist: bool = False,
    first_name: str,
    last_name: str = "",
    email: str,
    marketing_consent: bool = False,
    share_name: bool = False,
    inviter: str = "a graduate",
    offer_until: datetime | None = None,
    now: datetime | None = None,
) -> FriendLead:
    """Record a friend's registration through ``link`` as a pending lead and email the address a link to
    confirm it. Idempotent per inbox and program: a repeat (any alias) changes nothing and sends nothing,
    unless the last confirmation link has expired, when a fresh one goes.

    ``share_name``: the friend lets the graduate's emails name them (their first name); otherwise the
    graduate reads "a friend". Like marketing consent, it is set only on a new lead, never on a repeat.

    ``inviter`` is how the confirmation email names the graduate (as the landing page does, by their
    testimonial's consent); ``offer_until``, when the friend's special access ends (their welcome says it).

    Without a link, ``program`` is the program page registered on; ``waitlist``: "tell me when it opens"
    (the first name is optional then). A waitlisted inbox that registers once it is open becomes a pending
    registration, confirmed afresh: the waitlist confirmed that they wanted news, not that they register.
    """
    now = now or timezone.now()
    if (link is None) == (program is None):
        raise TypeError("lead_register takes a link or a program, not both")
    program_id = link.program_id if link is not None else program.pk
    first_name = " ".join((first_name or "").split())[:100]
    last_name = " ".join((last_name or "").split())[:100]
    if not first_name and not waitlist:
        raise ValidationError({"first_name": "Tell us your first name."})
    for field, name in (("first_name", first_name), ("last_name", last_name)):
        if problem := name_problem(name):
            raise ValidationError({field: problem})
    email = services.normalize_email(email)
    plan = plan_for(program_id)
    if waitlist:
        status = LeadStatus.WAITLIST
    else:
        status = LeadStatus.CHECKOUT if hands_off_to_checkout(plan) else LeadStatus.PENDING
    lead = lead_of_inbox(email=email, program_id=program_id)
    if lead is None:
        try:
            with transaction.atomic():
                lead = FriendLead.objects.create(
                    program_id=program_id,
                    via_link=link,
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    consent_at=now if marketing_consent else None,
                    name_consent_at=now if share_name and link is not None else None,
                    registered_at=now,
                    offer_until=offer_until
                    or (
                        access_until(first_click=link_first_click(link_id=link.pk), plan=plan, now=now)
                        if link is not None
                        else None
                    ),
                    status=status,
                )
        except IntegrityError:
            # The same address registered a moment ago (a double tap on "Register"): that one stands.
            return FriendLead.objects.get(email__iexact=email, program_id=program_id)
        webhook_events.lead_created(lead=lead, now=now)
    else:
        lead = FriendLead.objects.select_for_update().get(pk=lead.pk)
        if lead.status == LeadStatus.WAITLIST and not waitlist:
            # Registration opened and they (or someone typing their address) register: a fresh request,
            # confirmed afresh. Nobody is enrolled before the owner of the address says yes.
            lead.status, lead.first_name, lead.last_name = status, first_name, last_name
            lead.consent_at = now if marketing_consent else None
            lead.confirmed_at = lead.confirmation_sent_at = None
            lead.registered_at = now
            lead.save(
                update_fields=[
                    "status",
                    "first_name",
                    "last_name",
                    "consent_at",
                    "confirmed_at",
                    "confirmation_sent_at",
                    "registered_at",
                ]
            )
            webhook_events.lead_created(lead=lead, now=now)
    awaiting = lead.status == LeadStatus.PENDING or (lead.status == LeadStatus.WAITLIST and not lead.confirmed_at)
    if awaiting and _confirmation_due(lead, now):
        _send_confirmation(lead=lead, inviter=inviter, now=now)
    return lead


def _confirmation_due(lead: FriendLead, now: datetime) -> bool:
    sent = lead.confirmation_sent_at
    return sent is None or sent + timedelta(seconds=CONFIRM_MAX_AGE) <= now


# The token's code for a lead from the program page: never a link's code (codes are letters and digits).
PROGRAM_PAGE_CODE = ""


def _send_confirmation(*, lead: FriendLead, inviter: str, now: datetime) -> None:
    from_page = lead.via_link_id is None
    code = PROGRAM_PAGE_CODE if from_page else lead.via_link.code
    # Stamped with ``now`` (the service's clock, not the signer's): the link expires by the same clock
    # that decides when a fresh one may be sent.
    payload = {"l": lead.pk, "e": lead.email.lower(), "c": code, "t": int(now.timestamp())}
    token = signing.dumps(payload, salt=CONFIRM_SALT, compress=True)
    until = timezone.localtime(now + timedelta(seconds=CONFIRM_MAX_AGE))
    if from_page:
        waitlist = lead.status == LeadStatus.WAITLIST
        kind = (emails.WAITLIST_CONFIRM_EMAIL if waitlist else emails.PROGRAM_CONFIRM_EMAIL).name
        context = {"confirm_url": absolute(reverse("registration_confirm", args=[token]))}
    else:
        kind = emails.FRIEND_CONFIRM_EMAIL.name
        context = {
            "referrer_name": inviter or "a graduate",
            "confirm_url": absolute(reverse("referral_confirm", args=[code, token])),
        }
    message_queue(
        kind=kind,
        to_email=lead.email,
        to_name="",  # not the name typed into the form: it may not be theirs
        # One per link sent: a repeat registration before it expires finds this key and sends nothing.
        idempotency_key=f"friend-confirm:{lead.pk}:{int(now.timestamp())}",
        context={**context, "confirm_until": date_format(until, "l j F Y, H:i T")},
        program_id=lead.program_id,
        program_title=lead.program.title,
        now=now,
    )
    lead.confirmation_sent_at = now
    lead.save(update_fields=["confirmation_sent_at"])


@dataclass(frozen=True)
class ConfirmCheck:
    lead: FriendLead | None
    problem: str = ""  # "expired" or "invalid" when lead is None

    @property
    def ok(self) -> bool:
        return self.lead is not None


def read_confirm_token(token: str, *, code: str, now: datetime | None = None) -> ConfirmCheck:
    """The lead a confirmation link is for (its signature checked in constant time by Django's signer),
    or why not: "expired", or "invalid" (tampered, another link's code, an erased lead)."""
    now = now or timezone.now()
    try:
        value = signing.loads(token, salt=CONFIRM_SALT)
    except signing.BadSignature:
        return ConfirmCheck(None, "invalid")
    if not isinstance(value, dict) or value.get("c") != code:
        return ConfirmCheck(None, "invalid")
    lead_id, stamped = value.get("l"), value.get("t")
    if not isinstance(lead_id, int) or not isinstance(stamped, int) or isinstance(stamped, bool):
        return ConfirmCheck(None, "invalid")
    if stamped + CONFIRM_MAX_AGE <= now.timestamp():
        return ConfirmCheck(None, "expired")
    lead = FriendLead.objects.select_related("program", "via_link").filter(pk=lead_id).first()
    if lead is None or lead.email.lower() != value.get("e"):
        return ConfirmCheck(None, "invalid")
    return ConfirmCheck(lead)


def _student_of_inbox(email: str) -> Student | None:
    """The student this address belongs to: the very address first, else the oldest of its aliases."""
    exact = Student.objects.filter(email__iexact=email).first()
    if exact is not None:
        return exact
    return Student.objects.filter(inbox=mailbox(email)).order_by("created_at", "pk").first()


def friend_starts_at(*, program, plan: ReferralPlan | None, now: datetime) -> datetime:
    """When a friend enrolled through a link starts: with the next cohort when the offer is a place
    while registration is closed and the next launch is set; at once otherwise (a trial, a bonus…)."""
    launch = program.next_launch_on
    offers_a_place = plan is None or plan.friend_offer == FriendOffer.REGISTRATION
    if offers_a_place and not program.is_registration_open and launch and launch > timezone.localdate(now):
        return timezone.make_aware(datetime.combine(launch, datetime.min.time()))
    return now


@transaction.atomic
def lead_confirm(*, lead_id: int, now: datetime | None = None) -> FriendLead:
    """The owner of the address said yes. Enroll them (an existing student keeps their name and
    consent), credit the graduate and tell them, welcome the friend. Idempotent: a second confirmation
    (a replayed link, a double click) changes nothing and sends nothing."""
    now = now or timezone.now()
    # Only the lead row is locked: via_link is nullable (a program-page registration), and PostgreSQL
    # cannot lock the nullable side of the outer join select_related makes.
    lead = (
        FriendLead.objects.select_for_update(of=("self",))
        .select_related("program", "via_link__student")
        .get(pk=lead_id)
    )
    if lead.status == LeadStatus.WAITLIST:
        # "Tell me when it opens", confirmed: nothing to enroll; the tick tells them once it opens.
        if lead.confirmed_at is None:
            lead.confirmed_at = now
            lead.save(update_fields=["confirmed_at"])
            webhook_events.lead_confirmed(lead=lead, now=now)
        return lead
    if lead.confirmed_at is not None or lead.status != LeadStatus.PENDING:
        return lead  # confirmed already, or waiting for a purchase at the checkout
    program, link = lead.program, lead.via_link
    graduate = link.student if link else None
    in_program = (
        Enrollment.objects.filter(program=program, student__inbox=mailbox(lead.email))
        .select_related("student")
        .order_by("enrolled_at", "pk")
        .first()
    )
    if graduate is not None and mailbox(lead.email) == mailbox(graduate.email):
        note = "self-referral: not attributed"
    elif in_program is not None:
        note = "already a student of this program: not attributed"
    elif link is not None and link.revoked_at is not None:
        note = "the link was revoked: not attributed"
    else:
        note = ""
    lead.confirmed_at, lead.attribution_note = now, note
    if in_program is not None:
        # In the program already: nothing to enroll, nothing to change, and no "welcome" that is not true.
        lead.status, lead.student = LeadStatus.REGISTERED, in_program.student
        lead.save(update_fields=["confirmed_at", "attribution_note", "status", "student"])
        webhook_events.lead_confirmed(lead=lead, now=now)
        return lead
    plan = plan_for(program.pk)
    if link is not None:
        actor = f"referral:{link.code}"
        referrer = (graduate.first_name if graduate else "") or "a graduate"
        reason = f"registered through {referrer}'s special link and confirmed their address"
        starts_at = friend_starts_at(program=program, plan=plan, now=now)
    else:
        # The program page (or a link erased since): registered in public, so starts like anyone else.
        actor, reason, starts_at = "program-page", "registered on the program page and confirmed their address", now
    student = _student_of_inbox(lead.email)
    if student is not None:
        # A student of another program: their own name, consent and pages stay exactly as they are.
        enrollment = services.enrollment_create(
            student=student, program=program, starts_at=starts_at, actor=actor, reason=reason, now=now
        )
    else:
        enrollment = services.student_enroll(
            email=lead.email,
            program=program,
            first_name=lead.first_name,
            last_name=lead.last_name,
            # Only when they ticked the separate box; without it their program emails are the transactional ones.
            marketing_consent=True if lead.consent_at else None,
            keep_existing=True,  # created meanwhile by someone else? then theirs stand
            starts_at=starts_at,
            actor=actor,
            reason=reason,
            now=now,
        )
    student = enrollment.student
    lead.status, lead.student = LeadStatus.ENROLLED, student
    lead.link = link if not note else None
    lead.save(update_fields=["confirmed_at", "attribution_note", "status", "student", "link"])
    services.student_email_queue(
        student=student,
        program=program,
        kind=(emails.FRIEND_WELCOME_EMAIL if link is not None else emails.PROGRAM_WELCOME_EMAIL).name,
        idempotency_key=f"friend-welcome:{lead.pk}",
        context=welcome_values(
            student=student, plan=plan, enrollment=enrollment, lead=lead, referrer=graduate, now=now
        ),
        now=now,
    )
    webhook_events.lead_confirmed(lead=lead, now=now)
    # The free registration is the friend's conversion: attributed, judged and held (or refused) there.
    conversion_record(program=program, email=lead.email, lead=lead, occurred_at=now, now=now)
    if lead.link is not None:
        _tell_the_graduate(lead=lead, link=link, plan=plan, now=now)
    return lead


def welcome_values(*, student, plan, enrollment, lead, referrer, now: datetime) -> dict[str, str]:
    """What the friend's welcome says happens next: when they start, how to begin, what the offer gives and
    until when, and which emails to expect."""
    starts = timezone.localtime(enrollment.starts_at)
    if starts.date() > timezone.localdate(now):
        start_line = f"your cohort starts on {date_format(starts, 'l j F Y')}. Your page shows what is ahead."
    else:
        start_line = "today. Open your page to begin."
    offer = (plan.friend_offer_text if plan else "") or "a place in the program"
    if plan is not None and plan.friend_offer == FriendOffer.DISCOUNT and plan.discount_code:
        offer += f" (your code: {plan.discount_code})"
    until = f", through your link until {date_format(timezone.localtime(lead.offer_until), 'j F Y')}"
    if student.marketing_consent:
        mail_line = (
            "At milestones we will send you short prompts and ask how it is going; each email has a link to stop them."
        )
    else:
        mail_line = (
            "You did not ask for program emails, so we will only write to you about your place, like this email."
        )
    return {
        "referrer_name": (referrer.first_name if referrer else "") or "a graduate",
        "hub_url": links.hub_url(student.pk),
        "start_line": start_line,
        "offer_line": f"{offer}{until if lead.offer_until else ''}.",
        "mail_line": mail_line,
    }


def _tell_the_graduate(*, lead: FriendLead, link: ReferralLink, plan, now: datetime) -> None:
    graduate = link.student
    graduate_enrollment = Enrollment.objects.filter(student=graduate, program_id=link.program_id).first()
    if graduate_enrollment is not None:
        services.journey_record(
            enrollment=graduate_enrollment,
            kind=ReferralEvent.FRIEND_REGISTERED,
            actor=f"referral:{link.code}",
            # The graduate's timeline is read by the team, so it names the friend as the graduate may.
            reason=f"{loops.friend_name(lead)} registered through their link and confirmed",
            data={"lead_id": lead.pk},
            now=now,
        )
    # Confirming is the friend's conversion here too: this one email says both.
    loops.friend_joined(lead=lead, link=link, plan=plan, now=now)
