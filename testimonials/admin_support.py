"""Admin: the support queue, a model viewset (a business record, not content: no snippet, no revisions).
The team assigns a case and resolves it; edits go through the service so every change is on the
student's timeline and "made right" schedules the next feedback round."""

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from campaigns.admin_views import SEARCH_BY_STUDENT
from mailers.exports import SafeExportViewSet
from testimonials import support
from testimonials.models import SupportCase


class SupportCaseForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") not in (None, "open") and not (cleaned.get("resolution_note") or "").strip():
            self.add_error("resolution_note", "Say how it was resolved; it goes on the student's timeline.")
        return cleaned


class SupportCaseEditView(EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        case = support.case_update(
            case=self.object,
            status=data["status"],
            assigned_to=data.get("assigned_to"),
            note=data.get("resolution_note", ""),
            actor=f"admin:{self.request.user.get_username()}",
        )
        log(case, "wagtail.edit", user=self.request.user)
        return case


class SupportCaseIndexView(IndexView):
    def get_base_queryset(self):
        # simulate_cohort's unhappy students are nobody to help: never in the support queue.
        return super().get_base_queryset().exclude(student__simulated=True)


class SupportCaseViewSet(SafeExportViewSet, ModelViewSet):
    model = SupportCase
    list_export = [
        "student",
        "program",
        "status",
        "assigned_to",
        "reason",
        "student_words",
        "resolution_note",
        "opened_at",
        "resolved_at",
    ]
    export_filename = "support-cases"
    name = "testimonials_supportcase"
    url_prefix = "support-cases"
    icon = "help"
    menu_label = "Support cases"
    menu_order = 202
    add_to_admin_menu = True
    list_display = ["__str__", "student", "program", "status", "assigned_to", "opened_at"]
    list_filter = ["status", "program", "assigned_to"]
    search_fields = [*SEARCH_BY_STUDENT, "reason", "student_words"]
    index_view_class = SupportCaseIndexView
    edit_view_class = SupportCaseEditView
    edit_template_name = "testimonials/admin/case_edit.html"  # the case's story above the form
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [FieldPanel("assigned_to"), FieldPanel("status"), FieldPanel("resolution_note")],
        base_form_class=SupportCaseForm,
    )
