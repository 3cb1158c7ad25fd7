"""``conversion.attributed``: a friend's registration or purchase credited to a graduate's link (held or
approved; a refused one is not sent). The friend by first conversion id and status only: the creator's
system has the buyer from its own checkout; never a simulated graduate's."""

from referrals.webhooks import catalogue
from referrals.webhooks.services import webhook_emit


def conversion_attributed(*, conversion, now) -> None:
    graduate = conversion.graduate
    if graduate is None or graduate.simulated:
        return
    webhook_emit(
        program=conversion.program,
        event_type=catalogue.CONVERSION_ATTRIBUTED,
        event_id=f"conversion.attributed-{conversion.pk}",
        data={
            "conversion_id": conversion.pk,
            "kind": "purchase" if conversion.source else "registration",
            "source": conversion.source or None,
            "order_id": conversion.order_id or None,
            "lead_id": conversion.lead_id,
            "link_code": conversion.link.code if conversion.link else None,
            "referrer_student_id": conversion.graduate_id,
            "rule": conversion.rule,
            "status": conversion.status,
            "hold_until": conversion.hold_until.isoformat() if conversion.hold_until else None,
            "occurred_at": conversion.occurred_at.isoformat(),
        },
        now=now,
    )
