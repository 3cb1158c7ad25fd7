"""The records of outbound webhooks (imported by ``referrals/models.py``, so they belong to the app).

- ``WebhookEndpoint``: a URL a program's creator wants events posted to, with its signing secret.
- ``WebhookDelivery``: one event for one endpoint, kept until it lands, fails for good or is refused
  (410); its ``event_id`` is the ``webhook-id`` header, the same on every retry and replay, so the
  receiver can drop a repeat.
- ``WebhookAttempt``: one try of a delivery, as the admin's log shows it.
"""

import base64
import secrets

from django.db import models
from django.utils import timezone

from referrals.webhooks import catalogue
from testimonials.outbound import validate_public_https_url

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class PauseCause(models.TextChoices):
    NONE = "", "Active"
    FAILING = "failing", "Paused: it kept failing"
    GONE = "gone", "Disabled: it answered 410 Gone"
    CREATOR = "creator", "Paused by the team"


class WebhookEndpoint(models.Model):
    """Where a program's events are posted: a public https URL of the creator's own system."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(
        "URL",
        max_length=500,
        validators=[validate_public_https_url],
        help_text="A public https address. Redirects are not followed.",
    )
    description = models.CharField(max_length=200, blank=True, help_text="What this endpoint is for (yours only).")
    event_types = models.JSONField(
        default=list, blank=True, help_text="The events it receives; none ticked: every event."
    )
    # Kept in clear: it signs every request. Shown only to someone who may change the endpoint,
    # on a POST from its page, and never in a list, a log or an error.
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # After a rotation requests carry both signatures for a while, so the receiver can switch over.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True, editable=False)
    pause_cause = models.CharField(max_length=10, choices=PauseCause.choices, blank=True, editable=False)
    paused_reason = models.CharField(max_length=255, blank=True, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Its first failure since it last answered 2xx."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["program", "url", "pk"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    @property
    def status_label(self) -> str:
        return "Active" if self.is_active else f"{self.get_pause_cause_display()} ({self.paused_reason})"

    @property
    def events_label(self) -> str:
        return ", ".join(self.event_types) if self.event_types else "all events"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retries used up)"
    GONE = "gone", "Refused (410 Gone)"


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body we sign, and where its retries stand."""

    wagtail_reference_index_ignore = True

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField("webhook-id", max_length=100)
    event_type = models.CharField("type", max_length=50, choices=[*catalogue.choices(), (catalogue.TEST, "test")])
    # The bytes signed and sent, stored as text: a JSON column may reorder keys, and a replay must
    # send exactly what the first attempt did.
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint("endpoint", "event_id", name="webhook_delivery_once_per_event")]
        # The periodic pass: pending deliveries whose time has come.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, what came back (or what went wrong), how long it took."""

    wagtail_reference_index_ignore = True

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 2 KB of the answer.")
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=100, blank=True)
    trigger = models.CharField(max_length=20, default="schedule")

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"attempt at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
