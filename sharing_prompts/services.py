"""Writes of the sowing phase: schedule a prompt when a milestone is reached, send it, remind
once, and record what the student shared. Keyword-only; each one transaction.

The engine calls in through the hook and the action handlers registered in apps.py; the
tick runs the handlers inside its chunk transaction, so a replayed chunk changes nothing twice.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import links
from campaigns import services as journey
from campaigns.models import ActionStatus, Enrollment, Milestone, MilestoneReached, ScheduledAction, Stage
from mailers.models import Category, Contact
from sharing_prompts.emails import PROMPT_BODY, PROMPT_EMAIL, REMINDER_EMAIL
from sharing_prompts.events import PromptEvent
from sharing_prompts.models import MAX_SHARED, MIN_SHARED, PromptDelivery, SharingPrompt

ACTION_PROMPT = "sharing_prompt"
ACTION_REMINDER = "sharing_prompt_reminder"
MAX_REFLECTION = 5000


# --- Scheduling (the engine's milestones_reached hook) -----------------------------------


def prompts_schedule_for_reached(*, reached: list[MilestoneReached], now: datetime) -> None:
    """A prompt action, due now, for every reached milestone that has a published prompt."""
    if not reached:
        return
    milestones = {
        m.pk: m for m in Milestone.objects.filter(pk__in={r.milestone_id for r in reached}).only("slug", "program_id")
    }
    wanted = {(m.program_id, m.slug) for m in milestones.values()}
    with_prompt = set(
        SharingPrompt.objects.filter(
            program_id__in={p for p, _ in wanted}, milestone_slug__in={s for _, s in wanted}
        ).values_list("program_id", "milestone_slug")
    )
    actions = []
    for r in reached:
        milestone = milestones.get(r.milestone_id)
        if milestone is not None and (milestone.program_id, milestone.slug) in with_prompt:
            actions.append(
                ScheduledAction(
                    enrollment_id=r.enrollment_id,
                    kind=ACTION_PROMPT,
                    key=f"prompt:{milestone.slug}",
                    due_at=now,
                    payload={"milestone_id": milestone.pk, "milestone_slug": milestone.slug},
                    created_at=now,
                )
            )
    journey.actions_schedule(actions=actions)


# --- The tick's handlers ------------------------------------------------------------------


def handle_prompt_actions(actions: list[ScheduledAction], now: datetime) -> None:
    """Create each student's prompt, email it (inside the contact budget), schedule its reminder."""
    enrollments = _enrollments(actions)
    prompts = {
        (p.program_id, p.milestone_slug): p
        for p in SharingPrompt.objects.filter(program_id__in={e.program_id for e in enrollments.values()})
    }
    reminders: list[ScheduledAction] = []
    prompted: list[tuple[Enrollment, dict]] = []
    for action in actions:
        enrollment = enrollments.get(action.enrollment_id)
        slug = action.payload.get("milestone_slug", "")
        prompt = prompts.get((enrollment.program_id, slug)) if enrollment else None
        if enrollment is None or prompt is None or enrollment.stage == Stage.WITHDRAWN:
            continue  # withdrawn meanwhile, or the creator removed the prompt: nothing to send
        delivery, created = _delivery_for(enrollment=enrollment, prompt=prompt, action=action, now=now)
        if not created:
            continue
        emailed = _queue_email(delivery=delivery, enrollment=enrollment, reminder=False, now=now)
        prompted.append(
            (
                enrollment,
                {
                    "reason": f"sharing prompt for {delivery.milestone_title!r}"
                    + ("" if emailed else " (in the hub only: no marketing consent)"),
                    "data": {"delivery_id": delivery.pk, "milestone": slug, "emailed": emailed},
                },
            )
        )
        if prompt.reminder_after_days and emailed:
            reminders.append(
                ScheduledAction(
                    enrollment_id=enrollment.pk,
                    kind=ACTION_REMINDER,
                    key=f"prompt-reminder:{slug}",
                    due_at=now + timedelta(days=prompt.reminder_after_days),
                    payload={"delivery_id": delivery.pk},
                    created_at=now,
                )
            )
    journey.journey_record_many(events=prompted, kind=PromptEvent.PROMPTED, actor=journey.ENGINE_ACTOR, now=now)
    journey.actions_schedule(actions=reminders)


def handle_reminder_actions(actions: list[ScheduledAction], now: datetime) -> None:
    """One reminder per prompt, only while it is not completed and the student still wants program mail."""
    deliveries = {
        d.pk: d
        for d in PromptDelivery.objects.select_related("student", "enrollment").filter(
            pk__in=[a.payload.get("delivery_id") for a in actions]
        )
    }
    reminded: list[tuple[Enrollment, dict]] = []
    for action in actions:
        delivery = deliveries.get(action.payload.get("delivery_id"))
        if delivery is None or delivery.completed_at or delivery.reminded_at:
            continue
        if delivery.enrollment.stage == Stage.WITHDRAWN or not _wants_program_mail(delivery.student.email):
            continue
        if _queue_email(delivery=delivery, enrollment=delivery.enrollment, reminder=True, now=now):
            PromptDelivery.objects.filter(pk=delivery.pk, reminded_at__isnull=True).update(reminded_at=now)
            reminded.append((delivery.enrollment, {"reason": f"reminded of {delivery.milestone_title!r}", "data": {}}))
    journey.journey_record_many(events=reminded, kind=PromptEvent.REMINDED, actor=journey.ENGINE_ACTOR, now=now)


