"""Admin: every feedback answer, read-only (the engine writes them; people only read and export them).
The students' own words are here too, so the list is exported neutralised like every other."""

from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from campaigns.admin_views import SEARCH_BY_STUDENT
from mailers.exports import SafeExportViewSet
from testimonials.models import FeedbackResponse


class FeedbackIndexView(IndexView):
    def get_base_queryset(self):
        # simulate_cohort's answers are nobody's: never in the team's lists.
        return super().get_base_queryset().exclude(student__simulated=True).select_related("student", "program")


class FeedbackViewSet(SafeExportViewSet, ModelViewSet):
    model = FeedbackResponse
    name = "testimonials_feedbackresponse"
    url_prefix = "feedback"
    icon = "comment"
    menu_label = "Feedback"
    menu_order = 201
    add_to_admin_menu = True
    index_view_class = FeedbackIndexView
    list_display = ["student", "program", "cohort", "round", "score", "route", "scored_at"]
    list_filter = ["program", "route", "round", "cohort"]
    search_fields = [*SEARCH_BY_STUDENT, "cohort"]
    ordering = ["-requested_at", "-id"]
    inspect_view_enabled = True
    list_export = [
        "student",
        "program",
        "cohort",
        "round",
        "requested_at",
        "score",
        "scored_at",
        "answers_text",
        "answered_at",
        "route",
        "route_reasons_text",
        "routed_at",
    ]
    export_headings = {"answers_text": "Answers", "route_reasons_text": "Why this route"}
    export_filename = "feedback"
    form_fields = ["cohort"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)
