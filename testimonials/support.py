"""Support for unhappy students: open a case (email the team, post to their help desk), hear the
student out, and resolve it; "made right" brings one more feedback round after a cool-off.

While a case is open no testimonial request or referral ask goes to the student: the
``support_case_opened`` / ``support_case_resolved`` journey events tell the referral half.
"""

import hashlib
import hmac
import http.client
import json
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from campaigns import services as journey
from mailers import services as mail
from mailers.rendering import absolute
from mailers.runner import enqueue, task
from testimonials import outbound
from testimonials.emails import CASE_EMAIL, CASE_UPDATE_EMAIL
from testimonials.events import FeedbackEvent
from testimonials.models import CaseStatus, FeedbackPlan, FeedbackResponse, HelpDeskPost, SupportCase

logger = logging.getLogger(__name__)

MAX_WORDS = 5000


def case_open(
    *, response: FeedbackResponse, plan: FeedbackPlan | None, reasons: list[str], now: datetime
) -> SupportCase:
    """One case per response (a replay returns it); emailed and posted once, after commit."""
    case, created = SupportCase.objects.get_or_create(
        response=response,
        defaults={
            "student_id": response.student_id,
            "program_id": response.program_id,
            "reason": "\n".join(reasons),
            "student_words": response.text,
            "opened_at": now,
        },
    )
    if not created:
        return case
    journey.journey_record(
        enrollment=response.enrollment,
        kind=FeedbackEvent.CASE_OPENED,
        actor=journey.ENGINE_ACTOR,
        reason=f"support case #{case.pk} opened",
        data={"case_id": case.pk, "response_id": response.pk},
        now=now,
    )
    if plan is not None and not response.student.simulated:  # simulate_cohort's cases reach no real team
        student = response.student
        mail.message_queue(
            kind=CASE_EMAIL.name,
            to_email=plan.support_email,
            to_name="Support",
            idempotency_key=f"support-case:{case.pk}",
            context={
                **_case_people(case, student=student, program_title=response.program.title),
                "score": response.score,
                "reason": case.reason,
                "student_words": case.student_words or "(nothing yet)",
                "case_url": absolute(reverse("testimonials_supportcase:edit", args=[case.pk])),
            },
            program_id=response.program_id,
            now=now,
        )
        if plan.helpdesk_webhook_url:
            HelpDeskPost.objects.create(case=case, kind=HelpDeskPost.Kind.OPENED, created_at=now)
            enqueue(post_case_webhook, case.pk)
    return case


@transaction.atomic
def case_add_words(*, case: SupportCase, words: str, now: datetime | None = None) -> SupportCase:
    """The vent page: the student says more; it is appended, never replacing what they said before."""
    words = (words or "").strip()
    if not words:
        return case
    words = words[:MAX_WORDS]
    now = now or timezone.now()
    case = SupportCase.objects.select_for_update().select_related("student", "program").get(pk=case.pk)
    offset = len(case.student_words)
    stamp = now.strftime("%Y-%m-%d %H:%M")
    case.student_words = f"{case.student_words}\n\n[{stamp}] {words}".strip()
    case.save(update_fields=["student_words"])
    case_update_notify(case=case, offset=offset, now=now)
    return case


def case_update_notify(*, case: SupportCase, offset: int, now: datetime) -> None:
    """What the student added reaches the team where the case did: the support address and the help desk.

    ``offset`` is where the addition starts in ``student_words``; it also names the update, so a
    retried task or a replayed queueing sends each addition once per channel.
    """
    from testimonials.feedback import plans_for

    plan = plans_for([case.program_id]).get(case.program_id)
    student = case.student
    if plan is None or student.simulated:  # as when the case opened: simulated cases reach no real team
        return
    mail.message_queue(
        kind=CASE_UPDATE_EMAIL.name,
        to_email=plan.support_email,
        to_name="Support",
        idempotency_key=f"support-case:{case.pk}:update:{offset}",
        context={
            **_case_people(case, student=student, program_title=case.program.title),
            "added_words": case.student_words[offset:].strip(),
            "student_words": case.student_words,
            "case_url": absolute(reverse("testimonials_supportcase:edit", args=[case.pk])),
        },
        program_id=case.program_id,
        now=now,
    )
    if plan.helpdesk_webhook_url:
        end = len(case.student_words)
        HelpDeskPost.objects.get_or_create(
            case=case, kind=HelpDeskPost.Kind.UPDATED, start=offset, defaults={"end": end, "created_at": now}
        )
        enqueue(post_case_update_webhook, case.pk, offset, end)


