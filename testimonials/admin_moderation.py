"""Admin: the testimonial moderation queue, a model viewset. Not a snippet: a testimonial is a student's
record, not content an editor writes or chooses, and moderation keeps its own published copy (the
``published_*`` fields) rather than Wagtail revisions.

The team sees what the student wrote, their consent and photo, and the share card it would make;
for an edit of a published testimonial, also what changed (old against new text, consent and photo),
while the published version stays up until they decide. It changes only the moderation status and a
note; approving or featuring publishes the submission exactly as the moderator saw it (the form
carries the version seen, and a student's save in between is refused with "review it again"). The
student's words, consent and photo are shown read-only: a moderator must never rewrite someone's
testimonial. Saving goes through
:func:`testimonials.publishing.testimonial_moderate`, so each decision is on the student's timeline.

Testimonials are neither added nor deleted here: they come from students, and rejecting one keeps
the record (no feedback is deleted to make the numbers look better).
"""

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import StatusTagColumn
from wagtail.admin.views.generic import EditView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from campaigns.admin_views import SEARCH_BY_STUDENT
from mailers.exports import SafeExportViewSet
from testimonials import publishing
from testimonials.models import CaseStatus, Consent, SupportCase, Testimonial


def admin_urls(testimonial: Testimonial) -> dict[str, str | None]:
    """The admin-only photo and card preview of a testimonial (shown whatever its status)."""
    namespace = "testimonials_testimonial"
    return {
        "photo_url": reverse(f"{namespace}:photo", args=[testimonial.pk]) if testimonial.photo else None,
        "published_photo_url": reverse(f"{namespace}:published_photo", args=[testimonial.pk])
        if testimonial.published_photo
        else None,
        "card_url": reverse(f"{namespace}:card", args=[testimonial.pk])
        if testimonial.consent in Consent.publishable()
        else None,
    }


def open_cases(testimonial: Testimonial) -> list[tuple[SupportCase, str]]:
    """The student's open support cases in this program, with their admin pages: a moderator should
    know the student is unhappy right now before publishing their praise (no ask goes to them)."""
    cases = SupportCase.objects.filter(
        student_id=testimonial.student_id, program_id=testimonial.program_id, status__in=CaseStatus.open_values()
    ).order_by("opened_at")
    return [(case, reverse("testimonials_supportcase:edit", args=[case.pk])) for case in cases]


def moderation_context(testimonial: Testimonial) -> dict:
    return {
        "testimonial": testimonial,
        "open_cases": open_cases(testimonial),
        "changes": testimonial.unpublished_changes(),
        "seen_updated_at": testimonial.updated_at.isoformat(),
        **admin_urls(testimonial),
    }


