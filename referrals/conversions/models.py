"""A conversion: a friend's confirmed free registration or a purchase, the graduate it is attributed to
(by which rule, on what evidence), and what validation made of it (held, refused, approved, each with
its reasons). The record the rewards code reads; nothing here gives anybody anything."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Rule(models.TextChoices):
    CODE = "code", "The referral code it carried"
    LEAD = "lead", "The friend's lead (registered through a link)"
    NONE = "none", "Not attributed"


class Status(models.TextChoices):
    HELD = "held_refund_window", "Held for the refund window"
    REVIEW = "held_review", "Held for review"
    REFUSED = "refused", "Refused"
    APPROVED = "approved", "Approved for reward"
    CANCELLED = "cancelled_refund", "Cancelled: refunded during the hold"
    REFUNDED = "refunded_after_approval", "Refunded after approval (reward to revoke)"
    DENIED = "denied", "Denied by staff"
    UNATTRIBUTED = "unattributed", "Not attributed to a graduate"
    SUPERSEDED = "superseded", "Replaced by the friend's purchase"


# Conversions that count towards a graduate's cap and review threshold.
COUNTED = (Status.HELD, Status.REVIEW, Status.APPROVED, Status.REFUNDED)
# What the Review queue lists.
TO_REVIEW = (Status.REVIEW, Status.REFUSED)


class Conversion(models.Model):
    """One friend converting in one program: exactly one per (source, order id) of a purchase and per
    confirmed registration, and at most one "first" per friend's inbox and program (the only one that
    can earn the graduate anything; later ones are kept, refused as "not the first")."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    friend_email = models.EmailField(max_length=254)
    friend_inbox = models.CharField(max_length=254, help_text="The inbox the address reaches (inboxes.mailbox).")
    lead = models.ForeignKey(
        "referrals.FriendLead", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    # A purchase's (source, order id) as integrations reported it; both empty for a free registration.
    source = models.CharField(max_length=40, blank=True)
    order_id = models.CharField(max_length=200, blank=True)
    link = models.ForeignKey(
        "referrals.ReferralLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    graduate = models.ForeignKey(
        "campaigns.Student", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.CharField(max_length=8, choices=Rule.choices, default=Rule.NONE)
    evidence = models.JSONField(default=dict, blank=True, help_text="The code, click, lead and times the rule used.")
    is_first = models.BooleanField(default=True, help_text="The friend's first conversion in this program.")
    status = models.CharField(max_length=30, choices=Status.choices)
    # [{"code": "self_referral", "text": "…"}]: every reason it was refused or held.
    reasons = models.JSONField(default=list, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, help_text="When the friend registered or paid.")
    created_at = models.DateTimeField(default=timezone.now)
    hold_until = models.DateTimeField(null=True, blank=True, help_text="The end of the program's refund window.")
    approved_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "program", "friend_inbox", condition=Q(is_first=True), name="conversion_first_per_inbox"
            ),
            models.UniqueConstraint("source", "order_id", condition=~Q(source=""), name="conversion_once_per_order"),
            models.UniqueConstraint("lead", condition=Q(source=""), name="conversion_once_per_registration"),
        ]
        indexes = [
            # The periodic pass: held conversions whose refund window has passed.
            models.Index(fields=["hold_until"], name="conversion_hold_due", condition=Q(status="held_refund_window")),
            models.Index(fields=["graduate", "occurred_at"], name="conversion_graduate_time"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        what = f"{self.source} order {self.order_id}" if self.source else "registration"
        return f"{self.friend_email}: {what} ({self.get_status_display()})"

    @property
    def reasons_text(self) -> str:
        return "; ".join(reason.get("text", "") for reason in self.reasons or [])
