"""Pages that compose several apps. For now: the site's home page, parent of every program."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from testimonials.blocks import TestimonialsBlock


class HomePage(Page):
    """The site's front page: an introduction, the creator's own blocks (text, testimonials), and the
    list of live programs."""

    intro = RichTextField(blank=True)
    body = StreamField(
        [("paragraph", blocks.RichTextBlock()), ("testimonials", TestimonialsBlock())],
        blank=True,
        use_json_field=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["campaigns.ProgramPage", "testimonials.TestimonialWallPage"]
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        from campaigns.models import ProgramPage

        context = super().get_context(request, *args, **kwargs)
        context["programs"] = ProgramPage.objects.child_of(self).live().specific()
        return context


class StudentErasure(models.Model):
    """The audit entry of one erasure: who asked for it, when, and why. It names no one: the
    student row it points at is anonymised in the same transaction."""

    student = models.OneToOneField(
        "campaigns.Student", on_delete=models.PROTECT, related_name="erasure", help_text="The anonymised student."
    )
    erased_by = models.CharField(max_length=150, help_text='Who erased, e.g. "admin:alice" or "cli:ops".')
    reason = models.TextField(help_text="Why (the request it answers).")
    erased_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, blank=True, help_text="How many rows each app changed.")

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"student #{self.student_id} erased by {self.erased_by}"


class StaffEmailPreferences(models.Model):
    """Which of the team's own emails one staff user receives (the daily rewards digest, the weekly
    summary); every staff user's account settings edits theirs. No row means both are wanted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_email_preferences"
    )
    daily_digest = models.BooleanField(
        default=True,
        verbose_name="Daily rewards digest",
        help_text="One email a day when rewards wait for review or for shipping; none when nothing waits.",
    )
    weekly_summary = models.BooleanField(
        default=True,
        verbose_name="Weekly summary",
        help_text="Last week's numbers per program, what changed, and what waits.",
    )

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name_plural = "staff email preferences"

    def __str__(self) -> str:
        return f"email preferences of user #{self.user_id}"


class StaffEmailRun(models.Model):
    """One pass of a staff email for one period (the day of a digest, the Monday of a weekly summary):
    unique, so a second run of the periodic job in the same period, even at the same moment, sends
    nothing. Recorded also when nothing waited (``sent`` = 0): the digest is a morning's look, not an alarm."""

    class Kind(models.TextChoices):
        DAILY_DIGEST = "daily_digest", "Daily rewards digest"
        WEEKLY_SUMMARY = "weekly_summary", "Weekly summary"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.DateField(help_text="The day (digest) or the Monday of the week (summary), site time.")
    ran_at = models.DateTimeField(default=timezone.now)
    sent = models.PositiveIntegerField(default=0, help_text="How many staff users were emailed.")

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [models.UniqueConstraint("kind", "period", name="staff_email_once_per_period")]
        ordering = ["-period", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.period}: {self.sent} sent"
