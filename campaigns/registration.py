"""Registering on the public program page (no special link), and the waitlist while it is closed.

Both go through ``friends.lead_register`` / ``lead_confirm`` with ``link=None``: the same pending lead,
the same confirmation email before anything happens, the same "a public form never changes a person".
This module holds what is theirs alone: their emails, and telling the waitlist once registration opens
(the periodic tick calls ``waitlist_notify_open``: it also catches a program opened by a scheduled
publish or by an edit, and running it twice at once sends each notice once).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.models import ProgramPage
from mailers import kinds
from mailers.models import Category
from mailers.rendering import absolute
from mailers.services import message_queue
from referrals.models import FriendLead, LeadStatus

PROGRAM_CONFIRM_EMAIL = kinds.register(
    kinds.EmailKind(
        name="registration_confirm",
        category=Category.TRANSACTIONAL,
        description="Asks a person who registered on the public program page to confirm their address; "
        "nobody is enrolled until they do.",
        subject="Confirm your place in {{ program_title }}",
        body="Hello,\n\nThis address was entered on our page to register for {{ program_title }}. If that was "
        "you, confirm your place here:\n\n{{ confirm_url }}\n\nThe link works until {{ confirm_until }}. "
        "Nothing happens until you confirm.\n\nIf it was not you, ignore this email. We will not write to "
        "you again about it, and your address is used for nothing else.",
    )
)
WAITLIST_CONFIRM_EMAIL = kinds.register(
    kinds.EmailKind(
        name="waitlist_confirm",
        category=Category.TRANSACTIONAL,
        description="Asks a person who wants to hear when registration opens to confirm their address.",
        subject="Confirm: tell me when {{ program_title }} opens",
        body="Hello,\n\nThis address was entered on our page to be told when registration for "
        "{{ program_title }} opens. If that was you, confirm here:\n\n{{ confirm_url }}\n\nThe link works "
        "until {{ confirm_until }}. Until you confirm we will not write to you.\n\nIf it was not you, ignore "
        "this email. We will not write to you again about it.",
    )
)
PROGRAM_WELCOME_EMAIL = kinds.register(
    kinds.EmailKind(
        name="registration_welcome",
        category=Category.TRANSACTIONAL,
        description="The first email after a person who registered on the program page confirmed.",
        subject="Welcome to {{ program_title }}: what happens next",
        body="Hi {{ first_name }},\n\nYou registered for {{ program_title }} on our page and confirmed your "
        "address: that is the only reason we have it.\n\nWhen you start: {{ start_line }}\n\nHow to begin: "
        "everything for the program is on your personal page (no password; keep the link to yourself):\n"
        "{{ hub_url }}\n\n{{ mail_line }}\n\nWelcome!",
    )
)
WAITLIST_OPEN_EMAIL = kinds.register(
    kinds.EmailKind(
        name="waitlist_open",
        category=Category.TRANSACTIONAL,
        description="The one email to a confirmed waitlisted person: registration is open now.",
        subject="Registration for {{ program_title }} is open",
        body="Hello,\n\nYou asked us to tell you when registration for {{ program_title }} opens: it is open "
        "now.\n\n{{ program_url }}\n\nThis is the only email we send about it.",
    )
)

WAITLIST_CHUNK = 500


def program_url(program: ProgramPage) -> str:
    url = program.get_url() or "/"
    return url if url.startswith(("http://", "https://")) else absolute(url)


def waitlist_notify_open(*, now: datetime | None = None) -> int:
    """Tell every confirmed waitlisted person of a live, open program, once, that registration is open.
    Returns how many were told. Safe to run twice at once: a lead is claimed by the conditional update
    that stamps it, and the email's idempotency key is per lead."""
    now = now or timezone.now()
    told = 0
    while True:
        with transaction.atomic():
            open_programs = ProgramPage.objects.live().filter(registration_status="open").values("pk")
            batch = list(
                FriendLead.objects.filter(
                    status=LeadStatus.WAITLIST,
                    confirmed_at__isnull=False,
                    opening_notice_at__isnull=True,
                    program__in=open_programs,
                )
                .select_related("program")
                .order_by("pk")[:WAITLIST_CHUNK]
            )
            for lead in batch:
                claimed = FriendLead.objects.filter(pk=lead.pk, opening_notice_at__isnull=True).update(
                    opening_notice_at=now
                )
                if not claimed:
                    continue  # another tick told them a moment ago
                program = lead.program.specific
                message_queue(
                    kind=WAITLIST_OPEN_EMAIL.name,
                    to_email=lead.email,
                    to_name="",
                    idempotency_key=f"waitlist-open:{lead.pk}",
                    context={"program_url": program_url(program)},
                    program_id=program.pk,
                    program_title=program.title,
                    now=now,
                )
                told += 1
        if len(batch) < WAITLIST_CHUNK:
            return told