class SubmissionPanel(Panel):
    """What the student submitted, read-only: text, answers, consent, photo, and the card it makes."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "testimonials/admin/submission_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(moderation_context(self.instance))
            return context


class TestimonialEditView(EditView):
    """Saving a decision, for the version the moderator looked at (a hidden input in the submission
    panel). None, junk or an older one refuses it: approving must never publish what nobody saw."""

    CHANGED = "The student changed this testimonial while you were looking at it; review it again."

    def seen_updated_at(self):
        return parse_datetime_or_none(self.request.POST.get("seen_updated_at", ""))

    def is_valid(self, form):
        valid = super().is_valid(form)
        if valid and self.seen_updated_at() != self.object.updated_at:
            return self._refuse(form, self.CHANGED)
        return valid

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:  # the student saved between the check and the lock
            self.object.refresh_from_db()
            self._refuse(form, " ".join(exc.messages))
            return self.form_invalid(form)

    def _refuse(self, form, message: str) -> bool:
        form.add_error(None, message)
        self.produced_error_code = "validation_error"
        self.produced_error_message = message
        return False

    def save_instance(self):
        data = self.form.cleaned_data
        testimonial = publishing.testimonial_moderate(
            testimonial=self.object,
            status=data["status"],
            user=self.request.user,
            note=data.get("moderation_note", ""),
            seen_updated_at=self.seen_updated_at(),
        )
        log(testimonial, "wagtail.edit", user=self.request.user)
        return testimonial


def parse_datetime_or_none(value: str):
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


class TestimonialInspectView(InspectView):
    template_name = "testimonials/admin/testimonial_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(moderation_context(self.object))
        return context


def _may_see(user) -> bool:
    return policy_registry.get_by_type(Testimonial).user_has_any_permission(user, ["change", "view"])


def admin_photo(request, pk: int) -> HttpResponse:
    """The submitted photo for moderators, whatever the consent (they decide whether it may show)."""
    return _photo_response(request, pk, "photo")


def admin_published_photo(request, pk: int) -> HttpResponse:
    """The published photo (the one approved earlier), to set beside a changed one."""
    return _photo_response(request, pk, "published_photo")


def _photo_response(request, pk: int, field: str) -> HttpResponse:
    if not _may_see(request.user):
        raise PermissionDenied
    photo = getattr(get_object_or_404(Testimonial, pk=pk), field)
    if not photo:
        raise Http404
    try:
        with photo.open("rb") as f:
            data = f.read()
    except (OSError, ValueError):
        raise Http404 from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


def admin_card(request, pk: int) -> HttpResponse:
    """The share card this testimonial makes (or would make once approved); never cached or stored."""
    if not _may_see(request.user):
        raise PermissionDenied
    testimonial = get_object_or_404(Testimonial.objects.select_related("student", "program"), pk=pk)
    png = publishing.card_preview_png(testimonial)
    if png is None:
        raise Http404("Private testimonials never get a card.")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


class TestimonialFilterSet(WagtailFilterSet):
    waiting = django_filters.BooleanFilter(method="filter_waiting", label="Waiting for moderation")

    class Meta:
        model = Testimonial
        fields = ["status", "consent", "program"]

    def filter_waiting(self, queryset, name, value):
        if value is None:
            return queryset
        waiting = queryset.waiting()  # what the dashboard counts
        return waiting if value else queryset.exclude(pk__in=waiting.values("pk"))


class TestimonialIndexView(IndexView):
    def get_base_queryset(self):
        # simulate_cohort's testimonials are not anyone's words: never in the moderation queue.
        return super().get_base_queryset().exclude(student__simulated=True)


class TestimonialViewSet(SafeExportViewSet, ModelViewSet):
    model = Testimonial
    list_export = [
        "student",
        "program",
        "text",
        "consent",
        "status",
        "submitted_at",
        "updated_at",
        "withdrawn_at",
        "moderated_at",
        "published_text",
        "published_at",
    ]
    export_filename = "testimonials"
    name = "testimonials_testimonial"
    url_prefix = "testimonials"
    icon = "openquote"
    menu_label = "Testimonials"
    menu_order = 203
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = [
        "student",
        "excerpt",
        "program",
        StatusTagColumn("consent", accessor="get_consent_display", label="Consent", sort_key="consent"),
        StatusTagColumn(
            "status",
            accessor="get_status_display",
            label="Status",
            sort_key="status",
            primary=lambda testimonial: testimonial.is_visible,
        ),
        "review_label",
        "submitted_at",
        "withdrawn_at",
    ]
    filterset_class = TestimonialFilterSet  # status, consent, program, and the dashboard's "waiting"
    search_fields = [*SEARCH_BY_STUDENT, "text"]
    index_view_class = TestimonialIndexView
    edit_view_class = TestimonialEditView
    inspect_view_enabled = True
    inspect_view_class = TestimonialInspectView
    inspect_view_fields = [
        "student",
        "program",
        "text",
        "consent",
        "status",
        "submitted_at",
        "updated_at",
        "withdrawn_at",
        "moderated_at",
        "moderated_by",
        "moderation_note",
        "published_text",
        "published_consent",
        "published_status",
        "published_at",
    ]
    edit_handler = ObjectList(
        [
            SubmissionPanel(heading="What the student submitted (read-only)"),
            FieldPanel("status"),
            FieldPanel("moderation_note"),
        ]
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("photo/<int:pk>/", admin_photo, name="photo"),
            path("published-photo/<int:pk>/", admin_published_photo, name="published_photo"),
            path("card/<int:pk>/", admin_card, name="card"),
        ]