@transaction.atomic
def case_update(
    *, case: SupportCase, status: str, assigned_to=None, note: str = "", actor: str, now: datetime | None = None
) -> SupportCase:
    """The team assigns and resolves. Resolving as made right schedules one more feedback round."""
    now = now or timezone.now()
    case = SupportCase.objects.select_for_update().select_related("response__enrollment").get(pk=case.pk)
    was = case.status
    case.assigned_to = assigned_to
    case.resolution_note = note
    case.status = status
    if status != CaseStatus.OPEN and was == CaseStatus.OPEN:
        case.resolved_at = now
    elif status == CaseStatus.OPEN:
        case.resolved_at = None
    case.save()
    enrollment = case.response.enrollment
    if status != was:
        journey.journey_record(
            enrollment=enrollment,
            kind=FeedbackEvent.CASE_OPENED if status == CaseStatus.OPEN else FeedbackEvent.CASE_RESOLVED,
            actor=actor,
            reason=f"case #{case.pk}: {case.get_status_display()}" + (f" — {note}" if note else ""),
            data={"case_id": case.pk, "status": status},
            now=now,
        )
    if status == CaseStatus.MADE_RIGHT and was != CaseStatus.MADE_RIGHT:
        from testimonials.feedback import feedback_ask_again, plans_for

        plan = plans_for([case.program_id]).get(case.program_id)
        cooloff = plan.cooloff_days if plan else 14
        feedback_ask_again(
            enrollment=enrollment, after_round=case.response.round, due_at=now + timedelta(days=cooloff), now=now
        )
    return case


# --- The help-desk webhook -----------------------------------------------------------------


def webhook_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(case: SupportCase) -> dict:
    response = case.response
    return {
        "event": "support_case.opened",
        "case_id": case.pk,
        "opened_at": case.opened_at.isoformat(),
        "program": {"id": case.program_id, "title": case.program.title},
        "student": {"id": case.student_id, "name": case.student.full_name, "email": case.student.email},
        "score": response.score,
        "reason": case.reason,
        "student_words": case.student_words,
        "admin_url": absolute(reverse("testimonials_supportcase:edit", args=[case.pk])),
    }


# A post's status while one send holds it: whoever claimed it (the queued task, or the periodic pass that
# stands in for a task the queue lost) is the only one to post it, until the lease runs out.
SENDING = "sending"
# How far back the pass looks for owed posts, and how many it makes at a time.
CASE_WEBHOOK_LOOKBACK = timedelta(days=1)
CASE_WEBHOOKS_PER_PASS = 20


@task(recovered_by="testimonials.tasks.case_webhooks_due")
def post_case_webhook(case_id: int) -> str:
    """POST the case to the creator's help desk, signed (HMAC-SHA256 of the body) so they can trust it.

    What happened is recorded on the post and the case (``webhook_status``), a refusal with its reason:
    a URL that is not public https (checked again here, as DNS may have changed since the editor saved
    it), a redirect (never followed), a timeout. Once per case: a redelivered task, or the periodic
    pass for a task the queue lost, finds the post taken and posts nothing.
    """
    return _post_owed(case_id, HelpDeskPost.Kind.OPENED, 0, 0)


@task(recovered_by="testimonials.tasks.case_webhooks_due")
def post_case_update_webhook(case_id: int, start: int, end: int) -> str:
    """POST what the student added to an open case to the help desk, signed like the case itself.

    ``start``/``end`` mark the addition in ``student_words`` (a later one may be there by now).
    ``update_id`` (case and start) lets the help desk attach it to the ticket the case opened,
    and drop a repeat.
    """
    return _post_owed(case_id, HelpDeskPost.Kind.UPDATED, start, end)


