"""Feedback for everyone, support for the unhappy, testimonials from the happy (phases 2–4).

- ``FeedbackPlan``: the creator's feedback request for a program (authored on the program page).
- ``FeedbackResponse``: one student's answer to one round of it (score, answers, route).
- ``SupportCase``: an unhappy student's case for the team; while open, no asks go to them.
- ``Testimonial``: what a student wrote, with their consent level, moderated before it shows; it
  keeps the last approved version (``published_*``), which is what every public place shows.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable

from campaigns.widgets import MilestoneSlugInput
from testimonials.outbound import validate_public_https_url

SCORES = range(0, 11)


class Route(models.TextChoices):
    HAPPY = "happy", "Happy"
    NEUTRAL = "neutral", "Neutral"
    UNHAPPY = "unhappy", "Unhappy"


class FeedbackPlan(Orderable):
    """When and how a program asks its students for feedback, and what happens next.

    One per program (the editor allows one); the engine reads the published row.
    """

    program = ParentalKey("campaigns.ProgramPage", on_delete=models.CASCADE, related_name="feedback_plans")
    after_milestone_slug = models.SlugField(
        max_length=60,
        blank=True,
        verbose_name="after milestone",
        help_text="Ask right after this milestone. Leave empty to ask some days after the student graduates.",
    )
    days_after_completion = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(365)],
        help_text="Used when no milestone is set: ask this many days after graduation.",
    )
    email_subject = models.CharField(max_length=150, default="{{ first_name }}, how was {{ program_title }}?")
    email_intro = models.TextField(
        default="You have come a long way in {{ program_title }}. One click tells us how it went: "
        "how likely are you to recommend it to a friend?",
        help_text="Above the 0–10 scale. Merge fields: {{ first_name }}, {{ program_title }}.",
    )
    questions = models.TextField(
        default="What was different for you before and after the program?\n"
        "Which moment made you feel it was working?\n"
        "What would you tell a friend who is where you were?",
        verbose_name="questions after a happy score",
        help_text="One question per line, asked after a happy score. Make them recall what changed.",
    )
    # A student who gave 3/10 is not asked "which moment made you feel it was working?": neutral and
    # unhappy scores get questions of their own, chosen by the score before any words are read.
    neutral_questions = models.TextField(
        default="What would have made it a 10 for you?\nWhat worked for you, and what did not?",
        verbose_name="questions after a neutral score",
        help_text="One question per line, asked instead when the score is neutral.",
    )
    unhappy_questions = models.TextField(
        default="What went wrong for you?\nWhat would have helped?\nIs there anything we can do now to make it right?",
        verbose_name="questions after an unhappy score",
        help_text="One question per line, asked instead when the score is unhappy. A person reads every answer.",
    )
    happy_min = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(10)], help_text="Scores from here up are happy (default 9)."
    )
    neutral_min = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(10)],
        help_text="Scores from here to below the happy threshold are neutral (default 7); lower is unhappy.",
    )
    support_email = models.EmailField(help_text="Where new support cases are emailed.")
    helpdesk_webhook_url = models.URLField(
        blank=True,
        validators=[validate_public_https_url],  # checked again at each send: DNS can change
        help_text="Optional: new cases are also POSTed here as JSON, signed with HMAC-SHA256 "
        "(header X-Signature-SHA256) using HELPDESK_WEBHOOK_SECRET. An https:// address on the "
        "public internet; redirects are not followed.",
    )
    cooloff_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="After a case is resolved as made right, ask for feedback again after this many days.",
    )
    testimonial_subject = models.CharField(
        max_length=150, default="{{ first_name }}, would you put what changed into words?"
    )
    testimonial_intro = models.TextField(
        default="Thank you for your kind words about {{ program_title }}. Would you let us share them, "
        "so others who are where you were can see what is possible? We have started it from what you "
        "wrote: edit it as you like and choose how your name appears.",
        help_text="The testimonial request email. Merge fields: {{ first_name }}, {{ program_title }}.",
    )
    testimonial_questions = models.TextField(
        default="What was life like before the program?\nWhat changed?\nWho would you recommend it to?",
        help_text="One guided question per line, shown on the testimonial form.",
    )

    panels = [
        FieldRowPanel(
            [FieldPanel("after_milestone_slug", widget=MilestoneSlugInput), FieldPanel("days_after_completion")]
        ),
        FieldPanel("email_subject"),
        FieldPanel("email_intro"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("happy_min"), FieldPanel("neutral_min")]),
                FieldPanel("questions"),
                FieldPanel("neutral_questions"),
                FieldPanel("unhappy_questions"),
            ],
            heading="Questions after the score",
        ),
        MultiFieldPanel(
            [FieldPanel("support_email"), FieldPanel("helpdesk_webhook_url"), FieldPanel("cooloff_days")],
            heading="Support for unhappy students",
        ),
        MultiFieldPanel(
            [FieldPanel("testimonial_subject"), FieldPanel("testimonial_intro"), FieldPanel("testimonial_questions")],
            heading="Testimonial request (to happy students)",
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "feedback request"

    def __str__(self) -> str:
        return f"feedback request of program {self.program_id}"

    @property
    def question_list(self) -> list[str]:
        return _lines(self.questions)

    @property
    def question_sets(self) -> dict[str, list[str]]:
        """The follow-up questions for each route a score can point to."""
        return {
            Route.HAPPY.value: _lines(self.questions),
            Route.NEUTRAL.value: _lines(self.neutral_questions),
            Route.UNHAPPY.value: _lines(self.unhappy_questions),
        }

    @property
    def testimonial_question_list(self) -> list[str]:
        return _lines(self.testimonial_questions)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class FeedbackResponse(models.Model):
    """One round of feedback from one student: the request, the score they clicked, their answers, the route."""

    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey("campaigns.Enrollment", on_delete=models.CASCADE, related_name="feedback")
    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="feedback")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField(max_length=60, blank=True)
    round = models.PositiveSmallIntegerField(default=1, help_text="2 and up: asked again after a resolved case.")
    requested_at = models.DateTimeField(default=timezone.now)
    questions = models.JSONField(default=list, help_text="The questions as they were asked.")
    question_sets = models.JSONField(
        default=dict,
        blank=True,
        help_text="{route: [questions]} when the request went out: the page shows the set the score points to.",
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    scored_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=list, blank=True, help_text="[{question, answer}], in order.")
    answered_at = models.DateTimeField(null=True, blank=True)
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    route_reasons = models.JSONField(default=list, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    language = models.CharField(
        max_length=8,
        blank=True,
        help_text="The language the routing detected in the answers (ISO code); blank when there were none or "
        "too few words to tell. The routing's reasons say how text in it was read.",
    )
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "round", name="feedback_once_per_round")]
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"feedback round {self.round} of student {self.student_id}: {self.score}"

    @property
    def text(self) -> str:
        return "\n".join(str(a.get("answer", "")) for a in self.answers if a.get("answer"))

    @property
    def answers_text(self) -> str:
        """Each question and its answer, for the admin's list export (a spreadsheet cell)."""
        return "\n".join(f"{a.get('question', '')}: {a.get('answer', '')}" for a in self.answers if a.get("answer"))

    @property
    def route_reasons_text(self) -> str:
        return "; ".join(r if isinstance(r, str) else str(r.get("text") or r) for r in self.route_reasons or [])


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    MADE_RIGHT = "made_right", "Resolved: made right"
    CLOSED = "closed", "Closed (not made right)"

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return (cls.OPEN.value,)


