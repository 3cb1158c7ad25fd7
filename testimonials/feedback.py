"""Feedback for everyone: ask, record the score a student clicks, their answers, and route them.

Routing (``feedback_route``) is where the method branches: unhappy → a support case
(support.py), neutral → a thank-you, happy → a testimonial request. It is idempotent: routing
the same response again changes nothing unless the route changes, and a case is never opened
twice for one response.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import links
from campaigns import services as journey
from campaigns.models import Enrollment, Milestone, MilestoneReached, ScheduledAction, Stage
from mailers import services as mail
from testimonials import routing, support
from testimonials.emails import FEEDBACK_BODY, FEEDBACK_EMAIL, TESTIMONIAL_BODY, TESTIMONIAL_EMAIL
from testimonials.events import FeedbackEvent
from testimonials.models import SCORES, CaseStatus, FeedbackPlan, FeedbackResponse, Route, SupportCase, Testimonial

ACTION_REQUEST = "feedback_request"
ACTION_ROUTE = "feedback_route"
MAX_ANSWER = 5000
TOKEN_SALT = "testimonials.feedback"  # noqa: S105 - a signing namespace, not a secret


# --- Personal score links ------------------------------------------------------------------


def response_token(response_id: int, *, issued_at: int | None = None) -> str:
    """A score/feedback link. ``issued_at``: pinned to the hub link of the page it is shown on, so a
    page view never hands out a link that lives longer than the one it was reached with."""
    if issued_at is None:
        return signing.dumps(response_id, salt=TOKEN_SALT)
    return links.sign(response_id, salt=TOKEN_SALT, issued_at=issued_at)


def read_response_token(token: str) -> links.LinkCheck:
    """Like the hub's links: (response id | None, "expired" | "invalid")."""
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=settings.HUB_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return links.LinkCheck(None, "expired")
    except signing.BadSignature:
        return links.LinkCheck(None, "invalid")
    return links.LinkCheck(value) if isinstance(value, int) else links.LinkCheck(None, "invalid")


def score_url(response_id: int, score: int) -> str:
    from django.urls import reverse

    from mailers.rendering import absolute

    return absolute(reverse("testimonials:score", args=[response_token(response_id), score]))


# --- Scheduling (the engine's signals) --------------------------------------------------------------------


def plans_for(program_ids) -> dict[int, FeedbackPlan]:
    plans: dict[int, FeedbackPlan] = {}
    for plan in FeedbackPlan.objects.filter(program_id__in=set(program_ids)).order_by("sort_order", "pk"):
        plans.setdefault(plan.program_id, plan)
    return plans


def _request_action(enrollment_id: int, round_: int, due_at: datetime, now: datetime) -> ScheduledAction:
    return ScheduledAction(
        enrollment_id=enrollment_id,
        kind=ACTION_REQUEST,
        key=f"feedback:{round_}",
        due_at=due_at,
        payload={"round": round_},
        created_at=now,
    )


def feedback_schedule_after_milestones(*, reached: list[MilestoneReached], now: datetime) -> None:
    milestones = {m.pk: m for m in Milestone.objects.filter(pk__in={r.milestone_id for r in reached})}
    plans = plans_for(m.program_id for m in milestones.values())
    actions = []
    for r in reached:
        milestone = milestones.get(r.milestone_id)
        plan = plans.get(milestone.program_id) if milestone else None
        if plan and plan.after_milestone_slug and plan.after_milestone_slug == milestone.slug:
            actions.append(_request_action(r.enrollment_id, 1, now, now))
    journey.actions_schedule(actions=actions)


def feedback_schedule_after_completion(*, enrollment_ids: list[int], from_stage: str, to_stage: str, now) -> None:
    if to_stage != Stage.COMPLETED:
        return
    program_of = dict(Enrollment.objects.filter(pk__in=enrollment_ids).values_list("pk", "program_id"))
    plans = plans_for(program_of.values())
    actions = []
    for enrollment_id, program_id in program_of.items():
        plan = plans.get(program_id)
        if plan and not plan.after_milestone_slug:
            actions.append(_request_action(enrollment_id, 1, now + timedelta(days=plan.days_after_completion), now))
    journey.actions_schedule(actions=actions)


# --- The tick's handlers -------------------------------------------------------------------


