"""Stripe: Checkout Sessions (a Payment Link is one) and their charges' refunds.

The order id is the PaymentIntent (``pi_…``): a session and the refund of its charge both name it, so a
refund finds its purchase. A session without one (a free checkout) is its own order (``cs_…``).

Which program: the session's Payment Link (``plink_…``) or, when the event carries them (expanded) or
STRIPE_API_KEY lets us read them, its line items' prices and products. The referral code: the
session's ``client_reference_id`` (where our checkout hand-off puts it), ``metadata.ref``, or a
promotion code named after a graduate's code.
"""

from decimal import Decimal

from django.conf import settings

from integrations import adapters
from integrations.adapters import BadEvent, Identified, Ignored, dig, items, obj, text
from integrations.models import Platform, Purchase

SOURCE = Platform.STRIPE
PURCHASE_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
ACTED_ON = (*PURCHASE_TYPES, "charge.refunded")


def identify(payload: dict) -> Identified:
    event_id, event_type = text(payload.get("id")), text(payload.get("type"), 60)
    if payload.get("object") != "event" or not event_id or not event_type:
        raise BadEvent("Not a Stripe event: it needs object 'event', an id and a type.")
    session = obj(dig(payload, "data", "object"))
    if event_type not in ACTED_ON:
        return Identified(event_id, event_type, False, f"Stripe {event_type} is not an event we act on.")
    if event_type == "checkout.session.completed" and session.get("payment_status") == "unpaid":
        # Paid later (a bank transfer): checkout.session.async_payment_succeeded will say so.
        return Identified(
            event_id, event_type, False, "The checkout is not paid yet; its payment will be its own event."
        )
    return Identified(event_id, event_type, True)


def translate(payload: dict) -> dict:
    event_type = payload.get("type")
    obj = dig(payload, "data", "object")
    if not isinstance(obj, dict):
        raise BadEvent("The Stripe event has no data.object.")
    if event_type in PURCHASE_TYPES:
        return _purchase(obj)
    if event_type == "charge.refunded":
        return _refund(obj)
    raise Ignored(f"Stripe {event_type} is not an event we act on.")


def _order_id(session: dict) -> str:
    intent = session.get("payment_intent")
    return text(intent.get("id") if isinstance(intent, dict) else intent) or text(session.get("id"))


def _purchase(session: dict) -> dict:
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        raise Ignored(f"The checkout's payment status is {session.get('payment_status')!r}, not paid.")
    email = dig(session, "customer_details", "email") or session.get("customer_email")
    products = [text(session.get("payment_link"))] + _line_item_ids(session)
    program = adapters.program_for(SOURCE, products=products)
    promotion = _promotion_code(session)
    money = adapters.currency(session.get("currency"))
    return adapters.purchase(
        order_id=_order_id(session),
        email=email,
        program=program,
        name=dig(session, "customer_details", "name") or "",
        ref=text(session.get("client_reference_id"), 64) or text(dig(session, "metadata", "ref"), 64),
        coupon=promotion,
        amount=adapters.from_minor_units(session.get("amount_total"), money),
        currency_code=money,
    )


def _line_item_ids(session: dict) -> list[str]:
    line_items = dig(session, "line_items", "data")
    if not isinstance(line_items, list) and settings.STRIPE_API_KEY and session.get("id"):
        line_items = stripe_api().line_items(session_id=text(session["id"]))
    ids = []
    for item in items(line_items):
        price = item.get("price") if isinstance(item, dict) else None
        if isinstance(price, dict):
            product = price.get("product")
            ids += [text(price.get("id")), text(product.get("id") if isinstance(product, dict) else product)]
    return [i for i in ids if i]


def _promotion_code(session: dict) -> str:
    """The promotion code's code: in the event when expanded, else from the API (with STRIPE_API_KEY)."""
    discounts = dig(session, "total_details", "breakdown", "discounts")
    found = (
        [dig(d, "discount", "promotion_code") for d in discounts if isinstance(d, dict)]
        if isinstance(discounts, list)
        else []
    )
    found += [d.get("promotion_code") for d in items(session.get("discounts")) if isinstance(d, dict)]
    for promotion in found:
        if isinstance(promotion, dict) and text(promotion.get("code")):
            return text(promotion.get("code"), 64)
    for promotion in found:
        if isinstance(promotion, str) and promotion and settings.STRIPE_API_KEY:
            return text(stripe_api().promotion_code(promotion_id=promotion), 64)
    return ""


def _refund(charge: dict) -> dict:
    order_id = text(charge.get("payment_intent")) or text(charge.get("id"))
    money = adapters.currency(charge.get("currency"))
    refunded = adapters.from_minor_units(charge.get("amount_refunded"), money)
    amount = None
    if refunded is not None:
        # Stripe sends the charge's total refunded so far: this refund is what is new since the last one.
        purchase = Purchase.objects.filter(source=SOURCE, order_id=order_id).first()
        before = sum(
            (Decimal(r["amount"]) for r in (purchase.refunds if purchase else []) if r.get("amount")), Decimal(0)
        )
        amount = max(refunded - before, Decimal(0))
    return adapters.refund(order_id=order_id, amount=amount)


class StripeAPI:
    """The two reads the adapter may make, through the stripe package (tests swap in a fake)."""

    def __init__(self, api_key: str):
        import stripe

        self.client = stripe.StripeClient(api_key, max_network_retries=2)

    def line_items(self, *, session_id: str) -> list[dict]:
        items = self.client.v1.checkout.sessions.line_items.list(session_id, {"limit": 100})
        return [item.to_dict() for item in items.data]

    def promotion_code(self, *, promotion_id: str) -> str:
        return self.client.v1.promotion_codes.retrieve(promotion_id).code


def stripe_api() -> StripeAPI:
    return StripeAPI(settings.STRIPE_API_KEY)