class SupportCase(models.Model):
    """An unhappy student, for the support team. While open, no testimonial request or referral ask goes out."""

    wagtail_reference_index_ignore = True

    response = models.OneToOneField(FeedbackResponse, on_delete=models.CASCADE, related_name="support_case")
    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="support_cases")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(help_text="Why it was opened (the routing's reasons).")
    student_words = models.TextField(blank=True, help_text="What the student told us (vent page included).")
    resolution_note = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    webhook_status = models.CharField(
        max_length=255, blank=True, help_text="Help-desk webhook delivery, or why it was refused."
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["student", "status"], name="case_student_status")]

    def __str__(self) -> str:
        return f"case #{self.pk} ({self.get_status_display()})"


class HelpDeskPost(models.Model):
    """One post owed to the creator's help desk: the case opened, or words the student added to it.

    Written in the transaction that opened the case (or added the words), so a post whose task the queue
    lost, or whose worker stopped mid-send, is still owed: the periodic pass makes it
    (``support.case_webhooks_due``). ``status`` is "" while owed, "sending" while a send holds it (from
    ``claimed_at``), then what happened; the case's ``webhook_status`` shows the latest.
    """

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        UPDATED = "updated", "Words added"

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="help_desk_posts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Where the added words begin and end in the case's student_words (0 and 0 for the opening).
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("case", "kind", "start", name="help_desk_post_once")]
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"], name="help_desk_post_owed", condition=models.Q(status__in=["", "sending"])
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (case #{self.case_id}): {self.status or 'owed'}"


class Consent(models.TextChoices):
    FULL = "full", "My full name and photo"
    FIRST_NAME = "first_name", "My first name only"
    ANONYMOUS = "anonymous", "Anonymously"
    PRIVATE = "private", "Private: for the team only, never published"

    @classmethod
    def publishable(cls) -> tuple[str, ...]:
        return (cls.FULL.value, cls.FIRST_NAME.value, cls.ANONYMOUS.value)

    @classmethod
    def rank(cls, value: str) -> int:
        """How much a consent level lets us show: private 0 < anonymous 1 < first name 2 < full 3.
        Moving down takes effect at once; moving up shows more, so it waits for moderation."""
        order = (cls.PRIVATE.value, cls.ANONYMOUS.value, cls.FIRST_NAME.value, cls.FULL.value)
        return order.index(value) if value in order else 0


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    FEATURED = "featured", "Featured"
    REJECTED = "rejected", "Rejected"

    @classmethod
    def visible(cls) -> tuple[str, ...]:
        return (cls.APPROVED.value, cls.FEATURED.value)


class VisibleTestimonialQuerySet(models.QuerySet):
    def waiting(self):
        """Submissions a moderator has still to read: pending, not withdrawn, a real student's."""
        return self.filter(status=ModerationStatus.PENDING, withdrawn_at__isnull=True).exclude(student__simulated=True)

    def visible(self):
        """What may be shown anywhere: a version a moderator approved (the ``published_*`` fields, which
        stay up while a later edit waits for review), with a publishable consent, not withdrawn, not
        rejected since, and never a simulated student's (``simulate_cohort --keep``). Public readers show
        the published fields, never ``text``/``consent``/``photo``."""
        return (
            self.filter(
                published_at__isnull=False, published_consent__in=Consent.publishable(), withdrawn_at__isnull=True
            )
            .exclude(status=ModerationStatus.REJECTED)
            .exclude(student__simulated=True)
        )


class Testimonial(models.Model):
    """A student's testimonial for a program, shown only as far as their consent allows, after moderation.

    The text is stored as the student typed it (plain text, always escaped when shown).

    Two versions live on one row. ``text``, ``consent`` and ``photo`` are the student's latest
    submission; ``status`` is the moderation of that submission. ``published_*`` is the version a
    moderator last approved or featured: the only one the wall, blocks, share cards, landing pages
    and emails show. A new or changed photo, a higher consent level or a changed text sends the row
    back to pending while the published version stays up; a lower consent level, a removed photo
    and a withdrawal change the published version at once (testimonials.submissions).
    """

    wagtail_reference_index_ignore = True

    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="testimonials")
    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    answers = models.JSONField(default=list, blank=True, help_text="[{question, answer}] of the guided questions.")
    consent = models.CharField(max_length=12, choices=Consent.choices)
    photo = models.ImageField(upload_to="testimonials/photos/", blank=True)
    status = models.CharField(max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.PENDING)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderation_note = models.CharField(max_length=255, blank=True)
    # The last approved version (see the class docstring); empty / None when nothing is published.
    published_text = models.TextField(blank=True)
    published_consent = models.CharField(max_length=12, choices=Consent.choices, blank=True)
    published_photo = models.ImageField(upload_to="testimonials/photos/", blank=True)
    published_status = models.CharField(
        max_length=10,
        choices=ModerationStatus.choices,
        blank=True,
        help_text="Approved or featured: how the published version was placed (it keeps its place while an "
        "edit waits for review).",
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleTestimonialQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("student", "program", name="testimonial_one_per_program")]
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "program"], name="testimonial_status_program")]

    def __str__(self) -> str:
        return f"{self.attribution}: {self.excerpt()}"

    def excerpt(self, length: int = 60) -> str:
        """The start of the text, cut after a whole word."""
        text = " ".join(self.text.split())
        if len(text) <= length:
            return text
        return text[: length + 1].rsplit(" ", 1)[0].rstrip(" ,;:.-") + "…"

    excerpt.short_description = "Text"

    @property
    def is_visible(self) -> bool:
        """Whether the published version may show anywhere (mirrors ``objects.visible()``)."""
        return (
            self.published_at is not None
            and self.published_consent in Consent.publishable()
            and self.withdrawn_at is None
            and self.status != ModerationStatus.REJECTED
        )

    @property
    def has_published_version(self) -> bool:
        """A moderator approved a version that still stands (whatever its consent): what quotes read."""
        return self.published_at is not None and self.withdrawn_at is None and self.status != ModerationStatus.REJECTED

    def _attribution(self, consent: str) -> str:
        student = self.student
        if consent == Consent.FULL:
            return student.full_name or student.first_name or "A graduate"
        if consent == Consent.FIRST_NAME:
            return student.first_name or "A graduate"
        return "A graduate"

    @property
    def attribution(self) -> str:
        """The name as the submitted consent allows: "Maria Lopez" / "Maria" / "A graduate" (for the
        student and moderators; public pages use :attr:`published_attribution`)."""
        return self._attribution(self.consent)

    @property
    def published_attribution(self) -> str:
        """The name as the published version's consent allows."""
        return self._attribution(self.published_consent)

    @property
    def shows_photo(self) -> bool:
        return self.consent == Consent.FULL and bool(self.photo)

    @property
    def shows_published_photo(self) -> bool:
        return self.published_consent == Consent.FULL and bool(self.published_photo)

    @property
    def published_featured(self) -> bool:
        return self.published_status == ModerationStatus.FEATURED

    def unpublished_changes(self) -> list[str]:
        """What the submission shows beyond the published version, in words: what a moderator must
        judge (and the student is told is waiting). Empty when nothing is published."""
        if self.published_at is None:
            return []
        changes = []
        if self.text != self.published_text:
            changes.append("text")
        if Consent.rank(self.consent) > Consent.rank(self.published_consent):
            changes.append("consent")
        if self.photo and self.photo.name != self.published_photo.name:
            changes.append("new photo" if not self.published_photo else "changed photo")
        return changes

    @property
    def waits_with_published_version(self) -> bool:
        """An edit waits for review while the earlier, approved version stays up."""
        return self.status == ModerationStatus.PENDING and self.is_visible

    def review_label(self) -> str:
        """For the moderation queue: a first submission, or an edit of a published one and what changed."""
        if self.status != ModerationStatus.PENDING:
            return ""
        if self.published_at is None:
            return "new"
        changes = self.unpublished_changes()
        return ("changed: " + ", ".join(changes)) if changes else "changed"

    review_label.short_description = "Review"

    def publish_submission(self, *, status: str, now) -> None:
        """Make the submission the published version (a moderator approved or featured it).
        The caller saves, and deletes the previous published photo's file if no field keeps it."""
        self.published_text = self.text
        self.published_consent = self.consent
        self.published_photo = self.photo.name or None
        self.published_status = status
        self.published_at = now

    def clear_published(self) -> None:
        """Nothing of this testimonial is published any more (rejected, pulled, withdrawn). The
        caller saves, and deletes the published photo's file if no field keeps it."""
        self.published_text = ""
        self.published_consent = ""
        self.published_photo = None
        self.published_status = ""
        self.published_at = None


PUBLISHED_FIELDS = ("published_text", "published_consent", "published_photo", "published_status", "published_at")


# The wall page lives in its own module; Django finds page models through this one.
from testimonials.pages import TestimonialWallPage  # noqa: E402, F401