def handle_request_actions(actions: list[ScheduledAction], now: datetime) -> None:
    """Create the response row and email the 0–10 scale (inside the contact budget)."""
    enrollments = {
        e.pk: e
        for e in Enrollment.objects.select_related("student", "program").filter(
            pk__in={a.enrollment_id for a in actions}
        )
    }
    plans = plans_for(e.program_id for e in enrollments.values())
    requested: list[tuple[Enrollment, dict]] = []
    for action in actions:
        enrollment = enrollments.get(action.enrollment_id)
        plan = plans.get(enrollment.program_id) if enrollment else None
        if enrollment is None or plan is None or enrollment.stage == Stage.WITHDRAWN:
            continue
        round_ = int(action.payload.get("round", 1))
        response, created = FeedbackResponse.objects.get_or_create(
            enrollment=enrollment,
            round=round_,
            defaults={
                "student_id": enrollment.student_id,
                "program_id": enrollment.program_id,
                "cohort": enrollment.cohort,
                "requested_at": now,
                "questions": plan.question_list,
                "question_sets": plan.question_sets,
            },
        )
        if not created:
            continue
        emailed = _queue_feedback_email(response=response, enrollment=enrollment, plan=plan, now=now)
        requested.append(
            (enrollment, {"reason": f"feedback requested (round {round_})", "data": {"response_id": response.pk}})
        )
        if not emailed:
            requested[-1][1]["reason"] += " in the hub only: no marketing consent"
    journey.journey_record_many(events=requested, kind=FeedbackEvent.REQUESTED, actor=journey.ENGINE_ACTOR, now=now)


def handle_route_actions(actions: list[ScheduledAction], now: datetime) -> None:
    """A score clicked but no answers sent: route by the score once the student had time to write."""
    ids = [a.payload.get("response_id") for a in actions]
    for response in FeedbackResponse.objects.filter(pk__in=ids, score__isnull=False, routed_at__isnull=True):
        feedback_route(response=response, actor=journey.ENGINE_ACTOR, now=now)


def _queue_feedback_email(*, response: FeedbackResponse, enrollment: Enrollment, plan: FeedbackPlan, now) -> bool:
    student = enrollment.student
    if not student.marketing_consent:
        return False
    journey.student_email_queue(
        student=student,
        program=enrollment.program,
        kind=FEEDBACK_EMAIL.name,
        idempotency_key=f"feedback:{response.pk}",
        context={
            "subject": plan.email_subject,
            "body": FEEDBACK_BODY.format(intro=plan.email_intro),
            # A link list: "0 — url" lines in the text part, a row of buttons in the HTML part.
            "score_links": [{"label": str(score), "url": score_url(response.pk, score)} for score in SCORES],
        },
        now=now,
    )
    return True


# --- The student's answers -----------------------------------------------------------------


def _validate_score(score) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise ValidationError({"score": "Choose a score from 0 to 10."})
    return score


@transaction.atomic
def feedback_record_score(*, response: FeedbackResponse, score: int, now: datetime | None = None) -> FeedbackResponse:
    """One click from the email: the last answer wins; routing waits for their words (or a delay)."""
    now = now or timezone.now()
    score = _validate_score(score)
    response = FeedbackResponse.objects.select_for_update().select_related("enrollment").get(pk=response.pk)
    if response.score == score:
        return response  # a replayed click (or a link scanner's second visit): nothing changes
    previous = response.score
    response.score, response.scored_at = score, now
    response.save(update_fields=["score", "scored_at"])
    # Answered from the hub while the request email waits for quiet hours or the contact budget:
    # the request would ask for what they just gave.
    mail.messages_cancel(
        kind=FEEDBACK_EMAIL.name,
        student_id=response.student_id,
        idempotency_key=f"feedback:{response.pk}",
        reason="feedback already given",
    )
    journey.journey_record(
        enrollment=response.enrollment,
        kind=FeedbackEvent.SCORED,
        actor="student",
        reason=f"scored {score}/10" + (f" (was {previous})" if previous is not None else ""),
        data={"response_id": response.pk, "score": score},
        now=now,
    )
    if response.routed_at is None:
        delay = timedelta(minutes=settings.FEEDBACK_ROUTE_DELAY_MINUTES)
        journey.actions_schedule(
            actions=[
                ScheduledAction(
                    enrollment_id=response.enrollment_id,
                    kind=ACTION_ROUTE,
                    key=f"feedback-route:{response.round}",
                    due_at=now + delay,
                    payload={"response_id": response.pk},
                    created_at=now,
                )
            ]
        )
    return response


def score_route(*, response: FeedbackResponse, score: int) -> str:
    """The route the score alone points to (the program's thresholds): which questions to ask.

    Only the questions depend on it; routing itself reads their words too (``feedback_route``).
    """
    plan = _plan_for(response)
    happy_min, neutral_min = (plan.happy_min, plan.neutral_min) if plan else (9, 7)
    if score >= happy_min:
        return Route.HAPPY
    return Route.NEUTRAL if score >= neutral_min else Route.UNHAPPY


