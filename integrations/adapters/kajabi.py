"""Kajabi: its outbound webhooks do not sign, so the URL carries a token. Purchase and Payment Succeeded
are the purchase, in either of Kajabi's two shapes:

- the outbound webhook of the site's settings, ``{id, event: "purchase.created", payload: {offer_id,
  member_email, member_first_name, amount_paid, currency, coupon_code, …}}``;
- the API's webhook, ``{id, event: "purchase" | "payment_succeeded", payload: [resources]}``: JSON:API
  resources (``purchases`` or ``transactions``, ``offers``, ``customers``) that refer to each other.

The offer says which program; the order id is the purchase's id (a payment names its purchase when it
can), so a purchase and its first payment make one purchase.
"""

from integrations import adapters
from integrations.adapters import BadEvent, Identified, Ignored, dig, items, obj, text
from integrations.models import Platform

SOURCE = Platform.KAJABI
ACTED_ON = ("purchase", "purchase.created", "payment_succeeded", "payment.succeeded")


def identify(payload: dict, *, body_sha256: str) -> Identified:
    event_type = text(payload.get("event") or payload.get("type"), 60)
    if not event_type or not isinstance(payload.get("payload"), dict | list):
        raise BadEvent("Not a Kajabi webhook: it needs an event and a payload.")
    event_id = text(payload.get("id")) or f"sha256:{body_sha256}"
    if event_type not in ACTED_ON:
        return Identified(event_id, event_type, False, f"Kajabi {event_type} is not an event we act on.")
    return Identified(event_id, event_type, True)


def translate(payload: dict) -> dict:
    event_type = text(payload.get("event") or payload.get("type"), 60)
    if event_type not in ACTED_ON:
        raise Ignored(f"Kajabi {event_type} is not an event we act on.")
    data = payload.get("payload")
    if isinstance(data, list):
        return _from_resources(data, event_id=payload.get("id"))
    if isinstance(data, dict):
        return _from_fields(data, event_id=payload.get("id"))
    raise BadEvent("The Kajabi webhook has no payload.")


def _from_fields(data: dict, *, event_id) -> dict:
    offer = data.get("offer") if isinstance(data.get("offer"), dict) else {}
    member = data.get("member") if isinstance(data.get("member"), dict) else {}
    money = adapters.currency(data.get("currency")) or "USD"
    amount = adapters.decimal_or_none(data.get("amount_paid"))
    if amount is None and data.get("amount_paid_in_cents") is not None:
        amount = adapters.from_minor_units(data.get("amount_paid_in_cents"), money)
    transaction = data.get("payment_transaction") if isinstance(data.get("payment_transaction"), dict) else {}
    order_id = (
        data.get("purchase_id") or dig(data, "purchase", "id") or data.get("id") or transaction.get("id") or event_id
    )
    return adapters.purchase(
        order_id=order_id,
        email=data.get("member_email") or member.get("email"),
        program=adapters.program_for(SOURCE, products=[data.get("offer_id"), offer.get("id")]),
        name=data.get("member_first_name") or member.get("first_name") or member.get("name") or "",
        coupon=text(data.get("coupon_code"), 64),
        affiliate=text(data.get("affiliate_code"), 64),
        amount=amount,
        currency_code=money,
    )


def _from_resources(resources: list, *, event_id) -> dict:
    by_type: dict[str, dict] = {}
    for resource in resources:
        if isinstance(resource, dict) and isinstance(resource.get("type"), str):
            by_type.setdefault(resource["type"], resource)
    sale = by_type.get("purchases") or by_type.get("transactions")
    if sale is None:
        raise BadEvent("The Kajabi payload has no purchases or transactions resource.")
    attributes = sale.get("attributes") if isinstance(sale.get("attributes"), dict) else {}
    if sale.get("type") == "transactions" and text(attributes.get("state")).lower() not in ("", "succeeded"):
        raise Ignored(f"The payment's state is {attributes.get('state')!r}, not succeeded.")
    relations = sale.get("relationships") if isinstance(sale.get("relationships"), dict) else {}
    offers = [dig(relations, "offer", "data", "id")]
    offers += [o.get("id") for o in items(dig(relations, "offers", "data")) if isinstance(o, dict)]
    offers.append((by_type.get("offers") or {}).get("id"))
    customer = obj(dig(by_type.get("customers"), "attributes"))
    money = adapters.currency(attributes.get("currency")) or "USD"
    order_id = dig(relations, "purchase", "data", "id") or sale.get("id") or event_id
    return adapters.purchase(
        order_id=order_id,
        email=customer.get("email"),
        program=adapters.program_for(SOURCE, products=offers),
        name=customer.get("name") or "",
        coupon=text(attributes.get("coupon_code"), 64),
        amount=adapters.from_minor_units(attributes.get("amount_in_cents"), money),
        currency_code=money,
    )
