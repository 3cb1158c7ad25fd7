"""Every request that comes in from outside (our events API, the course platforms' webhooks), stored
before anything is done with it, the purchases those requests report, and what connects a platform to
a program (its ids in the program editor, the secret token in the URL of the platforms that do not sign)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from campaigns.models.inserts import insert_one
from campaigns.widgets import MilestoneSlugInput


class Outcome(models.TextChoices):
    PENDING = "pending", "Pending (to be processed)"
    PROCESSED = "processed", "Processed"
    WAITING = "waiting", "Waiting for an earlier event"
    FAILED = "failed", "Failed"
    DUPLICATE = "duplicate", "Duplicate (acted on once, as the first)"
    REJECTED = "rejected", "Rejected at the door (its status and error say why)"
    UNVERIFIED = "unverified", "Unverified (never processed)"
    # A platform's event for a product, course or lesson no program is mapped to (the program editor's
    # Integrations tab): kept, and processed when replayed after the mapping is added.
    UNMAPPED = "unmapped", "Unmapped (no program has this platform id)"
    IGNORED = "ignored", "Ignored (a type or state we do not act on)"


# The webhook-id of every event simulate_cohort reports ("sim-<run>-<n>"), so the admin can tell its
# events from the platforms' (Inbound events → Simulated).
SIMULATED_ID_PREFIX = "sim-"


# Outcomes of an event that owns its id and is (or was) handed to the task runner.
ACCEPTED_OUTCOMES = (
    Outcome.PENDING,
    Outcome.PROCESSED,
    Outcome.WAITING,
    Outcome.FAILED,
    Outcome.UNMAPPED,
    Outcome.IGNORED,
)


class InboundEventManager(models.Manager):
    def insert_one(self, *, checks_connection: bool = False, **values) -> int:
        """One row, written without the ORM's ``create()``, its id returned: accepting an event is the
        events API's hot path, and ``create()`` was a third of its cost. Nothing listens to this model's
        save signals (the reference index ignores it). ``checks_connection``: for an accepted event, whose
        unique (source, event id) makes a second run of the INSERT fail (``inserts.insert_one``)."""
        return insert_one(self.model, values, checks_connection=checks_connection)


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

    objects = InboundEventManager()

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


class Platform(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    THINKIFIC = "thinkific", "Thinkific"
    TEACHABLE = "teachable", "Teachable"
    KAJABI = "kajabi", "Kajabi"


class PlatformIdKind(models.TextChoices):
    # A purchase names what was sold, an enrollment or a completion the course: the same number can be
    # a product on one and a course on the other, so each id says which it is.
    PRODUCT = "product", "Product, offer, price or payment link (what is sold)"
    COURSE = "course", "Course (what is taken)"


class ProgramPlatformId(Orderable):
    """One of a course platform's ids that means this program: a Stripe price or payment link, a Thinkific
    product or course, a Teachable course, a Kajabi offer. Edited in the program editor's Integrations tab."""

    wagtail_reference_index_ignore = True

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="platform_ids")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    kind = models.CharField(max_length=10, choices=PlatformIdKind.choices, default=PlatformIdKind.PRODUCT)
    external_id = models.CharField(
        "platform id",
        max_length=200,
        help_text="As the platform shows it, e.g. price_1Q2w3E or plink_1Q2w3E (Stripe), 1234 (Thinkific product), "
        "987 (Teachable course), 2148123 (Kajabi offer).",
    )

    panels = [FieldRowPanel([FieldPanel("platform"), FieldPanel("kind"), FieldPanel("external_id")])]

    class Meta(Orderable.Meta):
        indexes = [models.Index(fields=["platform", "external_id"], name="program_platform_id_lookup")]
        verbose_name = "platform id"

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.kind} {self.external_id}"


class MilestonePlatformId(Orderable):
    """A lesson, lecture or chapter on a course platform whose completion means a milestone of this program."""

    wagtail_reference_index_ignore = True

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="milestone_platform_ids")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(
        "lesson id", max_length=200, help_text="The lesson (Thinkific), lecture (Teachable) or chapter id."
    )
    milestone_slug = models.SlugField(
        "milestone", max_length=60, help_text="The milestone's id (slug) from the Content tab, e.g. first-win."
    )

    panels = [
        FieldRowPanel(
            [FieldPanel("platform"), FieldPanel("external_id"), FieldPanel("milestone_slug", widget=MilestoneSlugInput)]
        )
    ]

    class Meta(Orderable.Meta):
        indexes = [models.Index(fields=["platform", "external_id"], name="milestone_platform_id_lookup")]
        verbose_name = "lesson that means a milestone"

    def __str__(self) -> str:
        return f"{self.get_platform_display()} lesson {self.external_id} → {self.milestone_slug}"


class PlatformToken(models.Model):
    """The secret in the webhook URL of a platform that does not sign its webhooks (Teachable, Kajabi).
    Only its SHA-256 is kept: the URL is shown once, when it is made, and a rotation replaces it."""

    wagtail_reference_index_ignore = True

    source = models.CharField(max_length=20, choices=Platform.choices, unique=True)
    token_sha256 = models.CharField(max_length=64)
    rotated_at = models.DateTimeField(default=timezone.now)
    rotated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "platform token"

    def __str__(self) -> str:
        return f"{self.get_source_display()} token (since {self.rotated_at:%Y-%m-%d})"
