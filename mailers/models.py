"""The outbox and everything that decides whether a message may go: contacts, suppression, events.

``mailers`` is the bottom layer: it knows addresses, not students. ``student_id`` and
``program_id`` are soft references (plain integers) so the layers above can find their
messages without this app importing them.
"""

from django.db import connection, models
from django.db.models.functions import Lower
from django.utils import timezone


class Category(models.TextChoices):
    """Why we write: decides which preferences and limits apply."""

    PROGRAM = "program", "Program email (sharing prompts, feedback and testimonial requests)"
    REFERRAL = "referral", "Referral asks"
    TRANSACTIONAL = "transactional", "Transactional (welcomes, a friend joined, links asked for)"

    @classmethod
    def marketing(cls) -> tuple[str, ...]:
        return (cls.PROGRAM.value, cls.REFERRAL.value)


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", "Hard bounce"
    COMPLAINED = "complained", "Spam complaint"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    MANUAL = "manual", "Suppressed by the team"


class Contact(models.Model):
    """One email address: what it wants to receive, whether it is suppressed.

    Its row is also the lock that serialises sends to one address, so two workers cannot
    both spend the last slot of the contact budget.
    """

    email = models.EmailField(max_length=254)
    wants_program_emails = models.BooleanField(default=True)
    wants_referral_asks = models.BooleanField(default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=20, choices=SuppressionReason.choices, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="contact_email_unique_ci",
                violation_error_message="A contact with this email address already exists (case does not matter).",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_suppressed(self) -> bool:
        return bool(self.suppressed_reason)

    def accepts(self, category: str) -> bool:
        """Hard bounces and complaints stop everything; preferences stop marketing only."""
        if self.suppressed_reason in (
            SuppressionReason.BOUNCED,
            SuppressionReason.COMPLAINED,
            SuppressionReason.MANUAL,
        ):
            return False
        if category == Category.TRANSACTIONAL:
            return True
        if self.suppressed_reason == SuppressionReason.UNSUBSCRIBED:
            return False
        if category == Category.PROGRAM:
            return self.wants_program_emails
        return self.wants_referral_asks


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    DEFERRED = "deferred", "Deferred (budget or quiet hours)"
    SENDING = "sending", "Handed to the provider, not yet confirmed"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Not sent: address suppressed"
    OPTED_OUT = "opted_out", "Not sent: recipient opted out"
    CANCELLED = "cancelled", "Not sent: cancelled, no longer needed"

    @classmethod
    def pending(cls) -> tuple[str, ...]:
        return (cls.QUEUED.value, cls.DEFERRED.value)


class MessageQuerySet(models.QuerySet):
    def mark_sent(self, sent: list[tuple[int, str, str]], *, provider: str) -> None:
        """Mark ``(id, subject, provider message id)`` rows sent, as the sender's outcome for a chunk.

        One statement per chunk on PostgreSQL (a row-by-row UPDATE costs a round trip each);
        SQLite runs in-process, where a prepared statement repeated is as fast. A row a fast
        delivery webhook already marked sent still gets its subject and provider id.
        """
        table = self.model._meta.db_table
        set_clause = (
            "status = %s, subject = v.subject, provider = %s, provider_message_id = v.pid, "
            "lease_until = NULL, last_error = '', deferred_reason = ''"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                rows = ", ".join(["(%s::bigint, %s, %s)"] * len(sent))
                cursor.execute(
                    f"UPDATE {table} AS m SET {set_clause} FROM (VALUES {rows}) AS v(id, subject, pid) "  # noqa: S608
                    "WHERE m.id = v.id AND m.status IN (%s, %s)",
                    [Status.SENT, provider, *[value for row in sent for value in row], Status.SENDING, Status.SENT],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET status = %s, subject = %s, provider = %s, provider_message_id = %s, "  # noqa: S608
                    "lease_until = NULL, last_error = '', deferred_reason = '' WHERE id = %s AND status IN (%s, %s)",
                    [
                        (Status.SENT, subject, provider, pid, pk, Status.SENDING, Status.SENT)
                        for pk, subject, pid in sent
                    ],
                )


class Message(models.Model):
    """One email to one recipient. ``idempotency_key`` makes queuing the same message twice a no-op."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=60)
    category = models.CharField(max_length=20, choices=Category.choices)
    to_email = models.EmailField(max_length=254)
    to_name = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    context = models.JSONField(default=dict, blank=True, help_text="Merge values, rendered at send time.")

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    deferred_reason = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)

    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While sending: after this, a crash is assumed and the message reconciled."
    )
    subject = models.CharField(max_length=255, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was handed to the provider.")

    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)

    student_id = models.BigIntegerField(null=True, blank=True, help_text="Soft reference to campaigns.Student")
    program_id = models.BigIntegerField(null=True, blank=True, help_text="Soft reference to the program page")
    program_title = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    wagtail_reference_index_ignore = True

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="message_pending_due",
                condition=models.Q(status__in=["queued", "deferred"]),
            ),
            # The contact budget: marketing sent to one address lately.
            models.Index(Lower("to_email"), "sent_at", name="message_recipient_sent"),
            models.Index(fields=["student_id", "created_at"], name="message_student"),
            models.Index(fields=["provider_message_id"], name="message_provider_id"),
            models.Index(fields=["lease_until"], name="message_in_doubt", condition=models.Q(status="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class MessageEvent(models.Model):
    """What the provider told us happened to a message (anymail tracking webhooks)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    provider = models.CharField(max_length=40)
    event_type = models.CharField(max_length=30)
    event_id = models.CharField(max_length=200, blank=True)
    recipient = models.EmailField(max_length=254, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    description = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Providers retry webhooks: the same event is recorded once.
            models.UniqueConstraint(
                "provider", "event_id", name="message_event_once", condition=~models.Q(event_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.recipient}"


class ErasedAddress(models.Model):
    """An address whose owner was erased, kept only as a one-way hash so it is never mailed again.

    The send path hashes every recipient and refuses these; nothing here can be turned back
    into the address (see ``mailers.erasure.address_hash``).
    """

    email_sha256 = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField(default=timezone.now)

    wagtail_reference_index_ignore = True

    def __str__(self) -> str:
        return f"erased address {self.email_sha256[:12]}…"
