"""Admin views the snippet viewsets plug in: the student's timeline, and enrollment
create/edit that go through the services (so the stage is never changed behind the journey's back)."""

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.log_actions import log
from wagtail.snippets.views.snippets import CreateView, EditView, InspectView

from campaigns import selectors, services
from campaigns.models import Student


def admin_actor(user) -> str:
    return f"admin:{user.get_username()}"


class StudentInspectView(InspectView):
    """The student's details followed by their full timeline, newest first."""

    template_name = "campaigns/admin/student_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enrollments"] = self.object.enrollments.select_related("program").order_by("-enrolled_at")
        context["timeline"] = selectors.student_timeline(student=self.object)[:500]
        context["messages_sent"] = selectors.student_messages(student=self.object)[:200]
        context["can_sign_out"] = self.request.user.has_perm("campaigns.change_student")
        context["sign_out_url"] = reverse("wagtailsnippets_campaigns_student:sign_out", args=[self.object.pk])
        return context


@require_POST
def student_sign_out_everywhere(request, pk: int):
    """The student page's "Sign out everywhere": every personal link sent so far stops working.
    Changing a student's access is changing the student: it needs that permission, not just admin access."""
    if not request.user.has_perm("campaigns.change_student"):
        # A plain 403 (Wagtail would turn PermissionDenied into a redirect that looks like success).
        return HttpResponseForbidden("You do not have permission to change students.")
    student = Student.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if student is None:
        raise Http404("No such student.")
    services.student_sign_out_everywhere(student=student, actor=admin_actor(request.user))
    messages.success(
        request, f"{student} is signed out everywhere: their old links no longer work; a freshly emailed one will."
    )
    return redirect("wagtailsnippets_campaigns_student:inspect", student.pk)


class EnrollmentCreateView(CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        enrollment = services.enrollment_create(
            student=data["student"],
            program=data["program"],
            cohort=data.get("cohort", ""),
            starts_at=data.get("starts_at"),
            actor=admin_actor(self.request.user),
            reason="added in the admin",
        )
        log(enrollment, "wagtail.create", user=self.request.user)
        self.new_revision = None
        return enrollment


class EnrollmentEditView(EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        enrollment = self.object
        if "cohort" in self.form.changed_data:
            type(enrollment).objects.filter(pk=enrollment.pk).update(cohort=data["cohort"])
        if "stage" in self.form.changed_data:
            services.enrollment_change_stage(
                enrollment=enrollment,
                to_stage=data["stage"],
                actor=admin_actor(self.request.user),
                reason=data["stage_change_reason"],
            )
        enrollment.refresh_from_db()
        log(enrollment, "wagtail.edit", user=self.request.user)
        self.new_revision = None
        return enrollment
