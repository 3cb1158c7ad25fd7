"""The journey: append-only events (the history) and scheduled actions (the future)."""

from datetime import datetime

from django.db import models
from django.utils import timezone

from campaigns import events
from campaigns.models.inserts import insert_select, insert_values


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

    def insert_rows(self, *, rows: list[dict]) -> None:
        """One event per dict (field name -> value), each with values of its own (a sender per row, the
        events API), in one ``executemany``. An unknown kind is refused, as ``bulk_create`` refuses it."""
        for kind in {row["kind"] for row in rows}:
            events.check(kind)
        insert_values(self.model, rows=rows)

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
    ) -> int:
        """One ``stage_changed`` event for each listed enrollment still in ``from_stage``, in one
        ``INSERT … SELECT`` that copies student and program from the enrollment rows.

        The tick moves up to 100k enrollments at a time; building that many model instances
        for ``bulk_create`` costs several times the SQL itself (see bench/tick.py).
        """
        return self.insert_for_enrollments(
            enrollment_ids=enrollment_ids,
            kind=events.EngineEvent.STAGE_CHANGED,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
            actor=actor,
            now=now,
            data=data,
            only_in_stage=from_stage,
        )

    def insert_for_enrollments(
        self,
        *,
        enrollment_ids: list[int],
        kind: str,
        reason: str,
        actor: str,
        now: datetime,
        data: dict,
        from_stage: str = "",
        to_stage: str = "",
        only_in_stage: str | None = None,
    ) -> int:
        """The same event (``kind``, reason, data) for each listed enrollment, in one ``INSERT …
        SELECT`` that copies student and program from the enrollment rows; returns how many.

        ``only_in_stage``: only the enrollments still in that stage get one. An unknown kind is
        refused, as ``save`` and ``bulk_create`` refuse it.
        """
        events.check(kind)
        enrollment = self.model._meta.get_field("enrollment").related_model
        return insert_select(
            self.model,
            source=enrollment,
            ids=enrollment_ids,
            copy={"student": "student", "enrollment": "id", "program": "program"},
            values={
                "kind": str(kind),
                "from_stage": from_stage,
                "to_stage": to_stage,
                "reason": reason[:255],
                "actor": actor[:150],
                "occurred_at": now,
                "data": data,
            },
            where=[("stage = %s", [only_in_stage])] if only_in_stage is not None else (),
        )


class JourneyEvent(models.Model):
    """One thing that happened to a student: what, when, why, and by whom.

    Analytics, the admin timeline and debugging all read these rows. Only erasing the
    whole student (a legal request) removes them, through the cascade.
    """

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    # Indexes are few on purpose: every stage change of every student writes a row here.
    # (student, occurred_at) serves the timeline, (program, kind, enrollment) the funnel.
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
            # The funnel counts distinct enrollments per kind (excluding simulated students, within dates):
            # on PostgreSQL the index alone answers it (an index-only scan), instead of every event row.
            models.Index(
                fields=["program", "kind", "enrollment"],
                include=["student", "occurred_at"],
                name="event_program_kind_enrollment",
            ),
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


class ScheduledActionQuerySet(models.QuerySet):
    def insert_for_enrollments(
        self, *, enrollment_ids: list[int], kind: str, key: str, due_at: datetime, payload: dict, now: datetime
    ) -> int:
        """The same pending step for each listed enrollment, in one ``INSERT … SELECT``; returns how many.

        For enrollments created in the same transaction (they have no step yet): a step already
        scheduled under ``key`` is a unique-constraint error, not skipped.
        """
        enrollment = self.model._meta.get_field("enrollment").related_model
        return insert_select(
            self.model,
            source=enrollment,
            ids=enrollment_ids,
            copy={"enrollment": "id"},
            values={
                "kind": kind,
                "key": key,
                "due_at": due_at,
                "status": ActionStatus.PENDING.value,
                "payload": payload,
                "error": "",
                "created_at": now,
            },
        )


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

    objects = ScheduledActionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "key", name="action_once_per_enrollment")]
        indexes = [
            # The tick's only query: pending rows by due time.
            models.Index(fields=["due_at"], name="action_pending_due", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class MilestoneReachedQuerySet(models.QuerySet):
    def insert_for_enrollments(
        self, *, enrollment_ids: list[int], milestone_id: int, reached_at: datetime, source: str
    ) -> int:
        """``milestone_id`` reached by each listed enrollment, in one ``INSERT … SELECT``; returns how many.

        The caller leaves out the enrollments that reached it already (the unique constraint refuses a second).
        """
        enrollment = self.model._meta.get_field("enrollment").related_model
        return insert_select(
            self.model,
            source=enrollment,
            ids=enrollment_ids,
            copy={"enrollment": "id"},
            values={"milestone": milestone_id, "reached_at": reached_at, "source": source},
        )


class MilestoneReached(models.Model):
    """A student reached a milestone (reported by the platform, the admin, or the day-offset fallback)."""

    # Engine rows, written in bulk: keep them out of Wagtail's content reference index.
    wagtail_reference_index_ignore = True

    enrollment = models.ForeignKey("campaigns.Enrollment", on_delete=models.CASCADE, related_name="milestones_reached")
    milestone = models.ForeignKey("campaigns.Milestone", on_delete=models.CASCADE, related_name="+")
    reached_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=40)

    objects = MilestoneReachedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("enrollment", "milestone", name="milestone_reached_once")]

    def __str__(self) -> str:
        return f"milestone {self.milestone_id} reached {self.reached_at:%Y-%m-%d} ({self.source})"
