"""The referral half (phases 5–6): the creator's ask and offer, graduates' special links, clicks, friends.

- ``ReferralPlan``: the SMART-I ask, the friend's special access and the graduate's thank-you,
  authored on the program page (one per program).
- ``ReferralLink``: a graduate's own ``/r/<code>`` link.
- ``ReferralClick``: a person (not a bot) opening it; one per browser per day, recorded by one
  statement (``ReferralClick.objects.record``) wherever a click comes from: the view, the
  simulation, the benchmark.
- ``FriendLead``: a friend who registered through a link; nothing happens for them (enrollment,
  attribution, "a friend joined") until they confirm their address from the email we send it. Also a
  person who registered on the public program page (no link), or asked there to be told when
  registration opens (status "waitlist"): the same confirmation, the same guarantees.
"""

from datetime import datetime

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models.functions import Lower
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable

from campaigns.inboxes import mailbox
from campaigns.names import validate_person_name
from referrals.rewards.models import NO_THANK_YOU, PLAN_KIND_CHOICES, RewardKind

# A new program's ask: fits any program (no audience, no promise but the program's own), and passes
# the SMART-I and non-salesy checks as it stands (tests/referrals/test_program_defaults.py).
DEFAULT_ASK_SUBJECT = "{{ first_name }}, {{ ask_count }} people, {{ ask_deadline }}?"
DEFAULT_ASK_BODY = """{{ first_name }}, a few weeks ago you wrote:

"{{ testimonial_quote }}"

We are out to {{ mission_statement }}. {{ mission_progress }}

Would you help one more person get there? Think of {{ ask_count }} people in your life who are facing \
what you faced before you started, and in the next few days — {{ ask_deadline }} — send them your special \
link with a personal note about what changed for you:

{{ special_link }}

Through your link they get something they cannot get on their own: {{ friend_offer }}.

{{ thank_you }}

Thank you for being part of this."""
DEFAULT_THANK_YOU_TEXT = "When a friend joins, you get a free one-to-one session with our team, as our thank-you."


class FriendOffer(models.TextChoices):
    REGISTRATION = "registration", "Registration while it is closed to everyone else"
    TRIAL = "trial", "A free trial"
    BONUS = "bonus", "A bonus (session, material)"
    DISCOUNT = "discount", "A discount code"


# The friend's offer a new ask starts from, by the program's registration state: "registration while
# closed" means nothing while anyone may register, so an open program starts from a bonus.
OFFER_WHILE_CLOSED = (
    FriendOffer.REGISTRATION,
    "a place in the next cohort now, while registration is closed to everyone else",
)
OFFER_WHILE_OPEN = (FriendOffer.BONUS, "a free welcome session with our team on top of the program, to start well")


def default_offer(*, registration_open: bool) -> tuple[str, str]:
    """(friend_offer, friend_offer_text) for a new ask of a program whose registration is open or not."""
    return OFFER_WHILE_OPEN if registration_open else OFFER_WHILE_CLOSED


class EnrollmentMode(models.TextChoices):
    DIRECT = "direct", "Enroll the friend here (free program or trial)"
    CHECKOUT = "checkout", "Hand off to my checkout page (ref=<code> carried along)"


