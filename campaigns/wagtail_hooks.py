"""Admin: students (with their timeline and per-student actions), enrollments and the journey log, as
model viewsets under Students (business records, not content: no snippet, no revisions)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

import mailers.converters  # noqa: F401 - registers <id:...>
from campaigns import import_views
from campaigns.admin_filters import StudentFilterSet
from campaigns.admin_previews import SendEmailPreviewView
from campaigns.admin_views import (
    SEARCH_BY_STUDENT,
    EnrollmentCreateView,
    EnrollmentEditView,
    StudentDeleteView,
    StudentInspectView,
    student_graduate,
    student_milestone_reached,
    student_resend_link,
    student_sign_out_everywhere,
    student_withdraw,
)
from campaigns.forms import EnrollmentForm
from campaigns.models import Enrollment, JourneyEvent, Student
from campaigns.widgets import TimeZoneSelect
from mailers.exports import SafeExportViewSet
from mailers.permissions import ViewOnlyPolicy


class StudentViewSet(SafeExportViewSet, ModelViewSet):
    model = Student
    list_export = [
        "email",
        "first_name",
        "last_name",
        "time_zone",
        "marketing_consent",
        "marketing_consent_at",
        "simulated",
        "created_at",
    ]
    export_filename = "students"
    name = "campaigns_student"
    url_prefix = "students"
    icon = "user"
    menu_label = "Students"
    list_display = ["email", "first_name", "last_name", "time_zone", "marketing_consent", "simulated", "created_at"]
    filterset_class = StudentFilterSet  # marketing consent, simulated, and the dashboard's doors
    search_fields = ["email", "first_name", "last_name"]
    inspect_view_enabled = True
    inspect_view_class = StudentInspectView
    delete_view_class = StudentDeleteView
    inspect_view_fields = ["email", "first_name", "last_name", "time_zone", "marketing_consent", "created_at"]
    panels = [
        FieldPanel("email"),
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
        FieldPanel("time_zone", widget=TimeZoneSelect),
        FieldPanel("marketing_consent"),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("sign-out-everywhere/<int:pk>/", student_sign_out_everywhere, name="sign_out"),
            path("milestone-reached/<int:pk>/", student_milestone_reached, name="milestone"),
            path("graduate/<int:pk>/", student_graduate, name="graduate"),
            path("withdraw/<int:pk>/", student_withdraw, name="withdraw"),
            path("resend-link/<int:pk>/", student_resend_link, name="resend_link"),
        ]


class EnrollmentViewSet(SafeExportViewSet, ModelViewSet):
    model = Enrollment
    list_export = ["student", "program", "cohort", "stage", "enrolled_at", "starts_at", "completed_at"]
    export_filename = "enrollments"
    name = "campaigns_enrollment"
    url_prefix = "enrollments"
    icon = "group"
    menu_label = "Enrollments"
    list_display = ["student", "program", "cohort", "stage", "starts_at", "completed_at"]
    list_filter = ["stage", "program", "cohort"]
    # A creator looks an enrollment up by the person as often as by the cohort.
    search_fields = [*SEARCH_BY_STUDENT, "cohort"]
    add_view_class = EnrollmentCreateView
    edit_view_class = EnrollmentEditView
    edit_handler = ObjectList(
        [
            FieldPanel("student"),
            FieldPanel("program"),
            FieldRowPanel([FieldPanel("cohort"), FieldPanel("starts_at")]),
            FieldRowPanel([FieldPanel("stage"), FieldPanel("stage_change_reason")]),
        ],
        base_form_class=EnrollmentForm,
    )


class JourneyEventViewSet(SafeExportViewSet, ModelViewSet):
    """Read-only: the append-only log, filterable (the student's page shows it per person)."""

    model = JourneyEvent
    list_export = ["occurred_at", "student", "program", "kind", "from_stage", "to_stage", "reason", "actor"]
    export_filename = "journey"
    name = "campaigns_journeyevent"
    url_prefix = "journey"
    icon = "history"
    menu_label = "Journey log"
    list_display = ["occurred_at", "student", "kind", "from_stage", "to_stage", "reason", "actor"]
    list_filter = ["kind", "program"]
    ordering = ["-id"]
    inspect_view_enabled = True
    # Nothing is added or edited by hand (the views exist only because a ModelViewSet builds them).
    form_fields = ["kind"]


class PeopleGroup(ModelViewSetGroup):
    menu_label = "Students"
    menu_icon = "group"
    menu_order = 200
    items = (StudentViewSet, EnrollmentViewSet, JourneyEventViewSet)
    submenu_hook = "register_students_menu_item"


register_permission_policy(JourneyEvent, ViewOnlyPolicy(JourneyEvent))


@hooks.register("register_admin_viewset")
def register_people():
    return PeopleGroup()


@hooks.register("register_admin_urls")
def email_preview_admin_urls():
    return [
        path(
            "programs/<id:page_id>/emails/send-test/",
            SendEmailPreviewView.as_view(),
            name="campaigns_email_preview_send",
        ),
    ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return import_views.editable_programs(request.user).exists()


@hooks.register("register_students_menu_item")
def import_students_menu_item():
    return ImportMenuItem("Import students", reverse("campaigns_import"), icon_name="upload", order=10)


@hooks.register("register_admin_urls")
def import_admin_urls():
    return [
        path("students/import/", import_views.upload, name="campaigns_import"),
        path("students/import/<int:pk>/", import_views.map_columns, name="campaigns_import_map"),
        path("students/import/<int:pk>/progress/", import_views.status, name="campaigns_import_status"),
        path("students/import/<int:pk>/status.json", import_views.status_json, name="campaigns_import_status_json"),
        path("students/import/<int:pk>/rejected.csv", import_views.rejected, name="campaigns_import_rejected"),
    ]
