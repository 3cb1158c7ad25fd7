"""Admin forms: a program page that cannot be published in a broken state, and enrollments
whose stage only changes through the service (so every change is on the timeline)."""

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from campaigns.choices import RegistrationStatus, Stage


class ProgramPageForm(WagtailAdminPageForm):
    @property
    def is_publishing(self) -> bool:
        """The editor pressed "Publish" (drafts may hold unfinished copy; the live page may not)."""
        return bool(self.data) and "action-publish" in self.data

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        deadline = cleaned.get("mission_deadline")
        # Only a new or changed deadline must lie ahead: an old program stays editable after it.
        if deadline and "mission_deadline" in self.changed_data and deadline <= today:
            self.add_error("mission_deadline", "The mission deadline must be in the future.")
        launch = cleaned.get("next_launch_on")
        if (
            launch
            and cleaned.get("registration_status") == RegistrationStatus.CLOSED
            and "next_launch_on" in self.changed_data
            and launch < today
        ):
            self.add_error("next_launch_on", "The next launch date is in the past.")
        self._check_milestone_slugs()
        # Each phase app checks its own part (cms/program_editor.py lists them).
        for check in self._meta.model.editor.publish_checks:
            check(self)
        return cleaned

    def milestone_slugs(self) -> list[str]:
        """The milestones this submission keeps (new ones included, deleted ones not)."""
        formset = self.formsets.get("milestones")
        if formset is None or not formset.is_bound:
            return [m.slug for m in self.instance.milestones.all()]
        deleted = set(formset.deleted_forms) if formset.is_valid() else set()
        return [
            form.cleaned_data["slug"]
            for form in formset.forms
            if form not in deleted and form.is_valid() and form.cleaned_data.get("slug")
        ]

    def _check_milestone_slugs(self) -> None:
        formset = self.formsets.get("milestones")
        if formset is None or not formset.is_bound:
            return
        deleted = set(formset.deleted_forms) if formset.is_valid() else set()
        seen: set[str] = set()
        duplicated = False
        for form in formset.forms:
            if form in deleted or not form.is_valid():
                continue
            self._slug_from_title(form)
            slug = form.cleaned_data.get("slug")
            if slug in seen:
                duplicated = True
                form.add_error("slug", f"Another milestone already uses the slug {slug!r}; slugs must be unique.")
            elif slug:
                seen.add(slug)
        if duplicated:
            self.add_error(None, "Two milestones share a slug; give each milestone its own.")

    @staticmethod
    def _slug_from_title(form) -> None:
        """An empty milestone slug is made from its title ("First calm evening" → first-calm-evening),
        as the editor's script suggests while typing."""
        data = form.cleaned_data
        if data and not data.get("slug") and data.get("title"):
            slug = slugify(data["title"])[:60].strip("-")
            if slug:
                data["slug"] = slug
                form.instance.slug = slug


class EnrollmentForm(WagtailAdminModelForm):
    """Create: who joins which program when. Edit: cohort, and a stage change with its reason."""

    stage_change_reason = forms.CharField(
        required=False,
        max_length=255,
        help_text="Required when you change the stage: it is recorded on the student's timeline.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("student", "program", "starts_at"):
                if name in self.fields:
                    self.fields[name].disabled = True
        else:
            for name in ("stage", "stage_change_reason"):
                if name in self.fields:
                    self.fields[name].disabled = True
            if "stage" in self.fields:
                self.initial["stage"] = Stage.ENROLLED

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "stage" in self.changed_data and not cleaned.get("stage_change_reason", "").strip():
            self.add_error("stage_change_reason", "Say why the stage changes; it goes on the student's timeline.")
        return cleaned
