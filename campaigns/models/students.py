"""Students and their enrollments in programs."""

import zoneinfo
from datetime import datetime
from functools import lru_cache

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from campaigns.choices import Stage
from campaigns.inboxes import mailbox
from campaigns.models.inserts import insert_select, insert_values
from campaigns.names import validate_person_name


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk (~40 ms): once per process, not per row.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(f"{value!r} is not a known time zone (use a name like Europe/Paris).")


class StudentQuerySet(models.QuerySet):
    def insert_new(self, *, rows: list[dict]) -> None:
        """Create a student per dict of field values (an import's rows), in one statement; an address
        taken meanwhile (any case: the unique index) is skipped, so the caller looks the ids up after."""
        insert_values(self.model, rows=[{**row, "inbox": mailbox(row["email"])} for row in rows], ignore_conflicts=True)


class Student(models.Model):
    """A person who takes (or took) a program; no password: they reach their hub by signed links."""

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    email = models.EmailField(max_length=254)
    # The inbox the address reaches (campaigns.inboxes.mailbox), written by save() and insert_new:
    # "already a student" and "who is this friend" ask it of every alias at once, through the index.
    inbox = models.CharField(max_length=254, blank=True, default="", db_default="", editable=False, db_index=True)
    # A name, never a message (links, domains, phone numbers): see campaigns/names.py.
    first_name = models.CharField(max_length=100, blank=True, validators=[validate_person_name])
    last_name = models.CharField(max_length=100, blank=True, validators=[validate_person_name])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    marketing_consent = models.BooleanField(
        default=False, help_text="Agreed to receive marketing email (sharing prompts, asks)."
    )
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    link_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text='Signed into every personal link; raising it ("sign out everywhere") revokes them all.',
    )
    links_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the student was last signed out everywhere: links of other kinds issued before then "
        "no longer lead back to their page.",
    )
    simulated = models.BooleanField(
        default=False,
        editable=False,
        help_text="Created by simulate_cohort: never emailed, never in a queue or a count.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        constraints = [
            # One student per address whatever its case: Ann@X.org and ann@x.org are one person.
            models.UniqueConstraint(
                Lower("email"),
                name="student_email_unique_ci",
                violation_error_code="duplicate_email",
                violation_error_message="A student with this email address already exists.",
            ),
        ]
        ordering = ["email"]
        indexes = [
            # Few rows are simulated; queues and counts exclude them on every read.
            models.Index(fields=["simulated"], name="student_simulated", condition=models.Q(simulated=True)),
        ]

    def __str__(self) -> str:
        name = self.full_name
        return f"{name} <{self.email}>" if name else self.email

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def save(self, *args, **kwargs):
        self.inbox = mailbox(self.email)
        if (fields := kwargs.get("update_fields")) is not None and "email" in fields:
            kwargs["update_fields"] = {*fields, "inbox"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # Show a duplicate address on the email field rather than as a form-wide error.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = getattr(exc, "error_dict", {}).get(NON_FIELD_ERRORS, [])
            if any(error.code == "duplicate_email" for error in errors):
                raise ValidationError({"email": errors[0].messages}) from None
            raise


class LowerExact(models.Lookup):
    """``email__iexact`` on a student's address as ``LOWER(email) = LOWER(%s)``: the expression the unique
    index ``student_email_unique_ci`` is built on, so the lookup is an index search. Django's own iexact
    is a ``LIKE`` on SQLite and ``UPPER(…) = UPPER(…)`` on PostgreSQL, which scan every student (the
    events API, the import and the "fresh link" form look students up this way)."""

    lookup_name = "iexact"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]


Student._meta.get_field("email").register_lookup(LowerExact)


class EnrollmentQuerySet(models.QuerySet):
    def insert_for_students(
        self, *, student_ids: list[int], program_id: int, cohort: str, starts_at: datetime, now: datetime
    ) -> list[tuple[int, int]]:
        """Enroll each listed student not yet in the program (cohort and start the same for all), in
        one ``INSERT … SELECT``; returns the (enrollment id, student id) pairs created.

        A student enrolled meanwhile (the public form, another import) is left alone.
        """
        enrollment, student = self.model._meta, self.model._meta.get_field("student").related_model._meta
        insert_select(
            self.model,
            source=student.model,
            ids=student_ids,
            copy={"student": "id"},
            values={
                "program": program_id,
                "cohort": cohort[:60],
                "stage": Stage.ENROLLED.value,
                "enrolled_at": now,
                "starts_at": starts_at,
                "updated_at": now,
            },
            where=[
                (
                    f"NOT EXISTS (SELECT 1 FROM {enrollment.db_table} e "  # noqa: S608
                    f"WHERE e.{enrollment.get_field('student').column} = {student.db_table}.{student.pk.column} "
                    f"AND e.{enrollment.get_field('program').column} = %s)",
                    [program_id],
                )
            ],
        )
        return list(
            self.filter(program_id=program_id, student_id__in=student_ids, enrolled_at=now, starts_at=starts_at)
            .order_by("pk")
            .values_list("pk", "student_id")
        )


class Enrollment(models.Model):
    """A student in one program. Its stage only changes through services, each change a journey event."""

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    # Served by the (student, program) unique index and the (program, stage) index.
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments", db_index=False)
    program = models.ForeignKey(
        "campaigns.ProgramPage", on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    cohort = models.CharField(max_length=60, blank=True, help_text='e.g. "2026-spring"')
    stage = models.CharField(max_length=40, choices=Stage.choices, default=Stage.ENROLLED)
    enrolled_at = models.DateTimeField(default=timezone.now)
    starts_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("student", "program", name="enrollment_one_per_program")]
        indexes = [models.Index(fields=["program", "stage"], name="enrollment_program_stage")]
        ordering = ["-enrolled_at"]

    def __str__(self) -> str:
        return f"{self.student.email} in {self.program.title}"