def _post_owed(case_id: int, kind: str, start: int, end: int, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    case = SupportCase.objects.select_related("response", "program", "student").filter(pk=case_id).first()
    plan = FeedbackPlan.objects.filter(program_id=case.program_id).first() if case else None
    if case is None or plan is None or not plan.helpdesk_webhook_url:
        return "skipped"
    # A task queued before posts were kept has no row: it is owed all the same.
    post, _ = HelpDeskPost.objects.get_or_create(
        case=case, kind=kind, start=start, defaults={"end": end, "created_at": now}
    )
    if not _claim(post, now):
        return "taken"
    update = kind == HelpDeskPost.Kind.UPDATED
    secret = settings.HELPDESK_WEBHOOK_SECRET
    if not secret:
        status = "not sent: set HELPDESK_WEBHOOK_SECRET"
        logger.warning("help-desk webhook for case %s not sent: HELPDESK_WEBHOOK_SECRET is not set", case_id)
    else:
        payload = webhook_payload(case)
        if update:
            payload.update(
                event="support_case.updated",
                update_id=f"{case.pk}:{post.start}",
                added_words=case.student_words[post.start : post.end].strip(),
            )
        status = _post(plan.helpdesk_webhook_url, json.dumps(payload).encode(), secret)
    limit = SupportCase._meta.get_field("webhook_status").max_length
    HelpDeskPost.objects.filter(pk=post.pk).update(status=status[:limit])
    SupportCase.objects.filter(pk=case_id).update(webhook_status=(f"update {status}" if update else status)[:limit])
    return status


def _claim(post: HelpDeskPost, now: datetime) -> bool:
    """Take the post for one send, in one conditional UPDATE: owed, or held by a send whose lease ran out
    (its worker stopped mid-send; the help desk may have it already, and drops a repeat by its ids)."""
    free = Q(status="") | _lapsed_send(now)
    return bool(HelpDeskPost.objects.filter(free, pk=post.pk).update(status=SENDING, claimed_at=now))


def _lapsed_send(now: datetime) -> Q:
    """Posts a send has held for longer than ``HELPDESK_WEBHOOK_LEASE_SECONDS``: its worker stopped."""
    return Q(status=SENDING, claimed_at__lt=now - timedelta(seconds=settings.HELPDESK_WEBHOOK_LEASE_SECONDS))


RETRY_PAUSES = (0, 2, 8)  # seconds before each attempt


def case_webhooks_due(*, now: datetime | None = None) -> int:
    """The periodic pass: posts of the last day still owed to a help desk, once their task had its chance
    (``HELPDESK_WEBHOOK_GRACE_SECONDS``: the queue was away when they were written), and posts a stopped
    worker left mid-send (``HELPDESK_WEBHOOK_LEASE_SECONDS``); each made once. Returns how many it made."""
    now = now or timezone.now()
    hooked = FeedbackPlan.objects.exclude(helpdesk_webhook_url="").values("program_id")
    grace = timedelta(seconds=settings.HELPDESK_WEBHOOK_GRACE_SECONDS)
    owed = (
        HelpDeskPost.objects.filter(Q(status="", created_at__lte=now - grace) | _lapsed_send(now))
        .filter(
            case__program_id__in=hooked,
            case__student__simulated=False,
            created_at__gte=now - CASE_WEBHOOK_LOOKBACK,
        )
        .order_by("created_at", "pk")
        .values_list("case_id", "kind", "start", "end")[:CASE_WEBHOOKS_PER_PASS]
    )
    made = [_post_owed(*row, now=now) for row in list(owed)]
    return sum(status not in ("skipped", "taken") for status in made)


def _case_people(case, *, student, program_title: str) -> dict:
    """Who a support email is about: the case, the student and the program (opening and update alike)."""
    return {
        "case_id": case.pk,
        "student_name": student.full_name or student.email,
        "student_email": student.email,
        "program_title": program_title,
    }


def _post(url: str, body: bytes, secret: str) -> str:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "testimonial-engine/1",
        "X-Signature-SHA256": webhook_signature(body, secret),
    }
    error = ""
    for attempt, pause in enumerate(RETRY_PAUSES, start=1):
        time.sleep(pause)
        try:
            reply = outbound.post(url, body=body, headers=headers)
        except outbound.Refused as exc:
            logger.warning("help-desk webhook to %s refused: %s", url, exc)
            return f"refused: {exc}"  # the URL itself is the problem: retrying will not help
        except TimeoutError:
            error = f"timed out after {outbound.TIMEOUT_SECONDS} s"
        except (OSError, http.client.HTTPException) as exc:  # refused, TLS failure, reset, garbage reply
            error = type(exc).__name__
        else:
            if 200 <= reply.status < 300:
                return f"delivered ({reply.status})"
            if 300 <= reply.status < 400:
                # Not followed: a public help desk could redirect us to an internal address.
                return f"refused: redirect ({reply.status}) to {reply.location or 'nowhere'} not followed"
            error = f"HTTP {reply.status}"
            if reply.status < 500:
                break  # the help desk refused it; retrying will not help
        logger.warning("help-desk webhook attempt %d to %s failed: %s", attempt, url, error)
    return f"failed: {error}"
