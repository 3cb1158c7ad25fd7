"""Admin: import students from a CSV file (upload → columns and preview → progress → summary).

Only into a program the user may edit: admin access alone does not let anyone add people to a
creator's program. Each step is its own page, so the browser's back button and a reload never run
an import twice (starting is a POST that only moves an "uploaded" import to "queued").
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from campaigns import imports
from campaigns.admin_views import admin_actor
from campaigns.import_files import FIELDS, MAX_BYTES, ImportFileError, clean_mapping, parse
from campaigns.models import ImportRowOutcome, ImportStatus, ProgramPage, StudentImport
from mailers.permissions import pages_user_can_edit

PREVIEW_ROWS = 20
SUMMARY_ROWS = 500


def editable_programs(user):
    return pages_user_can_edit(user, ProgramPage)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text=f"At most {MAX_BYTES // (1024 * 1024)} MB; the first row names the columns."
    )
    program = forms.ModelChoiceField(queryset=ProgramPage.objects.none(), empty_label=None)
    cohort = forms.CharField(
        max_length=60, required=False, help_text='For rows without a cohort of their own, e.g. "2026-spring".'
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it in parts.")
        return upload


class MappingForm(forms.Form):
    """One choice per field: which column holds it (or none)."""

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *((str(i), name or f"column {i + 1}") for i, name in enumerate(header))]
        for name, label, _ in FIELDS:
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=(name == "email"))
        self.fields["email"].error_messages["required"] = "Choose the column that holds the email address."

    def mapping(self, width: int) -> dict[str, int]:
        return clean_mapping(self.cleaned_data, width)


def _import_for(request, pk: int) -> StudentImport:
    student_import = StudentImport.objects.select_related("program").filter(pk=pk).first()
    if student_import is None:
        raise Http404("No such import.")
    if not editable_programs(request.user).filter(pk=student_import.program_id).exists():
        raise PermissionDenied("You can only see imports into a program you can edit.")
    return student_import


def upload(request):
    programs = editable_programs(request.user)
    if not programs.exists():
        raise PermissionDenied("You can import students only into a program you can edit.")
    if request.method == "POST":
        named = request.POST.get("program", "")
        # A program the user may not edit is refused outright (not a form error): 403, nothing stored.
        if named and not programs.filter(pk=int(named) if named.isdigit() else 0).exists():
            raise PermissionDenied("You can import students only into a program you can edit.")
    form = UploadForm(request.POST or None, request.FILES or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            student_import = imports.student_import_create(
                data=upload_file.read(),
                file_name=upload_file.name,
                program=form.cleaned_data["program"],
                cohort=form.cleaned_data["cohort"],
                user=request.user,
                actor=admin_actor(request.user),
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("campaigns_import_map", pk=student_import.pk)
    recent = StudentImport.objects.filter(program__in=programs).select_related("program", "started_by")[:10]
    return TemplateResponse(
        request,
        "campaigns/import_upload.html",
        {"form": form, "recent": recent, "page_title": "Import students"},
        status=400 if form.errors else 200,
    )


def map_columns(request, pk: int):
    student_import = _import_for(request, pk)
    if student_import.status != ImportStatus.UPLOADED:
        return redirect("campaigns_import_status", pk=pk)
    header = parse(bytes(student_import.data)).header
    initial = {name: str(index) for name, index in student_import.mapping.items()}
    form = MappingForm(request.POST or None, header=header, initial=initial)
    mapping = student_import.mapping
    status = 200
    if request.method == "POST":
        if form.is_valid():
            mapping = form.mapping(len(header))
            if request.POST.get("action") == "run":
                imports.student_import_start(student_import=student_import, mapping=mapping)
                return redirect("campaigns_import_status", pk=pk)
            StudentImport.objects.filter(pk=pk).update(mapping=mapping)
        else:
            status = 400
    preview = imports.student_import_preview(student_import=student_import, mapping=mapping, limit=PREVIEW_ROWS)
    return TemplateResponse(
        request,
        "campaigns/import_map.html",
        {
            "form": form,
            "student_import": student_import,
            "preview": preview,
            "page_title": "Import students: columns",
        },
        status=status,
    )


def _status_data(student_import: StudentImport) -> dict:
    return {
        "id": student_import.pk,
        "status": student_import.status,
        "status_label": student_import.get_status_display(),
        "finished": student_import.finished,
        "processed": student_import.processed_rows,
        "total": student_import.total_rows,
        "percent": student_import.percent,
        "created": student_import.created_count,
        "updated": student_import.updated_count,
        "skipped": student_import.skipped_count,
        "rejected": student_import.rejected_count,
        "error": student_import.error,
    }


def status(request, pk: int):
    student_import = _import_for(request, pk)
    if student_import.status == ImportStatus.UPLOADED:
        messages.info(request, "Choose the columns first.")
        return redirect("campaigns_import_map", pk=pk)
    skipped = student_import.rows.order_by("line")[:SUMMARY_ROWS] if student_import.finished else []
    return TemplateResponse(
        request,
        "campaigns/import_status.html",
        {
            "student_import": student_import,
            "data": _status_data(student_import),
            "skipped": skipped,
            "summary_rows": SUMMARY_ROWS,
            "rejected_outcome": ImportRowOutcome.REJECTED,
            "enrollments_url": reverse("campaigns_enrollment:index") + f"?program={student_import.program_id}",
            "page_title": "Import students: progress",
        },
    )


def status_json(request, pk: int):
    return JsonResponse(_status_data(_import_for(request, pk)))


def rejected(request, pk: int):
    student_import = _import_for(request, pk)
    response = StreamingHttpResponse(
        imports.rejected_rows_csv(student_import=student_import), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{pk}-rejected.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
