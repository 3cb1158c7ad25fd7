"""Admin views for data rights: download a student's data as JSON, and erase a student (a confirm
page that asks why; POST with CSRF). Exporting needs campaigns.change_student, erasing
campaigns.delete_student; a plain 403 otherwise (Wagtail would turn PermissionDenied into a
redirect that looks like success)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.models import Student
from cms import student_data


def _student(pk: int) -> Student:
    student = Student.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if student is None:
        raise Http404("No such student.")
    return student


@require_GET
def export(request, pk: int):
    if not request.user.has_perm("campaigns.change_student"):
        return HttpResponseForbidden("You do not have permission to export students' data.")
    student = _student(pk)
    response = HttpResponse(student_data.student_export_json(student=student), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{student_data.export_filename(student)}"'
    response["Cache-Control"] = "no-store"
    return response


class EraseForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The request this answers (e.g. “asked by email on 2 Dec”). Kept in the audit log.",
    )


@require_http_methods(["GET", "POST"])
def erase(request, pk: int):
    if not request.user.has_perm("campaigns.delete_student"):
        return HttpResponseForbidden("You do not have permission to erase students.")
    student = _student(pk)
    previous = getattr(student, "erasure", None)  # None until erased
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = student_data.student_erase(
                    student=student, actor=f"admin:{request.user.get_username()}", reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error("reason", " ".join(exc.messages))
            else:
                if outcome.already_erased:
                    messages.info(request, f"Student #{student.pk} was already erased; nothing changed.")
                else:
                    messages.success(
                        request,
                        f"Student #{student.pk} is erased: their personal data is gone everywhere, their address "
                        "is never mailed again, and the audit log records who, when and why.",
                    )
                return redirect("campaigns_student:inspect", student.pk)
        status = 400
    return TemplateResponse(
        request,
        "cms/admin/student_erase.html",
        {"student": student, "form": form, "previous": previous, "page_title": "Erase student"},
        status=status,
    )
