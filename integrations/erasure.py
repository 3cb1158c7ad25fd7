"""One student's purchases and the inbound events that named them, for a data-rights export or
an erasure (purchases stay for attribution counts, with the address replaced; stored request
bodies and headers are redacted)."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from integrations.models import InboundEvent, Purchase
from mailers.erasure import placeholder_address, redact


def export_student(*, student, address: str) -> dict:
    purchases = Purchase.objects.filter(Q(email__iexact=address) | Q(enrollment__student=student))
    return {
        "purchases": [
            {
                "source": p.source,
                "order_id": p.order_id,
                "program": p.program.title,
                "amount": p.amount,
                "currency": p.currency,
                "purchased_at": p.purchased_at,
                "refunded_at": p.refunded_at,
            }
            for p in purchases.select_related("program").order_by("id")
        ]
    }


def erase_student(*, student, address: str, needles: list[str]) -> dict:
    purchases = 0
    for purchase in Purchase.objects.filter(Q(email__iexact=address) | Q(enrollment__student=student)):
        placeholder = placeholder_address(f"purchase-{purchase.pk}")
        if purchase.email != placeholder:
            Purchase.objects.filter(pk=purchase.pk).update(email=placeholder, refunds=redact(purchase.refunds, needles))
            purchases += 1
    matches = Q()
    for needle in needles:
        matches |= Q(body__icontains=needle) | Q(headers_text__icontains=needle) | Q(error__icontains=needle)
    events = InboundEvent.objects.annotate(headers_text=Cast("headers", TextField())).filter(matches)
    redacted = 0
    for event in events.only("pk", "body", "headers", "error", "waiting_for"):
        InboundEvent.objects.filter(pk=event.pk).update(
            body=redact(event.body, needles),
            headers=redact(event.headers, needles),
            error=redact(event.error, needles),
            waiting_for=redact(event.waiting_for, needles),
        )
        redacted += 1
    return {"purchases_anonymised": purchases, "inbound_events_redacted": redacted}
