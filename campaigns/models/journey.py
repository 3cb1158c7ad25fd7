"""The journey: append-only events (the history) and scheduled actions (the future)."""

from datetime import datetime

from django.db import connection, models
from django.utils import timezone

from campaigns import events


class AppendOnlyError(RuntimeError):
    """Journey events are history: they are added, never changed or removed one by one."""


class JourneyEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("journey events cannot be updated")

    def delete(self):
        raise AppendOnlyError("journey events cannot be deleted (erase the student instead)")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for event in objs:
            events.check(event.kind)
        return super().bulk_create(objs, *args, **kwargs)

    def insert_stage_changes(
        self,
        *,
        enrollment_ids: list[int],
        from_stage: str,
        to_stage: str,
        reason: str,
        actor: str,
        now: datetime,
        data: dict,
    ) -> None:
        """One ``stage_changed`` event for each listed enrollment still in ``from_stage``, in one
        ``INSERT … SELECT`` that copies student and program from the enrollment rows.

        The tick moves up to 100k enrollments at a time; building that many model instances
        for ``bulk_create`` costs several times the SQL itself (see bench/tick.py).
        """
        event = self.model._meta
        enrollment = event.get_field("enrollment").related_model._meta
        json_param = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        occurred_at = event.get_field("occurred_at").get_db_prep_value(now, connection)
        placeholders = ", ".join(["%s"] * len(enrollment_ids))
        # Table names come from model metadata and every value is a bound parameter.
        sql = (
            f"INSERT INTO {event.db_table} "  # noqa: S608
            "(student_id, enrollment_id, program_id, kind, from_stage, to_stage, reason, actor, occurred_at, data) "
            f"SELECT student_id, id, program_id, %s, %s, %s, %s, %s, %s, {json_param} "
            f"FROM {enrollment.db_table} WHERE stage = %s AND id IN ({placeholders})"
        )
        params = [
            events.EngineEvent.STAGE_CHANGED.value,
            from_stage,
            to_stage,
            reason[:255],
            actor[:150],
            occurred_at,
            event.get_field("data").get_db_prep_value(data, connection),
            from_stage,
            *enrollment_ids,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


class JourneyEvent(models.Model):
    """One thing that happened to a student: what, when, why, and by whom.

    Analytics, the admin timeline and debugging all read these rows. Only erasing the
    whole student (a legal request) removes them, through the cascade.
    """

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    # Indexes are few on purpose: every stage change of every student writes a row here.
    # (student, occurred_at) serves the timeline, (program, kind) the funnel.
    student = models.ForeignKey("campaigns.Student", on_delete=models.CASCADE, related_name="events", db_index=False)
    enrollment = models.ForeignKey(
        "campaigns.Enrollment", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    program = models.ForeignKey(
        "campaigns.ProgramPage", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=60)
    from_stage = models.CharField(max_length=40, blank=True)
    to_stage = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    actor = models.CharField(max_length=150, help_text='Who caused it: "engine", "admin:alice", "api", ...')
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    objects = JourneyEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]  # insertion order is time order, and the primary key needs no extra index
        indexes = [
            models.Index(fields=["student", "occurred_at"], name="event_student_time"),
            models.Index(fields=["program", "kind"], name="event_program_kind"),
        ]

    def __str__(self) -> str:
        change = f" {self.from_stage} → {self.to_stage}" if self.to_stage else ""
        return f"{self.kind}{change}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("journey events cannot be changed")
        events.check(self.kind)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("journey events cannot be deleted (erase the student instead)")


class ActionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class ScheduledAction(models.Model):
    """Something the engine will do for an enrollment when ``due_at`` comes.

    The periodic tick claims due rows in chunks and hands them to the handler registered
    for their ``kind``. ``key`` is unique per enrollment, so scheduling the same step twice
    is a no-op.
    """

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    # Served by the (enrollment, key) unique index.
    enrollment = models.ForeignKey(
        "campaigns.Enrollment", on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=120)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    payload = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "key", name="action_once_per_enrollment")]
        indexes = [
            # The tick's only query: pending rows by due time.
            models.Index(fields=["due_at"], name="action_pending_due", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class MilestoneReached(models.Model):
    """A student reached a milestone (reported by the platform, the admin, or the day-offset fallback)."""

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey("campaigns.Enrollment", on_delete=models.CASCADE, related_name="milestones_reached")
    milestone = models.ForeignKey("campaigns.Milestone", on_delete=models.CASCADE, related_name="+")
    reached_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "milestone", name="milestone_reached_once")]

    def __str__(self) -> str:
        return f"milestone {self.milestone_id} reached {self.reached_at:%Y-%m-%d} ({self.source})"