def _enrollments(actions: list[ScheduledAction]) -> dict[int, Enrollment]:
    return {
        e.pk: e
        for e in Enrollment.objects.select_related("student", "program").filter(
            pk__in={a.enrollment_id for a in actions}
        )
    }


def _delivery_for(*, enrollment, prompt: SharingPrompt, action: ScheduledAction, now) -> tuple[PromptDelivery, bool]:
    milestone = Milestone.objects.filter(pk=action.payload.get("milestone_id")).first()
    return PromptDelivery.objects.get_or_create(
        enrollment=enrollment,
        milestone_slug=prompt.milestone_slug,
        defaults={
            "student_id": enrollment.student_id,
            "program_id": enrollment.program_id,
            "cohort": enrollment.cohort,
            "prompt": prompt,
            "milestone": milestone,
            "milestone_title": milestone.title if milestone else prompt.milestone_slug,
            "ask": prompt.ask,
            "target_count": prompt.target_count,
            "channels": prompt.channels,
            "example_reflection": prompt.example_reflection,
            "reminder_after_days": prompt.reminder_after_days,
            "prompted_at": now,
        },
    )


def _wants_program_mail(email: str) -> bool:
    contact = Contact.objects.filter(email__iexact=email).first()
    return contact is None or contact.accepts(Category.PROGRAM)


def _queue_email(*, delivery: PromptDelivery, enrollment: Enrollment, reminder: bool, now: datetime) -> bool:
    """Queue the prompt (or its reminder) email; False when the student gave no marketing consent."""
    student = enrollment.student
    if not student.marketing_consent:
        return False
    prompt = delivery.prompt
    subject = (prompt.email_subject if prompt else "") or "You reached {{ milestone_title }}"
    context = {
        "milestone_title": delivery.milestone_title,
        "target_count": delivery.target_count,
        "prompt_url": links.hub_url(student, "sharing_prompts:prompt", delivery.pk),
        "hub_url": links.hub_url(student),
    }
    if reminder:
        context["ask"] = _merged_ask(delivery, student)
    else:
        context.update({"subject": subject, "body": PROMPT_BODY.format(ask=delivery.ask)})
    journey.student_email_queue(
        student=student,
        program=enrollment.program,
        kind=REMINDER_EMAIL.name if reminder else PROMPT_EMAIL.name,
        idempotency_key=f"{'prompt-reminder' if reminder else 'prompt'}:{delivery.pk}",
        context=context,
        now=now,
    )
    return True


def _merged_ask(delivery: PromptDelivery, student) -> str:
    from mailers import merge

    values = {
        "first_name": student.first_name or "there",
        "full_name": student.full_name or student.first_name or "there",
        "program_title": delivery.program.title,
        "milestone_title": delivery.milestone_title,
        "target_count": delivery.target_count,
    }
    try:
        return merge.merge_text(delivery.ask, values)
    except merge.MergeError:
        return delivery.ask


# --- The student's answer -------------------------------------------------------------------


@transaction.atomic
def delivery_complete(
    *, delivery: PromptDelivery, people_count: int, reflection: str = "", now: datetime | None = None
) -> PromptDelivery:
    """Record how many people the student told; resubmitting updates the same record."""
    now = now or timezone.now()
    if not isinstance(people_count, int) or not MIN_SHARED <= people_count <= MAX_SHARED:
        raise ValidationError({"people_count": f"Enter a number from {MIN_SHARED} to {MAX_SHARED}."})
    reflection = (reflection or "").strip()
    if len(reflection) > MAX_REFLECTION:
        raise ValidationError({"reflection": f"Keep it under {MAX_REFLECTION} characters."})
    delivery = PromptDelivery.objects.select_for_update().select_related("enrollment").get(pk=delivery.pk)
    first_time = delivery.completed_at is None
    delivery.people_count = people_count
    delivery.reflection = reflection
    delivery.completed_at = delivery.completed_at or now
    delivery.updated_at = now
    delivery.save(update_fields=["people_count", "reflection", "completed_at", "updated_at"])
    ScheduledAction.objects.filter(
        enrollment_id=delivery.enrollment_id, key=f"prompt-reminder:{delivery.milestone_slug}", status="pending"
    ).update(status=ActionStatus.CANCELLED, done_at=now)
    journey.journey_record(
        enrollment=delivery.enrollment,
        kind=PromptEvent.COMPLETED if first_time else PromptEvent.UPDATED,
        actor="student",
        reason=f"told {people_count} {'person' if people_count == 1 else 'people'} about {delivery.milestone_title!r}",
        data={"delivery_id": delivery.pk, "people_count": people_count, "reflection": bool(reflection)},
        now=now,
    )
    return delivery
