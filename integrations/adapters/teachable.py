"""Teachable: ``{id, type, created, object: {...}}``; Teachable does not sign, so its URL carries a token.

Sale.created and Transaction.created are the purchase, both of one sale (the order id is the sale's id:
a transaction names it as ``sale_id``, so the two make one purchase); Enrollment.created the enrollment;
LectureProgress.created a milestone (the lecture mapped to it); Enrollment.completed the program
completed; Transaction.refunded the refund of its sale.
"""

from integrations import adapters
from integrations.adapters import BadEvent, Identified, Ignored, dig, text
from integrations.models import Platform

SOURCE = Platform.TEACHABLE
ACTED_ON = (
    "Sale.created",
    "Transaction.created",
    "Enrollment.created",
    "LectureProgress.created",
    "Enrollment.completed",
    "Transaction.refunded",
)


def identify(payload: dict, *, body_sha256: str) -> Identified:
    event_type = text(payload.get("type"), 60)
    if not event_type or not isinstance(payload.get("object"), dict):
        raise BadEvent("Not a Teachable webhook: it needs a type and an object.")
    # Teachable's event id when it sends one; otherwise the body itself is the key (a redelivery repeats it).
    event_id = text(payload.get("id")) or text(payload.get("hook_event_id")) or f"sha256:{body_sha256}"
    if event_type not in ACTED_ON:
        return Identified(event_id, event_type, False, f"Teachable {event_type} is not an event we act on.")
    return Identified(event_id, event_type, True)


def _user(obj: dict) -> dict:
    user = obj.get("user")
    return user if isinstance(user, dict) else {}


def _email(obj: dict) -> str:
    return text(_user(obj).get("email"), 254) or text(obj.get("email"), 254)


def _ids(obj: dict, name: str) -> list:
    return [dig(obj, name, "id"), obj.get(f"{name}_id")]


def translate(payload: dict) -> dict:
    event_type, obj = payload.get("type"), payload.get("object")
    if not isinstance(obj, dict):
        raise BadEvent("The Teachable webhook has no object.")
    if event_type in ("Sale.created", "Transaction.created"):
        order_id = obj.get("id") if event_type == "Sale.created" else (obj.get("sale_id") or dig(obj, "sale", "id"))
        money = adapters.currency(obj.get("currency")) or "USD"
        cents = next((obj.get(k) for k in ("final_price", "amount", "price") if obj.get(k) is not None), None)
        return adapters.purchase(
            order_id=order_id or obj.get("id"),
            email=_email(obj),
            program=adapters.program_for(SOURCE, products=_ids(obj, "product"), courses=_ids(obj, "course")),
            name=_user(obj).get("name") or "",
            coupon=text(dig(obj, "coupon", "code"), 64) or text(obj.get("coupon_code"), 64),
            affiliate=text(dig(obj, "affiliate", "code"), 64) or text(obj.get("affiliate_code"), 64),
            amount=adapters.from_minor_units(cents, money),
            currency_code=money,
        )
    if event_type == "Enrollment.created":
        return adapters.enrollment(
            email=_email(obj),
            program=adapters.program_for(SOURCE, courses=_ids(obj, "course")),
            name=_user(obj).get("name") or "",
        )
    if event_type == "LectureProgress.created":
        program, milestone = adapters.milestone_for(SOURCE, lessons=_ids(obj, "lecture"), courses=_ids(obj, "course"))
        return adapters.milestone(email=_email(obj), program=program, milestone_slug=milestone)
    if event_type == "Enrollment.completed":
        return adapters.completed(email=_email(obj), program=adapters.program_for(SOURCE, courses=_ids(obj, "course")))
    if event_type == "Transaction.refunded":
        money = adapters.currency(obj.get("currency")) or "USD"
        cents = next((obj.get(k) for k in ("refunded_amount", "amount") if obj.get(k) is not None), None)
        order_id = obj.get("sale_id") or dig(obj, "sale", "id")
        if not order_id:
            raise BadEvent("The refunded transaction names no sale_id.")
        return adapters.refund(order_id=order_id, amount=adapters.from_minor_units(cents, money))
    raise Ignored(f"Teachable {event_type} is not an event we act on.")
