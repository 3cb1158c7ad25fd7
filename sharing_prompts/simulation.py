"""Simulated students answering their sharing prompts (for ``simulate_cohort``).

Most answer within a few days, telling one to a handful of people; some never answer, so
the funnel shows prompted > completed, as real cohorts do.
"""

from campaigns import simulation
from sharing_prompts import services
from sharing_prompts.models import PromptDelivery

ANSWER_PER_DAY = 0.35  # chance an open prompt is answered on a given day, for students who will
NEVER_ANSWER = 0.3  # share of prompts never answered


def students_complete_prompts(*, program, cohort: str, day: int, now, rng, **_) -> None:
    open_prompts = PromptDelivery.objects.filter(
        program=program, cohort=cohort, completed_at__isnull=True, prompted_at__lt=now
    ).order_by("pk")
    for delivery in open_prompts:
        if simulation.never_answers(cohort=cohort, kind="prompt", item_id=delivery.pk, rng=rng, share=NEVER_ANSWER):
            continue
        if rng.random() < ANSWER_PER_DAY:
            services.delivery_complete(
                delivery=delivery,
                people_count=rng.randint(1, 5),
                reflection=rng.choice(["", "I told my sister how proud I felt.", "Shared my first win at dinner."]),
                now=now,
            )
