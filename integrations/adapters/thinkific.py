"""Thinkific: its webhook envelope ``{id, resource, action, tenant_id, created_at, payload}``.

order.created is the purchase (the order id is the order's ``id``; the product says which program; the
``affiliate_referral_code`` and the coupon carry the referral code), enrollment.created the enrollment
(the course says which program), lesson.completed a milestone (the lesson mapped to it),
enrollment.completed the program completed, order_transaction.refunded the refund of its order.
"""

from integrations import adapters
from integrations.adapters import BadEvent, Identified, Ignored, dig, items, text
from integrations.models import Platform

SOURCE = Platform.THINKIFIC
ACTED_ON = (
    "order.created",
    "enrollment.created",
    "lesson.completed",
    "enrollment.completed",
    "order_transaction.refunded",
)


def identify(payload: dict) -> Identified:
    event_id = text(payload.get("id"))
    event_type = f"{text(payload.get('resource'), 29)}.{text(payload.get('action'), 30)}"
    if not event_id or event_type == "." or not isinstance(payload.get("payload"), dict):
        raise BadEvent("Not a Thinkific webhook: it needs an id, a resource, an action and a payload object.")
    if event_type not in ACTED_ON:
        return Identified(event_id, event_type, False, f"Thinkific {event_type} is not an event we act on.")
    return Identified(event_id, event_type, True)


def _user(data: dict) -> dict:
    user = data.get("user")
    return user if isinstance(user, dict) else {}


def _email(data: dict) -> str:
    return text(_user(data).get("email"), 254) or text(data.get("user_email"), 254)


def _course_id(data: dict):
    return dig(data, "course", "id") or data.get("course_id")


def _coupon(data: dict) -> str:
    coupon = data.get("coupon")
    if isinstance(coupon, dict):
        return text(coupon.get("code"), 64)
    return text(coupon, 64) or text(data.get("coupon_code"), 64)


def translate(payload: dict) -> dict:
    event_type = f"{payload.get('resource')}.{payload.get('action')}"
    data = payload.get("payload")
    if not isinstance(data, dict):
        raise BadEvent("The Thinkific webhook has no payload object.")
    if event_type == "order.created":
        status = text(data.get("status")).lower()
        if status and status not in ("complete", "completed", "paid"):
            raise Ignored(f"The order's status is {data.get('status')!r}, not complete.")
        products = [data.get("product_id")] + [
            i.get("product_id") for i in items(data.get("items")) if isinstance(i, dict)
        ]
        money = adapters.currency(data.get("currency")) or "USD"
        cents = data.get("amount_cents")
        amount = (
            adapters.from_minor_units(cents, money)
            if cents is not None
            else adapters.decimal_or_none(data.get("amount_dollars"))
        )
        return adapters.purchase(
            order_id=data.get("id"),
            email=_email(data),
            program=adapters.program_for(SOURCE, products=products),
            name=_user(data).get("first_name") or data.get("billing_name") or data.get("user_name") or "",
            coupon=_coupon(data),
            affiliate=text(data.get("affiliate_referral_code"), 64),
            amount=amount,
            currency_code=money,
        )
    if event_type == "enrollment.created":
        user = _user(data)
        return adapters.enrollment(
            email=_email(data),
            program=adapters.program_for(SOURCE, courses=[_course_id(data)]),
            first=user.get("first_name") or "",
            last=user.get("last_name") or "",
        )
    if event_type == "lesson.completed":
        program, milestone = adapters.milestone_for(
            SOURCE,
            lessons=[
                dig(data, "lesson", "id") or data.get("lesson_id"),
                dig(data, "chapter", "id") or data.get("chapter_id"),
            ],
            courses=[_course_id(data)],
        )
        return adapters.milestone(email=_email(data), program=program, milestone_slug=milestone)
    if event_type == "enrollment.completed":
        return adapters.completed(email=_email(data), program=adapters.program_for(SOURCE, courses=[_course_id(data)]))
    if event_type == "order_transaction.refunded":
        money = adapters.currency(data.get("currency")) or "USD"
        order_id = data.get("order_id") or dig(data, "order", "id")
        cents = data.get("amount_cents", data.get("amount"))
        return adapters.refund(order_id=order_id, amount=adapters.from_minor_units(cents, money))
    raise Ignored(f"Thinkific {event_type} is not an event we act on.")
