"""What a person's name may hold: a name, never a message.

Names typed into public forms reach other people's inboxes (the graduate reads "Jo joined through your
link" in a subject line) and pages (landing pages, share cards). A name that carries a link, a domain
or a phone number turns our email into the sender's advert, so every place a name is entered — the
friend's form, the services, imports, the admin — refuses them with the same rule.

A domain is told from a name by its ending: "evil.Com" ends in a top-level domain people type, while
"St.John", "Jo.Ann" and "Mary.Kate" end in a name. The list holds the endings that spam and phishing
use (every original generic ending, the popular new ones, and the country endings that are sold as
generic or common in links). Endings that are also names are left out on purpose — the country
endings ".jo" and ".al", and ".love", ".faith", ".bond", ".cat" — so "Mary.Jo" and "Mary.Faith" stay names.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

PROBLEM = "Just your name, please: no links, web or email addresses, phone numbers or symbols such as < > / @."

# Markup, merge syntax, addresses and URL pieces.
_SYMBOLS = re.compile(r"[<>{}\[\]/\\@:=|]|www\.|https?|xn--|&#", re.IGNORECASE)

_TLDS = (  # noqa: SIM905 (a word list reads better as words than as 200 quoted strings)
    # The original generic endings and the most used new ones.
    "com net org info biz name pro edu gov mil int mobi asia tel travel jobs museum aero coop "
    "xyz top site online store shop app dev io ai club live life world today news link click "
    "email website space tech digital win bid loan men work party review stream download racing "
    "date science trade webcam cricket accountant gdn icu vip buzz rest fun host press "
    "cloud blog page one zone guru ninja rocks agency company services solutions support center "
    "network systems global group media social money cash finance credit loans bet casino poker "
    "sex xxx adult sexy dating chat game games mom lol wtf fyi pics photo photos "
    "video tube porn cam cyou cfd sbs autos boats homes motorcycles beauty hair skin makeup "
    "quest monster surf bar best cool free sale deals discount market promo gift gifts "
    # Country endings sold as generic, or common in links and shorteners.
    "co uk us ru cn de fr nl eu ca au in br es pl ua kz tr ir vn id ph ng za ke pk bd jp kr tw hk "
    "sg my th cz sk hu ro bg gr pt se no dk fi ch at be ie nz mx ar cl pe ve ly me to tv cc ws tk "
    "ml ga cf gq su pw la gl gd sh ac fm am ly sx vg ms nu gg je im is ee lv lt by md ge az uz "
    "cx ps re ht ug rw tz zw cm ci sn"
).split()
_DOT = r"[.\u3002\uff0e\uff61]"  # the full stop and the ideographic/full-width dots browsers accept in hosts
_DOMAIN = re.compile(rf"[\w-]{_DOT}(?:{'|'.join(sorted(set(_TLDS), key=len, reverse=True))})(?![\w-])", re.IGNORECASE)
# Any lower-case ending after a dot ("pills.example", "shop.localhost"): names are not written so.
_LOWER_DOMAIN = re.compile(r"\w\.[a-z]{2,}\b")
# "evil dot com", "evil (dot) com": a domain spelled out to slip past the rule above.
_SPELLED_DOMAIN = re.compile(r"\w[\s(\[]+dot[\s)\]]+(?:com|net|org|info|biz|io|co|ru|xyz)\b", re.IGNORECASE)
# Six or more digits, however separated: a phone number (names have none; "Friend12x3" has few).
_PHONE = re.compile(r"\d(?:[\s().+\-]*\d){5,}")
# Text direction overrides can make a name display as something else in a subject line.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def name_problem(name: str) -> str:
    """Why ``name`` is refused as a person's name ("" when it is fine)."""
    name = name or ""
    if any(pattern.search(name) for pattern in (_SYMBOLS, _DOMAIN, _LOWER_DOMAIN, _SPELLED_DOMAIN, _PHONE)):
        return PROBLEM
    for char in name:
        # Control characters and direction overrides; the joiners (U+200C/U+200D) that Persian and
        # Indic scripts need are format characters too, and stay allowed.
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            return PROBLEM
    return ""


def validate_person_name(value: str) -> None:
    """Model and form validator: the admin's student form runs it like every other entry point."""
    if problem := name_problem(value):
        raise ValidationError(problem, code="not_a_name")
