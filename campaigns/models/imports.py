"""CSV imports of students: the uploaded file, its column mapping, progress and outcome per row."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from campaigns.models.inserts import insert_values


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded (choose the columns)"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class StudentImport(models.Model):
    """One uploaded CSV file and what importing it did.

    The file is kept in the database, not in MEDIA: a worker on another machine (Celery) shares
    the database but not the web server's disk, and nothing under MEDIA_URL can ever serve it.
    """

    wagtail_reference_index_ignore = True

    program = models.ForeignKey("campaigns.ProgramPage", on_delete=models.PROTECT, related_name="+")
    cohort = models.CharField(max_length=60, blank=True, help_text="Used for rows without a cohort column value.")
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(editable=False)
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    # Field name ("email", "first_name", ...) -> column index in the file.
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    # Rows already handled; a retried task resumes here (each chunk commits with its counts).
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the whole import failed, when it did.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=150, help_text='Written on every journey event, e.g. "admin:alice".')
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "student import"

    def __str__(self) -> str:
        return f"{self.file_name} → {self.program.title} ({self.get_status_display().lower()})"

    @property
    def source(self) -> str:
        return f"import:{self.pk}"

    @property
    def delimiter_label(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab"}.get(self.delimiter, repr(self.delimiter))

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportRowOutcome(models.TextChoices):
    UNCHANGED = "unchanged", "Skipped: nothing to change"
    REJECTED = "rejected", "Rejected"


class StudentImportRowQuerySet(models.QuerySet):
    def insert_many(self, *, rows: list[dict]) -> None:
        """One row per dict of field values, in one statement (an import skips thousands per chunk)."""
        insert_values(self.model, rows=rows)


class StudentImportRow(models.Model):
    """A row that was skipped, and why (rows that created or updated a student are only counted)."""

    wagtail_reference_index_ignore = True

    student_import = models.ForeignKey(StudentImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(help_text="The row's number in the file, the header being row 1.")
    outcome = models.CharField(max_length=10, choices=ImportRowOutcome.choices)
    reason = models.TextField()
    # The row as it was in the file, for the rejected-rows download (only for rejected rows).
    cells = models.JSONField(default=list, blank=True)

    objects = StudentImportRowQuerySet.as_manager()

    class Meta:
        ordering = ["student_import", "line"]
        indexes = [models.Index(fields=["student_import", "outcome", "line"], name="importrow_outcome_line")]

    def __str__(self) -> str:
        return f"row {self.line}: {self.reason}"
