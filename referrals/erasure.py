"""One student's referral data, for a data-rights export or an erasure.

Their special links stay (clicks and friends count toward the mission) but are revoked, so
their landing page no longer names them. Friend leads they were (registered as someone's
friend, matched by address or by the enrollment it became) lose the address and the name:
the graduate who referred them then sees "a friend". Outbound webhook deliveries and their
logged answers that quoted the student are redacted. Their thank-yous lose the shipping address.
"""

from django.db.models import Q
from django.utils import timezone

from campaigns.inboxes import mailbox
from mailers.erasure import placeholder_address, redact
from referrals.conversions.models import Conversion
from referrals.loops import friend_name
from referrals.models import FriendLead, ReferralClick, ReferralLink
from referrals.rewards.models import Reward
from referrals.rewards.services import ADDRESS_FIELDS
from referrals.webhooks.models import WebhookAttempt, WebhookDelivery


def _own_leads(student, address: str):
    return FriendLead.objects.filter(Q(student=student) | Q(email__iexact=address))


def _own_conversions(student, address: str):
    """Conversions where they were the friend (by address or by the lead they were)."""
    return Conversion.objects.filter(Q(friend_email__iexact=address) | Q(lead__in=_own_leads(student, address)))


def export_student(*, student) -> dict:
    links = ReferralLink.objects.filter(student=student).select_related("program").order_by("id")
    return {
        "links": [
            {
                "program": link.program.title,
                "code": link.code,
                "created_at": link.created_at,
                "first_shared_at": link.first_shared_at,
                "revoked_at": link.revoked_at,
                "clicks": ReferralClick.objects.filter(link=link).count(),
            }
            for link in links
        ],
        # The friends who registered through their links: only what the student's own hub shows them (a
        # friend's first name only with that friend's consent to be named, else "a friend").
        "friends": [
            {"name": friend_name(lead), "status": lead.status, "registered_at": lead.registered_at}
            for lead in FriendLead.objects.filter(link__student=student).order_by("registered_at")
        ],
        # Friends' conversions credited to them (the friend's address is the friend's, not theirs).
        "conversions_credited": [
            {"program": c.program.title, "status": c.status, "occurred_at": c.occurred_at}
            for c in Conversion.objects.filter(graduate=student).select_related("program").order_by("id")
        ],
        "own_conversions": [
            {
                "program": c.program.title,
                "friend_email": c.friend_email,
                "status": c.status,
                "occurred_at": c.occurred_at,
            }
            for c in _own_conversions(student, student.email).select_related("program").order_by("id")
        ],
        "registered_as_a_friend": [
            {
                "program": lead.program.title,
                "email": lead.email,
                "first_name": lead.first_name,
                "last_name": lead.last_name,
                "registered_at": lead.registered_at,
                "confirmed_at": lead.confirmed_at,
                "status": lead.status,
            }
            for lead in _own_leads(student, student.email).select_related("program").order_by("id")
        ],
    }


def erase_student(*, student, address: str, needles: list[str], now=None) -> dict:
    """``address``: the student's address before the erasure (their lead rows carry it). Idempotent."""
    now = now or timezone.now()
    revoked = ReferralLink.objects.filter(student=student, revoked_at__isnull=True).update(revoked_at=now)
    leads = 0
    for lead in _own_leads(student, address):
        placeholder = placeholder_address(f"lead-{lead.pk}")
        if lead.email == placeholder and not lead.first_name and not lead.last_name:
            continue
        FriendLead.objects.filter(pk=lead.pk).update(
            email=placeholder,
            inbox=mailbox(placeholder),
            first_name="",
            last_name="",
            name_consent_at=None,
            attribution_note=redact(lead.attribution_note, needles),
        )
        leads += 1
    conversions = 0
    for conversion in _own_conversions(student, address):
        placeholder = placeholder_address(f"conversion-{conversion.pk}")
        if conversion.friend_email != placeholder:
            Conversion.objects.filter(pk=conversion.pk).update(
                friend_email=placeholder,
                friend_inbox=placeholder,
                evidence=redact(conversion.evidence, needles),
                note=redact(conversion.note, needles),
            )
            conversions += 1
    # Conversions credited to them keep their counts; what staff wrote about them is redacted.
    for conversion in Conversion.objects.filter(graduate=student).only("pk", "evidence", "note"):
        evidence, note = redact(conversion.evidence, needles), redact(conversion.note, needles)
        if (evidence, note) != (conversion.evidence, conversion.note):
            Conversion.objects.filter(pk=conversion.pk).update(evidence=evidence, note=note)
    # Their thank-yous keep their counts; the shipping address they gave goes.
    given = Q(address_at__isnull=False)
    for field in ADDRESS_FIELDS:
        given |= ~Q(**{field: ""})
    addresses = (
        Reward.objects.filter(student=student)
        .filter(given)
        .update(**{field: "" for field in ADDRESS_FIELDS}, address_at=None)
    )
    deliveries = 0
    matches = Q()
    for needle in needles:
        matches |= Q(body__icontains=needle)
    for delivery in WebhookDelivery.objects.filter(matches).only("pk", "body"):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(body=redact(delivery.body, needles))
        deliveries += 1
    answers = Q()
    for needle in needles:
        answers |= Q(response_body__icontains=needle) | Q(error__icontains=needle)
    for attempt in WebhookAttempt.objects.filter(answers).only("pk", "response_body", "error"):
        WebhookAttempt.objects.filter(pk=attempt.pk).update(
            response_body=redact(attempt.response_body, needles), error=redact(attempt.error, needles)
        )
    return {
        "links_revoked": revoked,
        "friend_leads_anonymised": leads,
        "conversions_anonymised": conversions,
        "reward_addresses_cleared": addresses,
        "webhook_deliveries_redacted": deliveries,
    }