def questions_for(*, response: FeedbackResponse, route: str) -> list[str]:
    """The follow-up questions for ``route``, as they were when the request went out ("" → none yet)."""
    if route not in Route.values:
        return []
    sets = response.question_sets or {}
    if route in sets:
        return list(sets[route])
    # Requested before sets were kept: the happy questions were the ones stored; the others are today's.
    if route == Route.HAPPY:
        return list(response.questions or [])
    plan = _plan_for(response)
    return plan.question_sets[route] if plan else []


@transaction.atomic
def feedback_submit(
    *,
    response: FeedbackResponse,
    score: int,
    answers: list[str],
    asked_route: str = "",
    now: datetime | None = None,
) -> FeedbackResponse:
    """The follow-up form: score and answers together, then route at once.

    ``asked_route`` names the question set the page showed (the answers belong to those questions);
    empty means the set the score points to.
    """
    now = now or timezone.now()
    score = _validate_score(score)
    cleaned = [(a or "").strip() for a in answers]
    if any(len(a) > MAX_ANSWER for a in cleaned):
        raise ValidationError({"answers": f"Keep each answer under {MAX_ANSWER} characters."})
    response = feedback_record_score(response=response, score=score, now=now)
    route = asked_route if asked_route in Route.values else score_route(response=response, score=score)
    questions = questions_for(response=response, route=route)
    response.answers = [
        {"question": questions[i] if i < len(questions) else "", "answer": answer} for i, answer in enumerate(cleaned)
    ]
    response.answered_at = now
    response.save(update_fields=["answers", "answered_at"])
    return feedback_route(response=response, actor="student", now=now)


def _plan_for(response: FeedbackResponse) -> FeedbackPlan | None:
    return plans_for([response.program_id]).get(response.program_id)


@transaction.atomic
def feedback_route(*, response: FeedbackResponse, actor: str, now: datetime | None = None) -> FeedbackResponse:
    now = now or timezone.now()
    response = (
        FeedbackResponse.objects.select_for_update()
        .select_related("enrollment", "student", "program")
        .get(pk=response.pk)
    )
    if response.score is None:
        return response
    plan = _plan_for(response)
    decision = routing.classify(
        score=response.score,
        text=response.text,
        happy_min=plan.happy_min if plan else 9,
        neutral_min=plan.neutral_min if plan else 7,
    )
    if response.routed_at and response.route == decision.route:
        return response
    response.route = decision.route
    response.route_reasons = list(decision.reasons)
    response.sentiment = decision.sentiment
    response.language = decision.language
    response.routed_at = now
    response.save(update_fields=["route", "route_reasons", "sentiment", "language", "routed_at"])
    journey.journey_record(
        enrollment=response.enrollment,
        kind=FeedbackEvent(f"feedback_{decision.route}"),
        actor=actor,
        reason="; ".join(decision.reasons)[:255],
        data={"response_id": response.pk, "score": response.score, "sentiment": decision.sentiment},
        now=now,
    )
    if decision.route == Route.UNHAPPY:
        support.case_open(response=response, plan=plan, reasons=list(decision.reasons), now=now)
    elif decision.route == Route.HAPPY:
        testimonial_request_send(response=response, plan=plan, now=now)
    return response


def has_open_case(*, student_id: int, program_id: int) -> bool:
    return SupportCase.objects.filter(
        student_id=student_id, program_id=program_id, status__in=CaseStatus.open_values()
    ).exists()


def testimonial_request_send(*, response: FeedbackResponse, plan: FeedbackPlan | None, now: datetime) -> bool:
    """Ask a happy student for a testimonial: never while a case is open, never twice, never without consent."""
    student = response.student
    if plan is None or not student.marketing_consent:
        return False
    if has_open_case(student_id=student.pk, program_id=response.program_id):
        return False
    if Testimonial.objects.filter(student=student, program_id=response.program_id).exists():
        return False
    journey.student_email_queue(
        student=student,
        program=response.program,
        kind=TESTIMONIAL_EMAIL.name,
        idempotency_key=f"testimonial-request:{student.pk}:{response.program_id}",
        context={
            "subject": plan.testimonial_subject,
            "body": TESTIMONIAL_BODY.format(intro=plan.testimonial_intro),
            "testimonial_url": links.hub_url(student, "testimonials:form", response.program_id),
        },
        now=now,
    )
    journey.journey_record(
        enrollment=response.enrollment,
        kind=FeedbackEvent.TESTIMONIAL_REQUESTED,
        actor=journey.ENGINE_ACTOR,
        reason="asked for a testimonial after happy feedback",
        data={"response_id": response.pk},
        now=now,
    )
    return True


def feedback_ask_again(*, enrollment: Enrollment, after_round: int, due_at: datetime, now: datetime) -> None:
    """After a case is made right: one more feedback round after the cool-off."""
    journey.actions_schedule(actions=[_request_action(enrollment.pk, after_round + 1, due_at, now)])
