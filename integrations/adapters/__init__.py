"""The course platforms' adapters: each turns a platform's webhook into one of OUR event types and nothing
else, so its events take the same path as the events API's (stored first, then ``handlers``).

An adapter answers two questions. At the door (``identify``): what is this event's id and type, and is it
one we act on? Later, when the task runner processes the stored body (``translate``): which of our events
it is, ``{"type": ..., "data": {...}}``, read against the program editor's mappings as they are then, so
an event stored as unmapped is processed by a replay once its mapping is published.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from campaigns.names import name_problem
from integrations.models import MilestonePlatformId, Platform, PlatformIdKind, ProgramPlatformId
from referrals.selectors import link_by_code


class Unmapped(Exception):
    """No published program has the platform's product, course or lesson id (kept; replayable)."""


class Ignored(Exception):
    """An event we do not act on (a lesson that is no milestone, an unpaid checkout)."""


class BadEvent(ValueError):
    """The body is not an event of this platform (a 400 at the door; a failure when processing)."""


@dataclass(frozen=True)
class Identified:
    external_id: str  # the platform's event id: the idempotency key, with the source
    event_type: str  # the platform's own name for it, e.g. "checkout.session.completed"
    acted_on: bool  # False: stored as ignored and answered 200 (the platform would retry anything else)
    reason: str = ""


def text(value, limit: int = 200) -> str:
    """A scalar id or code as text ("" for null, objects and lists)."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()[:limit]


def dig(data, *path):
    """``data[a][b]...``, or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def obj(value) -> dict:
    """``value`` when it is an object, else {}: a platform's field is never trusted to have its shape."""
    return value if isinstance(value, dict) else {}


def items(value) -> list:
    return value if isinstance(value, list) else []


def first_name(*candidates: str) -> str:
    """The first usable first name among the platform's fields (a full name gives its first word)."""
    for candidate in candidates:
        words = text(candidate, 100).split()
        if words and not name_problem(words[0]):
            return words[0]
    return ""


def name_from_email(email: str) -> str:
    """An enrollment needs a first name; a platform that sends none gets the address's first letters."""
    match = re.match(r"[^\W\d_]+", text(email).split("@")[0])
    return match.group(0).capitalize()[:100] if match else ""


# ISO 4217 currencies without minor units, and with three; every other currency has cents.
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF"}
THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}


def from_minor_units(amount, currency: str) -> Decimal | None:
    """1999 (cents) -> 19.99; JPY has no minor unit, KWD has three."""
    if amount is None or isinstance(amount, bool):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    code = (currency or "").upper()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return value.scaleb(-places)


def decimal_or_none(amount) -> Decimal | None:
    if amount is None or isinstance(amount, bool):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def currency(value) -> str:
    code = text(value, 3).upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else ""


def code(value) -> str:
    """A referral code, coupon or affiliate code as the schemas take it (64 characters at most)."""
    return text(value, 64)


def friend_code(*candidates: str) -> str:
    """The first candidate that is a graduate's special-link code (a coupon a creator named after it)."""
    for candidate in candidates:
        if candidate and (link := link_by_code(candidate)) is not None:
            return link.code
    return ""


def program_for(platform: str, *, products=(), courses=()) -> str:
    """The slug of the published program one of these ids means; ``Unmapped`` names them when none does."""
    wanted = [(PlatformIdKind.PRODUCT, text(i)) for i in products] + [(PlatformIdKind.COURSE, text(i)) for i in courses]
    wanted = [(kind, value) for kind, value in wanted if value]
    for kind, value in wanted:
        row = (
            ProgramPlatformId.objects.filter(
                platform=platform, kind=kind, external_id__iexact=value, program__live=True
            )
            .select_related("program")
            .order_by("program_id")
            .first()
        )
        if row is not None:
            return row.program.slug
    label = Platform(platform).label
    named = ", ".join(f"{kind} {value}" for kind, value in wanted) or "no product or course id in the event"
    raise Unmapped(f"No published program is mapped to {label} {named} (program editor → Integrations).")


def milestone_for(platform: str, *, lessons=(), courses=()) -> tuple[str, str]:
    """(program slug, milestone slug) for the first mapped lesson. A lesson that is no milestone of a
    mapped course is ignored (most lessons are not milestones); of an unmapped course, unmapped."""
    ids = [text(i) for i in lessons if text(i)]
    for value in ids:
        row = (
            MilestonePlatformId.objects.filter(platform=platform, external_id__iexact=value, program__live=True)
            .select_related("program")
            .order_by("program_id")
            .first()
        )
        if row is not None:
            return row.program.slug, row.milestone_slug
    program = program_for(platform, courses=courses)  # raises Unmapped for a course no program has
    raise Ignored(
        f"Lesson {', '.join(ids) or '(none)'} is not a milestone of {program} (program editor → Integrations)."
    )


def purchase(
    *, order_id, email, program, name="", ref="", coupon="", affiliate="", amount=None, currency_code=""
) -> dict:
    ref = code(ref) or friend_code(code(coupon), code(affiliate))
    data = {
        "order_id": text(order_id),
        "email": text(email, 254),
        "program": program,
        "first_name": first_name(name),
        "ref": ref,
        "coupon": code(coupon),
        "affiliate": code(affiliate),
        "amount": None if amount is None else str(amount),
        "currency": currency(currency_code),
    }
    return {"type": "purchase.completed", "data": data}


def enrollment(*, email, program, first="", last="", name="") -> dict:
    email = text(email, 254)
    given = first_name(first, name) or name_from_email(email)
    last_name = text(last, 100) if not name_problem(text(last, 100)) else ""
    return {
        "type": "enrollment.created",
        "data": {"student": {"email": email, "first_name": given, "last_name": last_name}, "program": program},
    }


def milestone(*, email, program, milestone_slug) -> dict:
    return {
        "type": "milestone.reached",
        "data": {"email": text(email, 254), "program": program, "milestone": milestone_slug},
    }


def completed(*, email, program) -> dict:
    return {"type": "program.completed", "data": {"email": text(email, 254), "program": program}}


def refund(*, order_id, amount=None) -> dict:
    return {
        "type": "purchase.refunded",
        "data": {"order_id": text(order_id), "amount": None if amount is None else str(amount)},
    }
