"""Simulated students answering their sharing prompts (for ``simulate_cohort``).

Most answer within a few days, telling one to a handful of people; some never answer, so
the funnel shows prompted > completed, as real cohorts do.
"""

from sharing_prompts import services
from sharing_prompts.models import PromptDelivery

ANSWER_PER_DAY = 0.35  # chance an open prompt is answered on a given day, for students who will
NEVER_ANSWER = 0.3  # share of prompts never answered


# cohort -> ids of prompts whose student will never answer (decided the first day a prompt is seen)
_never: dict[str, set[int]] = {}
_seen: dict[str, set[int]] = {}


def students_complete_prompts(*, program, cohort: str, day: int, now, rng) -> None:
    never, seen = _never.setdefault(cohort, set()), _seen.setdefault(cohort, set())
    open_prompts = PromptDelivery.objects.filter(
        program=program, cohort=cohort, completed_at__isnull=True, prompted_at__lt=now
    ).order_by("pk")
    for delivery in open_prompts:
        # Decided from the run's random stream in creation order, so the same seed repeats.
        if delivery.pk not in seen:
            seen.add(delivery.pk)
            if rng.random() < NEVER_ANSWER:
                never.add(delivery.pk)
        if delivery.pk in never:
            continue
        if rng.random() < ANSWER_PER_DAY:
            services.delivery_complete(
                delivery=delivery,
                people_count=rng.randint(1, 5),
                reflection=rng.choice(["", "I told my sister how proud I felt.", "Shared my first win at dinner."]),
                now=now,
            )
