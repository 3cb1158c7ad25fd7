"""Simulated students answering feedback requests and writing testimonials (for ``simulate_cohort``).

Scores follow a typical transformational-program spread (most 9–10, some 7–8, a few low) and
come with words, including a few that contradict the score, so the routing is exercised as
it is in real life. Some never answer.
"""

from campaigns import simulation
from testimonials import feedback, publishing, submissions
from testimonials.models import Consent, FeedbackResponse, ModerationStatus, Route, Testimonial

ANSWER_PER_DAY = 0.4
NEVER_ANSWER = 0.25
WRITE_TESTIMONIAL = 0.6  # share of happy students who write one when asked

HAPPY_WORDS = [
    "Mornings used to be a battle. Now we leave on time and nobody shouts.",
    "I finally have routines that stick. My daughter finishes her homework on her own.",
    "It gave me my calm back. I recommend it to every parent I know.",
]
NEUTRAL_WORDS = ["Useful, though some weeks felt repetitive.", "Good content, I expected a bit more coaching."]
UNHAPPY_WORDS = [
    "Honestly a waste of money, nothing changed for us.",
    "The videos were fine but support never answered my questions.",
]


def _score(rng) -> int:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice([9, 10])
    if roll < 0.85:
        return rng.choice([7, 8])
    return rng.randint(0, 6)


def _words(rng, score: int) -> str:
    if score >= 9:
        # A few high scores come with a complaint: the text routes them (VADER + phrases).
        return rng.choice(UNHAPPY_WORDS) if rng.random() < 0.05 else rng.choice(HAPPY_WORDS)
    return rng.choice(NEUTRAL_WORDS if score >= 7 else UNHAPPY_WORDS)


def students_give_feedback(*, program, cohort: str, day: int, now, rng, **_) -> None:
    waiting = FeedbackResponse.objects.filter(
        program=program, cohort=cohort, score__isnull=True, requested_at__lt=now
    ).order_by("pk")
    for response in waiting:
        never = simulation.never_answers(
            cohort=cohort, kind="feedback", item_id=response.pk, rng=rng, share=NEVER_ANSWER
        )
        if never or rng.random() >= ANSWER_PER_DAY:
            continue
        score = _score(rng)
        answered = feedback.feedback_submit(
            response=response,
            score=score,
            answers=[_words(rng, score)] + [""] * (len(response.questions or []) - 1),
            now=now,
        )
        writes = answered.route == Route.HAPPY and rng.random() < WRITE_TESTIMONIAL
        if writes and not Testimonial.objects.filter(student_id=answered.student_id, program=program).exists():
            testimonial = submissions.testimonial_save(
                student_id=answered.student_id,
                program_id=program.pk,
                text=answered.text,
                consent=rng.choice([Consent.FULL, Consent.FIRST_NAME, Consent.ANONYMOUS, Consent.PRIVATE]),
                now=now,
            )
            # A simulated moderator approves it (the ask quotes only approved words); simulated
            # people's testimonials are never visible (see VisibleTestimonialQuerySet.visible).
            publishing.testimonial_moderate(
                testimonial=testimonial, status=ModerationStatus.APPROVED, user=None, now=now
            )
