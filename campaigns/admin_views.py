"""Admin views the model viewsets plug in: the student's timeline, their per-student actions (sign out
everywhere, mark a milestone reached, graduate, withdraw, resend their link: each a POST that needs
campaigns.change_student and goes through a service, journaled with the staff member's name), and
enrollment create/edit that go through the services (so the stage is never changed behind the journey's back)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, InspectView
from wagtail.log_actions import log

from campaigns import selectors, services
from campaigns.models import Enrollment, Milestone, Student

# Every admin listing of something a student owns is searched by the person, as well as by its own fields.
SEARCH_BY_STUDENT = ["student__email", "student__first_name", "student__last_name"]


def admin_actor(user) -> str:
    return f"admin:{user.get_username()}"


class StudentInspectView(InspectView):
    """The student's details followed by their full timeline, newest first."""

    template_name = "campaigns/admin/student_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enrollments"] = (
            self.object.enrollments.select_related("program")
            .prefetch_related("program__milestones", "milestones_reached")
            .order_by("-enrolled_at")
        )
        context["timeline"] = selectors.student_timeline(student=self.object)[:500]
        context["messages_sent"] = selectors.student_messages(student=self.object)[:200]
        context["can_sign_out"] = self.request.user.has_perm("campaigns.change_student")
        context["sign_out_url"] = reverse("campaigns_student:sign_out", args=[self.object.pk])
        # Data rights live at the top layer (cms.student_data); reached by URL name, not imported.
        context["can_export"] = self.request.user.has_perm("campaigns.change_student")
        context["can_erase"] = self.request.user.has_perm("campaigns.delete_student")
        context["export_url"] = reverse("student_data_export", args=[self.object.pk])
        context["erase_url"] = reverse("student_data_erase", args=[self.object.pk])
        # The erasure's audit entry (who, when, why), read through its reverse relation: None until erased.
        context["erasure"] = getattr(self.object, "erasure", None)
        context["action_urls"] = {
            name: reverse(f"campaigns_student:{name}", args=[self.object.pk])
            for name in ("milestone", "graduate", "withdraw", "resend_link")
        }
        return context


class StudentDeleteView(DeleteView):
    """A student is never deleted (counts and the journey would go with them): "Delete" is the erasure,
    which anonymises them everywhere and asks why."""

    def get(self, request, *args, **kwargs):
        return redirect("student_data_erase", self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        return redirect("student_data_erase", self.kwargs["pk"])


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
    return redirect("campaigns_student:inspect", student.pk)


def _changeable_student(request, pk: int):
    """(student, None) when the user may change students and the student exists, else (None, response)."""
    if not request.user.has_perm("campaigns.change_student"):
        # A plain 403 (Wagtail would turn PermissionDenied into a redirect that looks like success).
        return None, HttpResponseForbidden("You do not have permission to change students.")
    student = Student.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if student is None:
        raise Http404("No such student.")
    return student, None


def _enrollment_of(request, student: Student) -> Enrollment | None:
    """The enrollment the form names: one of this student's (a student in two programs acts per program)."""
    raw = request.POST.get("enrollment", "")
    enrollment_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    enrollment = (
        student.enrollments.select_related("program").filter(pk=enrollment_id).first() if enrollment_id else None
    )
    if enrollment is None:
        messages.error(request, "Choose one of this student's enrollments.")
    return enrollment


def _problem(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(message for errors in exc.message_dict.values() for message in errors))


def _back(student: Student):
    return redirect("campaigns_student:inspect", student.pk)


@require_POST
def student_milestone_reached(request, pk: int):
    """Mark a milestone reached for one enrollment (the platform did not report it, say)."""
    student, refused = _changeable_student(request, pk)
    if refused:
        return refused
    enrollment = _enrollment_of(request, student)
    if enrollment is None:
        return _back(student)
    slug = request.POST.get("milestone", "")
    milestone = Milestone.objects.filter(program_id=enrollment.program_id, slug=slug).first()
    if milestone is None:
        messages.error(request, f"{enrollment.program.title} has no milestone {slug[:60]!r}.")
        return _back(student)
    if enrollment.milestones_reached.filter(milestone=milestone).exists():
        messages.error(request, f"{milestone.title} was reached already in {enrollment.program.title}.")
        return _back(student)
    try:
        services.enrollment_record_milestone(
            enrollment=enrollment, milestone=milestone, source="admin", actor=admin_actor(request.user)
        )
    except ValidationError as exc:
        _problem(request, exc)
    else:
        messages.success(request, f"{student}: {milestone.title} reached in {enrollment.program.title}.")
    return _back(student)


def _stage_action(request, pk: int, service, done: str):
    student, refused = _changeable_student(request, pk)
    if refused:
        return refused
    enrollment = _enrollment_of(request, student)
    if enrollment is None:
        return _back(student)
    reason = " ".join(request.POST.get("reason", "").split())[:200]
    try:
        service(
            enrollment=enrollment,
            actor=admin_actor(request.user),
            reason=f"{done} in the admin" + (f": {reason}" if reason else ""),
        )
    except ValidationError as exc:
        _problem(request, exc)
    else:
        messages.success(request, f"{student} {done} in {enrollment.program.title}.")
    return _back(student)


@require_POST
def student_graduate(request, pk: int):
    return _stage_action(request, pk, services.enrollment_graduate, "graduated")


@require_POST
def student_withdraw(request, pk: int):
    return _stage_action(request, pk, services.enrollment_withdraw, "withdrew")


@require_POST
def student_resend_link(request, pk: int):
    """Email the student a fresh personal link (their old ones keep working: this is not a sign-out)."""
    student, refused = _changeable_student(request, pk)
    if refused:
        return refused
    try:
        services.student_hub_link_send(student=student, actor=admin_actor(request.user))
    except ValidationError as exc:  # an address the mailer refuses (suppressed, invalid)
        _problem(request, exc)
    else:
        messages.success(request, f"A fresh personal link is on its way to {student.email}.")
    return _back(student)


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
        return enrollment