class ReferralPlan(Orderable):
    """How a program asks happy graduates to refer, and what their friends and they themselves get."""

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="referral_plans")
    ask_subject = models.CharField(max_length=150, default=DEFAULT_ASK_SUBJECT)
    ask_body = models.TextField(
        default=DEFAULT_ASK_BODY,
        help_text="Merge fields: {{ first_name }}, {{ testimonial_quote }}, {{ mission_statement }}, "
        "{{ mission_progress }}, {{ mission_goal }}, {{ ask_count }}, {{ ask_deadline }}, {{ special_link }}, "
        "{{ friend_offer }}, {{ thank_you }}.",
    )
    ask_count_min = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    ask_count_max = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    ask_window_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)], help_text="The window the ask names."
    )
    delay_after_testimonial_days = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(90)], help_text="Days after their testimonial before the ask."
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="One reminder this many days later, only if the link was not shared from the hub or opened by "
        "two different people. Empty: none.",
    )
    # The editor starts a new ask from default_offer() for the program's registration state.
    friend_offer = models.CharField(max_length=20, choices=FriendOffer.choices, default=OFFER_WHILE_CLOSED[0])
    friend_offer_text = models.CharField(
        max_length=255,
        default=OFFER_WHILE_CLOSED[1],
        help_text="The offer in plain words, as the friend reads it.",
    )
    discount_code = models.CharField(max_length=40, blank=True, help_text="For a discount offer.")
    access_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How long after the link's first click a friend may use the special access.",
    )
    enrollment_mode = models.CharField(max_length=10, choices=EnrollmentMode.choices, default=EnrollmentMode.DIRECT)
    checkout_url = models.URLField(blank=True, help_text="Your checkout page, when friends pay there.")
    # The thank-you's kind is its one source of truth: what the ask promises ({{ thank_you }}, from
    # referrals/rewards/rules.py) and what is delivered (referrals/rewards/services.py) both read it.
    thank_you_text = models.CharField(
        max_length=255,
        blank=True,
        default=DEFAULT_THANK_YOU_TEXT,
        help_text="What the graduate gets, in plain words, as the ask promises it ({{ thank_you }}). Never money. "
        "With thank-you tiers, the tiers' own words are promised instead.",
    )
    reward_kind = models.CharField(
        max_length=20,
        choices=PLAN_KIND_CHOICES,
        default=RewardKind.BOOKING_LINK,
        verbose_name="thank-you",
        help_text="What the graduate gets and how it reaches them. No thank-you: the ask promises none.",
    )
    reward_every = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="One thank-you for every this many friends who join (1: when one friend joins). "
        "Thank-you tiers, when you add some, replace this rule.",
    )
    reward_booking_url = models.URLField(blank=True, help_text="For a booking link: where they book their session.")
    reward_target_program = models.ForeignKey(
        "campaigns.ProgramPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For access: a program here (the graduate is enrolled in it).",
    )
    reward_target_ref = models.CharField(
        max_length=200,
        blank=True,
        help_text="For access elsewhere: what your platform calls it (sent in the reward.released webhook).",
    )
    # Attribution and validation (referrals/conversions/services.py).
    attribution_window_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A purchase without a referral code is credited to the link a friend registered through "
        "this many days before at most.",
    )
    refund_window_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(365)],
        help_text="A thank-you waits this long after the friend joins or pays, in case of a refund. 0: no wait.",
    )
    reward_cap = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="The most friends credited to one graduate in the period; more are refused.",
    )
    reward_cap_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="The cap's period."
    )
    review_threshold = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="More friends than this credited to one graduate in the period are held for review.",
    )
    review_threshold_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="The threshold's period."
    )
    publish_with_unmet_criteria = models.BooleanField(
        default=False,
        help_text="Publish even though the SMART-I check finds criteria unmet (recorded in the revision).",
    )

    panels = [
        FieldPanel("ask_subject"),
        FieldPanel("ask_body"),
        FieldRowPanel([FieldPanel("ask_count_min"), FieldPanel("ask_count_max"), FieldPanel("ask_window_days")]),
        FieldRowPanel([FieldPanel("delay_after_testimonial_days"), FieldPanel("reminder_after_days")]),
        MultiFieldPanel(
            [
                FieldPanel("friend_offer"),
                FieldPanel("friend_offer_text"),
                FieldPanel("discount_code"),
                FieldPanel("access_days"),
                FieldPanel("enrollment_mode"),
                FieldPanel("checkout_url"),
            ],
            heading="The friend's special access",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("reward_kind"), FieldPanel("reward_every")]),
                FieldPanel("thank_you_text"),
                FieldPanel("reward_booking_url"),
                FieldRowPanel(
                    [FieldPanel("reward_target_program", widget=forms.Select), FieldPanel("reward_target_ref")]
                ),
            ],
            heading="The graduate's thank-you",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("attribution_window_days"), FieldPanel("refund_window_days")]),
                FieldRowPanel([FieldPanel("reward_cap"), FieldPanel("reward_cap_days")]),
                FieldRowPanel([FieldPanel("review_threshold"), FieldPanel("review_threshold_days")]),
            ],
            heading="Crediting friends: windows, cap and review",
        ),
        FieldPanel("publish_with_unmet_criteria"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "referral ask"

    def __str__(self) -> str:
        return f"referral ask of program {self.program_id}"

    @property
    def ask_count_label(self) -> str:
        low, high = self.ask_count_min, self.ask_count_max
        return str(low) if low == high else f"{low}–{high}"

    @property
    def has_thank_you(self) -> bool:
        """The "every N" thank-you is on (tiers, when the program has any, are read by rules.promise)."""
        return self.reward_kind != NO_THANK_YOU and bool(self.thank_you_text.strip())


class ReferralLink(models.Model):
    """A graduate's special-access link for one program: ``/r/<code>``, short enough to read aloud."""

    wagtail_reference_index_ignore = True

    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="referral_links")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    first_shared_at = models.DateTimeField(null=True, blank=True, help_text="First copy or share from the hub.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The link's first counted click (where its access window starts), kept once it is known: finding it
    # among the clicks reads every click of the link's first day, thousands for a link shared widely.
    first_click_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint("student", "program", name="referral_link_one_per_program")]

    def __str__(self) -> str:
        return self.code


# The click's one statement: find the live link by its code and record the visit, once per browser
# per day, in a single round trip with no transaction around it (the hot path of /r/<code>).
_CLICK_SQL = (
    "INSERT INTO {click} (link_id, visitor, client, day, clicked_at) "
    "SELECT id, %s, %s, %s, %s FROM {link} WHERE code = %s AND revoked_at IS NULL{commit} "
    "ON CONFLICT (link_id, day, visitor) DO NOTHING"
)
# PostgreSQL: this statement's own transaction commits without waiting for the WAL flush (SET LOCAL
# inside the statement; see CLICK_DURABLE_COMMIT in settings). The flush is most of a click's cost.
_ASYNC_COMMIT = " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"


