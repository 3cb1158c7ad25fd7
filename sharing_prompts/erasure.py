"""One student's sharing prompts, for a data-rights export or an erasure (the reflections go;
the deliveries and their counts stay for the dashboard)."""

from mailers.erasure import redact
from sharing_prompts.models import PromptDelivery


def export_student(*, student) -> dict:
    return {
        "sharing_prompts": [
            {
                "program": d.program.title,
                "milestone": d.milestone_title,
                "prompted_at": d.prompted_at,
                "completed_at": d.completed_at,
                "people_count": d.people_count,
                "reflection": d.reflection,
            }
            for d in PromptDelivery.objects.filter(student=student).select_related("program").order_by("id")
        ]
    }


def erase_student(*, student, needles: list[str]) -> dict:
    changed = 0
    for delivery in PromptDelivery.objects.filter(student=student).exclude(reflection=""):
        PromptDelivery.objects.filter(pk=delivery.pk).update(reflection="")
        changed += 1
    for delivery in PromptDelivery.objects.filter(student=student).only("pk", "ask", "example_reflection"):
        ask, example = redact(delivery.ask, needles), redact(delivery.example_reflection, needles)
        if (ask, example) != (delivery.ask, delivery.example_reflection):
            PromptDelivery.objects.filter(pk=delivery.pk).update(ask=ask, example_reflection=example)
    return {"reflections_removed": changed}
