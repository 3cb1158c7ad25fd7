"""The graduate's thank-you as a record: one ``Reward`` per rule met (every N approved friends of one
graduate in one program, or each ``RewardTier`` reached), delivered by its kind, and the program's
``RewardCode`` bank (single-use codes the creator uploads). Nothing here is money: a booking link, a code,
a physical gift, access to another program or an early-access release."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable


class RewardKind(models.TextChoices):
    BOOKING_LINK = "booking_link", "A bonus-session booking link"
    CODE_BANK = "code_bank", "A single-use code from the code bank"
    GIFT = "gift", "A physical gift (shipped)"
    PROGRAM_ACCESS = "program_access", "Access to another program"
    EARLY_ACCESS = "early_access", "Early access to a new release"


# Access kinds: a program of this engine is given by enrolling the graduate in it; anything else (the
# creator's own platform) by the outbound ``reward.released`` webhook, which carries the target.
ACCESS_KINDS = frozenset({RewardKind.PROGRAM_ACCESS, RewardKind.EARLY_ACCESS})
# The plan's choice: the one source of truth for both the ask's promise and what is delivered.
NO_THANK_YOU = "none"
PLAN_KIND_CHOICES = [(NO_THANK_YOU, "No thank-you"), *RewardKind.choices]


class RewardStatus(models.TextChoices):
    OWED = "owed", "Owed (waiting to be released)"
    RELEASED = "released", "Released"
    FULFILLED = "fulfilled", "Fulfilled (shipped)"
    REVOKED = "revoked", "Revoked"


class Reward(models.Model):
    """The ``number``-th thank-you of one graduate in one program: unique, so a rule met twice at once
    (two approvals in parallel) still makes one reward."""

    wagtail_reference_index_ignore = True

    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the graduate's first thank-you in this program, …")
    conversions = models.ManyToManyField("referrals.Conversion", related_name="rewards", blank=True)
    kind = models.CharField(max_length=20, choices=RewardKind.choices)
    # What was promised, as it stood when the rule was met (a later edit of the plan changes nothing here).
    tier_friends = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The tier's threshold (friends joined) it was given for; empty: every N."
    )
    description = models.CharField(max_length=255, blank=True, help_text="The thank-you as the graduate reads it.")
    target_program = models.ForeignKey(
        "campaigns.ProgramPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_ref = models.CharField(max_length=200, blank=True, help_text="What the creator's platform calls it.")
    # The enrollment this reward itself created (never one the graduate had already): a revocation withdraws it.
    enrollment = models.ForeignKey(
        "campaigns.Enrollment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=RewardStatus.choices, default=RewardStatus.OWED)
    reason = models.CharField(max_length=255, blank=True, help_text="Why it is owed, or why it was revoked.")
    booking_url = models.URLField(blank=True)
    code_shown_at = models.DateTimeField(
        null=True, blank=True, help_text="When the graduate's hub first showed the code: it counts as used then."
    )
    tracking_note = models.CharField(max_length=500, blank=True)
    # The shipping address the graduate enters in their hub (a physical gift); cleared on erasure.
    ship_name = models.CharField(max_length=150, blank=True)
    ship_line1 = models.CharField(max_length=200, blank=True)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_postcode = models.CharField(max_length=20, blank=True)
    ship_city = models.CharField(max_length=100, blank=True)
    ship_country = models.CharField(max_length=100, blank=True)
    address_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("student", "program", "number", name="reward_once_per_rule_met"),
            models.UniqueConstraint(
                "student",
                "program",
                "tier_friends",
                condition=Q(tier_friends__isnull=False),
                name="reward_once_per_tier",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"thank-you {self.number} of student {self.student_id} ({self.get_status_display()})"

    @property
    def tier(self) -> str:
        """The admin list's "Tier" column: the threshold it was given for, or the "every N" rule's number."""
        if self.tier_friends:
            return f"at {self.tier_friends} friend{'s' if self.tier_friends != 1 else ''}"
        return f"no. {self.number} (every N)"

    @property
    def has_address(self) -> bool:
        return bool(self.ship_name and self.ship_line1 and self.ship_city and self.ship_country)

    @property
    def address_text(self) -> str:
        parts = [self.ship_name, self.ship_line1, self.ship_line2, f"{self.ship_postcode} {self.ship_city}".strip()]
        return ", ".join(p for p in [*parts, self.ship_country] if p)

    @property
    def code_text(self) -> str:
        code = getattr(self, "code", None)
        return code.code if code is not None else ""


class RewardTier(Orderable):
    """A thank-you given once when the graduate's approved friends reach ``friends`` (e.g. 1, 3 and 5).
    A program with tiers follows them instead of the plan's "one for every N"; edited in the program editor
    next to the plan's thank-you (a child of the page, so drafts, revisions and previews carry it)."""

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="reward_tiers")
    friends = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(1, "A tier is reached by 1 friend at least."),
            MaxValueValidator(100, "A tier is reached by 100 friends at most."),
        ],
        help_text="Friends joined to reach it.",
    )
    kind = models.CharField(max_length=20, choices=RewardKind.choices, default=RewardKind.BOOKING_LINK)
    description = models.CharField(
        max_length=255,
        help_text="What the graduate gets, in plain words (the ask promises it). Never money.",
    )
    booking_url = models.URLField(blank=True, help_text="For a booking link: where they book.")
    target_program = models.ForeignKey(
        "campaigns.ProgramPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For access: a program here (the graduate is enrolled in it).",
    )
    target_ref = models.CharField(
        max_length=200,
        blank=True,
        help_text="For access elsewhere: what your platform calls it (sent in the reward.released webhook).",
    )

    panels = [
        FieldRowPanel([FieldPanel("friends"), FieldPanel("kind")]),
        FieldPanel("description"),
        FieldPanel("booking_url"),
        FieldRowPanel([FieldPanel("target_program", widget=forms.Select), FieldPanel("target_ref")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "thank-you tier"

    def __str__(self) -> str:
        return f"at {self.friends} friends: {self.description}"


class RewardCode(models.Model):
    """One single-use code of a program's bank; ``reward`` is set when it is given (and cleared again
    when a revoked reward's code was never shown)."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=100)
    reward = models.OneToOneField(Reward, on_delete=models.SET_NULL, null=True, blank=True, related_name="code")
    used = models.BooleanField(default=False, help_text="Given and shown (or revoked after it was shown): spent.")
    added_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("program", "code", name="reward_code_once_per_program")]
        indexes = [
            models.Index(
                fields=["program", "id"], name="reward_code_free", condition=Q(reward__isnull=True, used=False)
            )
        ]

    def __str__(self) -> str:
        return self.code
