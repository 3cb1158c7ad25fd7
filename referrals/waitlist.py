"""Telling the waitlist, once, that registration is open.

A person who asked on a closed program's page to hear when it opens, and confirmed their address, gets
one email when the program is live with registration open. The periodic tick calls
``waitlist_notify_open`` (through the engine's "ticked" hook): it also catches a program opened by a
scheduled publish or by an edit, and running it twice at once sends each notice once.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.models import ProgramPage
from mailers.rendering import absolute
from mailers.services import message_queue
from referrals import emails
from referrals.models import FriendLead, LeadStatus

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
                    kind=emails.WAITLIST_OPEN_EMAIL.name,
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


def on_ticked(*, processed: dict[str, int]) -> None:
    """The periodic tick ran. Registration opened since the last one (a publish, a scheduled publish):
    tell the waitlist, once."""
    if told := waitlist_notify_open():
        processed["waitlist_open"] = told
