"""What each event says, and where it is emitted from.

Personal data: only what the creator's own system needs to act. A registration nobody has confirmed yet
(``lead.created``) names the friend by the first name they typed and no more (the graduate's hub names
them only if they agreed to it; the creator is not the graduate): a public form proves nothing about
whose address was typed, so the address is not sent. Once its owner confirms (``lead.confirmed``) the
address is theirs to give, and the creator needs it to give them their place: it is sent then, with
whether they agreed to marketing email. Students
(``feedback.unhappy``, ``testimonial.approved``) are the creator's own: their id, first name and
address. A testimonial is sent as it was approved, named as its consent allows ("A graduate"
otherwise). Nothing is ever sent about a simulated student (``simulate_cohort``) or their friends.

``lead.*`` are emitted by ``referrals.leads``; ``feedback.unhappy`` and ``testimonial.approved`` are
heard from the journey events testimonials records (``referrals/receivers.py``);
``conversion.attributed`` and ``reward.*`` by the code that credits and rewards.
"""

from campaigns.models import JourneyEvent, Student
from referrals.webhooks import catalogue
from referrals.webhooks.services import webhook_emit

PUBLISHED = ("approved", "featured")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _student(student: Student) -> dict:
    return {"id": student.pk, "first_name": student.first_name, "email": student.email}


def _lead_common(lead) -> dict:
    link = lead.via_link
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "source": "link" if link is not None else "program_page",
        "link_code": link.code if link is not None else None,
        "referrer_student_id": link.student_id if link is not None else None,
        "registered_at": _iso(lead.registered_at),
    }


def _simulated_lead(lead) -> bool:
    link = lead.via_link
    return (link is not None and link.student.simulated) or (lead.student is not None and lead.student.simulated)


def lead_created(*, lead, now) -> None:
    if _simulated_lead(lead):
        return
    webhook_emit(
        program=lead.program,
        event_type=catalogue.LEAD_CREATED,
        event_id=f"lead.created-{lead.pk}-{int(lead.registered_at.timestamp())}",
        data={**_lead_common(lead), "friend": {"first_name": lead.first_name}},
        now=now,
    )


def lead_confirmed(*, lead, now) -> None:
    if _simulated_lead(lead):
        return
    webhook_emit(
        program=lead.program,
        event_type=catalogue.LEAD_CONFIRMED,
        event_id=f"lead.confirmed-{lead.pk}-{int(lead.confirmed_at.timestamp())}",
        data={
            **_lead_common(lead),
            "confirmed_at": _iso(lead.confirmed_at),
            "student_id": lead.student_id,
            "attributed": lead.link_id is not None,
            "attribution_note": lead.attribution_note,
            "friend": {
                "first_name": lead.first_name,
                "email": lead.email,
                "marketing_consent": lead.consent_at is not None,
            },
        },
        now=now,
    )


def on_event_recorded(*, event: JourneyEvent) -> None:
    """Unhappy feedback, and a testimonial newly approved (not an approved one featured, not a note),
    from the journey events testimonials records; never a simulated student's."""
    if event.kind == "feedback_unhappy":
        event_type = catalogue.FEEDBACK_UNHAPPY
    elif event.kind == "testimonial_moderated":
        moved = event.data or {}
        if moved.get("to") not in PUBLISHED or moved.get("from") in PUBLISHED:
            return
        event_type = catalogue.TESTIMONIAL_APPROVED
    else:
        return
    if event.program_id is None or event.student.simulated:
        return
    data = {"student": _student(event.student), "enrollment_id": event.enrollment_id}
    if event_type == catalogue.FEEDBACK_UNHAPPY:
        data.update(response_id=(event.data or {}).get("response_id"), score=(event.data or {}).get("score"))
    else:
        from testimonials.models import Testimonial

        testimonial = Testimonial.objects.filter(pk=(event.data or {}).get("testimonial_id")).first()
        if testimonial is None:
            return
        data.update(
            testimonial_id=testimonial.pk,
            status=testimonial.published_status,
            consent=testimonial.published_consent,
            attribution=testimonial.published_attribution,
            text=testimonial.published_text,
        )
    webhook_emit(
        program=event.program,
        event_type=event_type,
        event_id=f"{event_type}-{event.pk}",
        data=data,
        now=event.occurred_at,
    )
