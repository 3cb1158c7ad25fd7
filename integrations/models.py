"""Every request that comes in from outside (our events API, later the platforms' webhooks), stored
before anything is done with it, and the purchases those requests report."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Outcome(models.TextChoices):
    PENDING = "pending", "Pending (to be processed)"
    PROCESSED = "processed", "Processed"
    WAITING = "waiting", "Waiting for an earlier event"
    FAILED = "failed", "Failed"
    DUPLICATE = "duplicate", "Duplicate (acted on once, as the first)"
    REJECTED = "rejected", "Rejected at the door (bad body)"
    UNVERIFIED = "unverified", "Unverified (never processed)"


# Outcomes of an event that owns its id and is (or was) handed to the task runner.
ACCEPTED_OUTCOMES = (Outcome.PENDING, Outcome.PROCESSED, Outcome.WAITING, Outcome.FAILED)


class InboundEvent(models.Model):
    """One inbound request, exactly as it came (minus its secrets), and what became of it.

    Only a verified, well-formed request is ``accepted``: it owns its (source, event id) and is processed,
    once, by the task runner. Everything else (a bad signature, a body that is not JSON, a repeat) is
    kept for the record and never acts.
    """

    wagtail_reference_index_ignore = True

    source = models.CharField(max_length=40, default="api", help_text='"api", or a platform adapter.')
    external_id = models.CharField(max_length=255, blank=True, help_text="The sender's event id (webhook-id).")
    event_type = models.CharField(max_length=60, blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="As received, without signatures or tokens.")
    body = models.TextField(blank=True)
    body_size = models.PositiveIntegerField(default=0, help_text="Bytes received (the stored body may be cut short).")
    body_truncated = models.BooleanField(default=False)
    body_sha256 = models.CharField(max_length=64, blank=True)
    verified = models.BooleanField(default=False)
    accepted = models.BooleanField(default=False, help_text="Owns its event id and is processed.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="What we answered.")
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # What a waiting event waits for, e.g. "enrollment:ann@example.org:12" or "purchase:api:ord_1".
    waiting_for = models.CharField(max_length=400, blank=True)

    class Meta:
        constraints = [
            # The idempotency key: one accepted event per (source, event id); repeats are rows of their own.
            models.UniqueConstraint(
                "source", "external_id", condition=Q(accepted=True), name="inbound_event_once_per_source"
            ),
        ]
        indexes = [
            # The periodic pass: accepted events that are due again.
            models.Index(
                fields=["next_attempt_at"],
                name="inbound_event_due",
                condition=Q(outcome__in=["pending", "waiting"]),
            ),
            models.Index(fields=["waiting_for"], name="inbound_event_waiting", condition=Q(outcome="waiting")),
        ]
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound event"

    def __str__(self) -> str:
        return f"{self.source} {self.event_type or 'event'} {self.external_id or '(no id)'}"


class Purchase(models.Model):
    """A purchase a platform reported, with the referral evidence it carried (a ``ref`` code, a coupon, the
    platform's affiliate field) and the friend's checkout lead for that address, if there was one. Kept
    as evidence for the attribution rules; nothing here credits or rewards anyone."""

    wagtail_reference_index_ignore = True

    source = models.CharField(max_length=40)
    order_id = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(
        "campaigns.Enrollment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    ref = models.CharField(max_length=64, blank=True, help_text="The referral code the checkout carried.")
    coupon = models.CharField(max_length=64, blank=True)
    affiliate = models.CharField(max_length=64, blank=True, help_text="The platform's affiliate field.")
    friend_lead = models.ForeignKey(
        "referrals.FriendLead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purchased_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_amount = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    # Each refund event once: [{"event": <InboundEvent id>, "amount": "10.00" | null, "at": iso}].
    refunds = models.JSONField(default=list, blank=True)
    inbound_event = models.ForeignKey(InboundEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint("source", "order_id", name="purchase_once_per_order")]
        ordering = ["-purchased_at"]

    def __str__(self) -> str:
        return f"{self.source} order {self.order_id} ({self.email})"
