"""Admin views the snippet viewsets plug in: the student's timeline, and enrollment
create/edit that go through the services (so the stage is never changed behind the journey's back)."""

from wagtail.log_actions import log
from wagtail.snippets.views.snippets import CreateView, EditView, InspectView

from campaigns import selectors, services


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
        return context


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
