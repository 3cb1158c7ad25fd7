"""Sharing prompts (authored on the program page) and each student's copy of one (a delivery)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable

from campaigns.widgets import MilestoneSlugInput

MIN_TARGET, MAX_TARGET = 1, 10  # how many people the creator may ask a student to tell
MIN_SHARED, MAX_SHARED = 1, 100  # how many people a student may say they told


class Channel(models.TextChoices):
    CONVERSATION = "conversation", "A personal conversation"
    MESSAGE = "message", "A personal message"
    VICTORY_POST = "victory_post", "A victory post"


class SharingPrompt(Orderable):
    """The creator's prompt for one milestone: share how it felt with a few people, never sell.

    Authored in the program's "Sharing prompts" tab, so it has drafts, revisions and previews
    with the page; the engine reads the published rows.
    """

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="sharing_prompts")
    milestone_slug = models.SlugField(
        max_length=60, verbose_name="milestone", help_text="The slug of the milestone this prompt follows."
    )
    email_subject = models.CharField(
        max_length=150,
        default="You reached {{ milestone_title }}: a moment worth sharing",
        help_text="Merge fields: {{ first_name }}, {{ milestone_title }}, {{ program_title }}.",
    )
    ask = models.TextField(
        help_text='e.g. "Tell three people close to you how it felt to reach your first milestone." '
        "No links, prices, offers or sign-up calls: this is about the student's win, not a sale.",
    )
    target_count = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(MIN_TARGET), MaxValueValidator(MAX_TARGET)],
        help_text=f"How many people to tell ({MIN_TARGET}–{MAX_TARGET}).",
    )
    suggest_conversation = models.BooleanField(default=True, verbose_name="suggest a personal conversation")
    suggest_message = models.BooleanField(default=True, verbose_name="suggest a personal message")
    suggest_victory_post = models.BooleanField(default=False, verbose_name="suggest a victory post")
    example_reflection = models.TextField(
        blank=True,
        help_text=(
            "An example of what a student might write, shown as a hint beside their own box; "
            "the share buttons send the student's words, never this."
        ),
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Send one reminder this many days later if the prompt is not completed. Empty: no reminder.",
    )
    publish_despite_findings = models.BooleanField(
        default=False,
        help_text="The non-salesy check found phrases that read as selling and you publish anyway. "
        "Recorded in the page's revision.",
    )
    override_reason = models.CharField(max_length=255, blank=True, help_text="Why these phrases are fine here.")

    panels = [
        FieldPanel("milestone_slug", widget=MilestoneSlugInput),
        FieldPanel("email_subject"),
        FieldPanel("ask"),
        FieldRowPanel([FieldPanel("target_count"), FieldPanel("reminder_after_days")]),
        MultiFieldPanel(
            [FieldPanel("suggest_conversation"), FieldPanel("suggest_message"), FieldPanel("suggest_victory_post")],
            heading="Suggested channels",
        ),
        FieldPanel("example_reflection"),
        MultiFieldPanel(
            [FieldPanel("publish_despite_findings"), FieldPanel("override_reason")],
            heading="Non-salesy check override",
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "sharing prompt"

    def __str__(self) -> str:
        return f"prompt after {self.milestone_slug}"

    @property
    def channels(self) -> list[str]:
        chosen = (
            (Channel.CONVERSATION, self.suggest_conversation),
            (Channel.MESSAGE, self.suggest_message),
            (Channel.VICTORY_POST, self.suggest_victory_post),
        )
        return [channel.value for channel, on in chosen if on]


class PromptDelivery(models.Model):
    """One student's prompt at one milestone: sent, maybe reminded, maybe completed.

    The prompt's copy is kept as it was sent, so the student's page and the statistics stay
    true after the creator edits or deletes the prompt.
    """

    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey(
        "campaigns.Enrollment", on_delete=models.CASCADE, related_name="prompt_deliveries", db_index=False
    )
    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="prompt_deliveries")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField(max_length=60, blank=True)
    prompt = models.ForeignKey(SharingPrompt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    milestone = models.ForeignKey("campaigns.Milestone", on_delete=models.SET_NULL, null=True, related_name="+")
    milestone_slug = models.SlugField(max_length=60)
    milestone_title = models.CharField(max_length=120)
    ask = models.TextField()
    target_count = models.PositiveSmallIntegerField()
    channels = models.JSONField(default=list)
    example_reflection = models.TextField(blank=True)
    reminder_after_days = models.PositiveSmallIntegerField(null=True, blank=True)

    prompted_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    people_count = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(MIN_SHARED), MaxValueValidator(MAX_SHARED)]
    )
    reflection = models.TextField(blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "milestone_slug", name="prompt_once_per_milestone")]
        indexes = [models.Index(fields=["program", "milestone_slug"], name="delivery_program_milestone")]
        ordering = ["-prompted_at", "-id"]
        verbose_name_plural = "prompt deliveries"

    def __str__(self) -> str:
        return f"{self.milestone_title} prompt for student {self.student_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.channels if c in Channel.values]