class ReferralClickManager(models.Manager):
    def record(self, *, code: str, visitor: str, client: str = "", now: datetime | None = None) -> bool:
        """Record a person's visit through ``code`` (already normalized) from ``client``
        (clicks.click_client); False for an unknown or revoked code or a repeat visit from the same
        browser today. Whether the visitor is a person is the caller's to decide (clicks.visit_record)."""
        now = now or timezone.now()
        asynchronous = connection.vendor == "postgresql" and not settings.CLICK_DURABLE_COMMIT
        sql = _CLICK_SQL.format(
            click=self.model._meta.db_table,
            link=ReferralLink._meta.db_table,
            commit=_ASYNC_COMMIT if asynchronous else "",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [visitor[:32], client[:16], now.date(), now, code])
            return cursor.rowcount == 1


class ReferralClick(models.Model):
    """One person's visit through a link (bots, scanners and HEAD requests are not recorded)."""

    wagtail_reference_index_ignore = True

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="clicks", db_index=False)
    visitor = models.CharField(max_length=32, help_text="A random id kept in the visitor's browser cookie.")
    client = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="A keyed hash of the visitor's network (never the address itself): one script that drops "
        "its cookie on every request is still one client. Empty for clicks recorded before it was kept.",
    )
    day = models.DateField()
    clicked_at = models.DateTimeField(default=timezone.now)

    objects = ReferralClickManager()

    class Meta:
        # The same browser counts once per day. Day before visitor: the index also finds a link's first
        # day of clicks at once (the start of its access window, read on every landing page).
        constraints = [models.UniqueConstraint("link", "day", "visitor", name="click_once_per_browser_day")]

    def __str__(self) -> str:
        return f"click on {self.link_id} at {self.clicked_at:%Y-%m-%d %H:%M}"


class LeadStatus(models.TextChoices):
    PENDING = "pending", "Waiting for them to confirm their address"
    REGISTERED = "registered", "Confirmed (already in the program: nothing to enroll)"
    CHECKOUT = "checkout", "Sent to checkout"
    ENROLLED = "enrolled", "Enrolled"
    # From the program page while registration is closed: "tell me when it opens" (no enrollment, ever).
    WAITLIST = "waitlist", "Waiting for registration to open"


class FriendLead(models.Model):
    """A friend who registered through a graduate's link: one per inbox and program, attributed once, to the
    first link, and only when they confirm their address (a public form proves nothing about who typed it)."""

    wagtail_reference_index_ignore = True

    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    # The link they came through (kept when it is not credited: self-referral, already a student)...
    via_link = models.ForeignKey(ReferralLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # ...and the one credited with them, set on confirmation (or, at a checkout, on the purchase).
    link = models.ForeignKey(ReferralLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    email = models.EmailField(max_length=254)
    # The inbox the address reaches (inboxes.mailbox), written by save(): "the same inbox" (one lead per
    # inbox, a buyer's checkout hand-off) is then an index lookup, not a regular expression over every lead.
    inbox = models.CharField(max_length=254, blank=True, default="", db_default="", editable=False)
    first_name = models.CharField(max_length=100, validators=[validate_person_name])
    last_name = models.CharField(max_length=100, blank=True, validators=[validate_person_name])
    consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When they ticked the box for marketing email; empty: only emails about their registration.",
    )
    # The graduate's loop emails (referrals/loops.py) name the friend only with this: otherwise "a friend".
    name_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When they ticked the box to let the graduate who invited them see their first name; "
        'empty: the graduate reads "a friend".',
    )
    registered_at = models.DateTimeField(default=timezone.now)
    offer_until = models.DateTimeField(null=True, blank=True, help_text="Their special access ran until then.")
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When they confirmed their address.")
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default=LeadStatus.PENDING)
    student = models.ForeignKey("campaigns.Student", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attribution_note = models.CharField(max_length=255, blank=True)
    opening_notice_at = models.DateTimeField(
        null=True, blank=True, help_text="When a waitlisted person was told that registration is open."
    )

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), "program", name="lead_once_per_program")]
        indexes = [models.Index(fields=["program", "inbox"], name="lead_program_inbox")]
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.first_name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.inbox = mailbox(self.email)
        if (fields := kwargs.get("update_fields")) is not None and "email" in fields:
            kwargs["update_fields"] = {*fields, "inbox"}
        super().save(*args, **kwargs)


# Outbound webhooks keep their records in their own module; importing them here makes them this app's.
from referrals.conversions.models import Conversion  # noqa: E402, F401
from referrals.rewards.models import Reward, RewardCode, RewardTier  # noqa: E402, F401
from referrals.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
