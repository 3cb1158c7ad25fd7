"""The non-salesy check for sharing prompts.

A sharing prompt is the student-facing ask at a milestone ("tell three people close to you how
it felt to reach your first milestone"). Seed 002: "the absolute worst thing to do at this point is
to muddy the waters with anything that could even be construed as vaguely promotional." So the
check flags every phrase that reads as selling, each with a reason a creator understands:

- links: the program's checkout URL, referral links (``/r/<code>`` on any host), links whose host
  or path talks about buying or registering, the program's own site, and — milder reason, still a
  finding — any other link: a prompt asks the student to tell their story, it needs no link;
- the merge fields of the referral half (``{{ special_link }}``, ``{{ friend_offer }}``);
- prices and currency, discounts and codes, free offers;
- sign-up / enroll / register / join calls, calls to buy, referral asks;
- urgency and scarcity in any wording: a deadline on getting in ("ends Friday", "doors close soon",
  "registration closes on Sunday"), "only this week", "while it lasts", "spots are filling up",
  "the rate won't last", "before it's too late" — but not the student's own program ending
  ("the course ends on Friday") or time words that narrate ("last week");
- a perk promised to people who join — a gift, bonus, extra session, something free — in the same
  sentence as the joining, with or without "sign up" ("anyone who joins gets a free bonus call");
  "the free worksheet from week one" and "join us in celebrating" promise nobody anything;
- money for bringing people: cash, commission, a payment per friend (``campaigns.cash_offers``,
  shared with the SMART-I check). Seed 002: the thank-you is never money.

Past tense narrates what the student did and is not an ask, so "when you signed up",
"since you enrolled", "it finally registered" and "the first time you bought…" pass; "sign up",
"enroll", "register", "buy" are flagged. Words with an innocent everyday sense are only flagged in
their selling sense: "register how your body feels" (noticing), "in a hurry", "buy into",
"discount my wins", "20 pounds" (weight), "2 kg per month" (a rate, not a price).

The check is a heuristic on words, not a judge: a creator can always rephrase. Known limits:
"buy new jeans" is flagged (rephrase: "when your old jeans got too big"); "last chance" is flagged even
when it narrates; selling done without any of these words ("tell them what it costs", "they can try
it too") passes, and so do scarcity phrasings it has not seen ("this won't be around for long").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from campaigns.cash_offers import money_offers


@dataclass(frozen=True)
class Finding:
    """One phrase that reads as selling: ``phrase`` exactly as written, ``reason`` for the creator."""

    phrase: str
    reason: str


# Reasons, one per kind of selling. Each says what is wrong and why it matters here.
LINK_CHECKOUT = "This is the program's checkout link; a sharing prompt never sends anyone to buy."
LINK_REFERRAL = "A referral link belongs in the referral ask that comes later, not in a sharing prompt."
LINK_BUY = "A link to buy, pay or sign up; sharing prompts carry no links to the sale."
LINK_SITE = "A link to the program's site reads as promotion; let the student tell their story without it."
LINK_OTHER = "A link points people somewhere, which reads as promotion; a sharing prompt needs no link."
FIELD_SPECIAL_LINK = "{{ special_link }} is the graduate's referral link; it belongs in the referral ask, not here."
FIELD_FRIEND_OFFER = "{{ friend_offer }} is the offer for referred friends; offers belong in the referral ask."
PRICE = "A price or cost; sharing prompts mention no prices."
DISCOUNT = "A discount, code or free offer is a sales offer; sharing prompts make none."
SIGN_UP = "Asks people to sign up, enroll or register; sharing prompts never ask anyone to join."
URGENCY = "Urgency or scarcity is a sales tactic; sharing prompts have no deadlines or spots left."
BUY = "A call to buy; sharing prompts are about the student's win, not a purchase."
REFERRAL = "Asks for referrals or rewards them; that comes later, after feedback and a testimonial."
CASH = (
    "Money for bringing people (cash, commission, a payment per friend) buys the recommendation; "
    "the thank-you is never money."
)
PERK = "A gift, bonus or perk promised to people who join is a sales offer; sharing prompts promise newcomers nothing."

# Each reason's kind, for the corpus evaluation's table and for callers that group findings.
REASON_KINDS = {
    LINK_CHECKOUT: "link", LINK_REFERRAL: "link", LINK_BUY: "link", LINK_SITE: "link", LINK_OTHER: "link",
    FIELD_SPECIAL_LINK: "field", FIELD_FRIEND_OFFER: "field", PRICE: "price", DISCOUNT: "discount",
    SIGN_UP: "sign_up", URGENCY: "urgency", BUY: "buy", REFERRAL: "referral", CASH: "cash", PERK: "perk",
}  # fmt: skip


def reason_kind(reason: str) -> str:
    """ "urgency", "perk", "cash", "price"… for one of this module's reasons."""
    return REASON_KINDS[reason]


Predicate = Callable[[str, re.Match], bool]


def _words_after(text: str, end: int, count: int) -> list[str]:
    return re.findall(r"[\w'’]+", text[end : end + 80].lower())[:count]


def _words_before(text: str, start: int, count: int) -> list[str]:
    return re.findall(r"[\w'’]+", text[max(0, start - 80) : start].lower())[-count:]


# Words after "register" that mean "notice" ("register how your body feels"), not "sign up".
_NOTICING_NEXT = {"how", "what", "that", "which", "when", "whether", "it", "this", "these", "those"}
_NOTICED_THINGS = {
    "feeling", "feelings", "emotion", "emotions", "change", "changes", "shift", "shifts", "sensation",
    "sensations", "moment", "progress", "win", "wins", "difference", "relief", "pride", "joy", "body", "breath",
}  # fmt: skip


def _register_means_sign_up(text: str, match: re.Match) -> bool:
    after = _words_after(text, match.end(), 2)
    if not after:
        return True
    if after[0] in _NOTICING_NEXT:
        return False
    return not (
        len(after) == 2 and after[0] in {"the", "your", "my", "each", "every", "any"} and after[1] in _NOTICED_THINGS
    )


# "discount my wins" is self-talk, the very thing a prompt may ask about; "a discount" is an offer.
_OBJECTS = {
    "my", "your", "our", "his", "her", "their", "its", "the", "it", "them", "me", "him", "us",
    "myself", "yourself", "ourselves", "themselves", "herself", "himself", "every", "all", "how", "what",
}  # fmt: skip


def _discount_is_an_offer(text: str, match: re.Match) -> bool:
    after = _words_after(text, match.end(), 1)
    return not after or after[0] not in _OBJECTS


def _hurry_is_a_push(text: str, match: re.Match) -> bool:
    before = _words_before(text, match.start(), 1)
    return not before or before[0] not in {"a", "in", "no", "the", "any", "such"}


def _buy_is_a_purchase(text: str, match: re.Match) -> bool:
    return _words_after(text, match.end(), 1) != ["into"]  # "buy into the idea" means "believe"


# "the course ends on Friday" narrates the student's own program; "the offer ends Friday" is a deadline.
_OWN_THINGS = {
    "course", "program", "programme", "challenge", "journey", "class", "session", "call", "week", "month",
    "workshop", "retreat", "module", "term", "semester", "season", "day", "workbook", "book", "chapter", "series",
    "coaching", "lesson", "plan", "streak", "holiday", "trip", "camp",
}  # fmt: skip


def _closing_is_a_deadline(text: str, match: re.Match) -> bool:
    if match.group("subject"):
        return True
    return not set(_words_before(text, match.start(), 3)) & _OWN_THINGS


# What runs out in a sales pitch: "the rate won't last", "spots are filling up", "the group is almost full".
_SCARCE_THINGS = {
    "offer", "deal", "price", "prices", "pricing", "rate", "rates", "discount", "bonus", "sale", "spots", "spot",
    "places", "place", "seats", "seat", "spaces", "tickets", "it", "this", "that", "they", "these", "group",
    "cohort", "round", "class", "classes", "course", "program", "programme", "workshop", "sessions", "list",
    "waitlist", "registration", "enrollment", "enrolment", "doors", "cart", "bird",
}  # fmt: skip


def _scarcity_of_an_offer(text: str, match: re.Match) -> bool:
    return bool(set(_words_before(text, match.start(), 3)) & _SCARCE_THINGS)


def _days_left_to_get_in(text: str, match: re.Match) -> bool:
    # "only 3 days left of your challenge" counts down the student's own program, not a sale.
    return _words_after(text, match.end(), 1) not in (["of"], ["in"], ["on"], ["until"], ["till"])


# "2 kg per month" is a rate of progress; "per month" after anything else is a price.
_MEASURES = {
    "kg", "kgs", "kilo", "kilos", "kilograms", "lb", "lbs", "pound", "pounds", "stone", "miles", "mile", "km",
    "kilometres", "kilometers", "steps", "times", "hours", "hour", "minutes", "sessions", "workouts", "runs",
    "inches", "inch", "cm", "size", "sizes", "books", "days",
}  # fmt: skip


def _per_period_is_a_price(text: str, match: re.Match) -> bool:
    before = _words_before(text, match.start(), 1)
    return not before or before[0] not in _MEASURES


_NUM = r"\d+(?:[.,]\d+)*"
_PERIOD = r"(?:\s*(?:/|\bper\s+|\ba\s+)\s*(?:month|mo|year|yr|week|wk|day|session|lesson|class)\b)?"
_CURRENCY_WORD = r"(?:usd|eur|gbp|cad|aud|chf|dollars?|euros?|bucks)"  # not "pounds": weight loss
_FEW = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|few|a\s+handful\s+of)"
_SPOTS = r"(?:spots?|seats?|places?|tickets?|openings?)"
_TIME = (
    r"(?:soon|shortly|fast|tonight|tomorrow|today|midnight|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|(?:this|next)\s+(?:week|weekend|month)|(?:in\s+)?\d+\s+(?:hours?|days?)|the\s+end\s+of\s+\w+)"
)
_SELLING_THINGS = (
    r"(?:offer|deal|sale|price|pricing|rate|discount|bonus|registration|enrol+ment|sign-?ups?|doors?|cart|"
    r"window|early[-\s]?bird|applications?|spots?|places?|seats?)"
)
_CODE = r"(?-i:(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{3,}|[A-Z][A-Z0-9_-]{2,})\b"

# (pattern, reason, predicate that must accept the match or None). Case-insensitive, whole words;
# a group named "phrase" narrows what is reported to that part of the match.
_RULES: list[tuple[str, str, Predicate | None]] = [
    # Prices
    (rf"[$€£¥₹]\s?{_NUM}{_PERIOD}", PRICE, None),
    (rf"(?<![\w.,]){_NUM}\s?(?:[$€£¥₹]|{_CURRENCY_WORD}\b){_PERIOD}", PRICE, None),
    (rf"\b(?:{_CURRENCY_WORD}|us\$|ca\$|a\$)\s?{_NUM}\b{_PERIOD}", PRICE, None),
    (rf"(?<![\w.,]){_NUM}\s*/\s*(?:month|mo|year|yr)\b", PRICE, None),
    (r"\bper\s+(?:month|year|week|session|lesson)\b", PRICE, _per_period_is_a_price),
    (r"\b(?:pricing|price\s+(?:increase|goes\s+up|tag)|(?:full|half|low|special|best|launch)\s+price)\b", PRICE, None),
    (r"\b(?:payment\s+plans?|pay\s+in\s+full|installments?|instalments?)\b", PRICE, None),
    # Discounts, codes, free offers
    (r"\b\d{1,3}\s?%\s?(?:off|discount)\b", DISCOUNT, None),
    (r"\bsave\s+(?:up\s+to\s+)?(?:\d{1,3}\s?%|[$€£]\s?\d+|\d+\s?(?:dollars|euros|bucks)\b)", DISCOUNT, None),
    (r"\bdiscount(?:s|ed)?\s+codes?\b", DISCOUNT, None),
    (r"\bdiscount(?:s|ed)?\b", DISCOUNT, _discount_is_an_offer),
    (r"\bcoupons?(?:\s+codes?)?\b", DISCOUNT, None),
    (r"\bpromo(?:tional)?(?:\s+codes?)?\b", DISCOUNT, None),  # not "promotion": a promotion at work is a win
    (r"\bvouchers?\b", DISCOUNT, None),
    # The code itself is the phrase ("use code CALM20" → "CALM20"): it is what the creator must remove.
    # It must hold a digit or be all capitals, so "cracked the code to happiness" is no code.
    (rf"\bcodes?\s*:?\s+(?P<phrase>{_CODE})", DISCOUNT, None),
    (r"\bearly[-\s]?bird(?:\s+(?:rate|price|pricing|discount|offer|deal|special))?\b", DISCOUNT, None),
    (r"\b(?:special|exclusive|limited|introductory)\s+offer\b|\boffer\s+(?:ends|expires)\b", DISCOUNT, None),
    (r"\bfree\s+trial\b|\btry\s+it\s+(?:for\s+)?free\b|\bfor\s+free\b|\bhalf\s+off\b", DISCOUNT, None),
    # Sign up, enroll, register, join
    (r"\bsign(?:ing)?[-\s]?ups?(?:\s+(?:now|today|here))?\b", SIGN_UP, None),
    (r"\benrol(?:l(?:s|ing|ment)?|s|ling|ment)?(?:\s+(?:now|today|here))?\b", SIGN_UP, None),
    (r"\bregistrations?\b", SIGN_UP, None),
    (r"\bregister(?:s|ing)?(?:\s+(?:now|today|here))?\b", SIGN_UP, _register_means_sign_up),
    (
        r"\bjoin\s+(?:now|today|here|us\s+(?:now|today)|(?:the|our|this)\s+"
        r"(?:program(?:me)?|course|class|membership|next\s+(?:round|cohort|class|session)))\b",
        SIGN_UP,
        None,
    ),
    (r"\bsubscribe\b|\bapply\s+(?:now|today|here)\b", SIGN_UP, None),
    (r"\b(?:reserve|secure|save|claim|grab|book)\s+(?:your|a)\s+(?:spot|seat|place|ticket)s?\b", SIGN_UP, None),
    # Urgency and scarcity
    (r"\b(?:for\s+a\s+)?limited[-\s]time(?:\s+(?:only|offer))?\b", URGENCY, None),
    (rf"\blimited\s+(?:{_SPOTS}|availability|edition|space)\b", URGENCY, None),
    (rf"\b(?:only\s+)?{_FEW}\s+{_SPOTS}\s+(?:left|remaining|available)\b", URGENCY, None),
    (rf"\bonly\s+{_FEW}\s+{_SPOTS}\b", URGENCY, None),
    (rf"\b{_SPOTS}\s+(?:are\s+)?(?:filling\s+(?:up\s+)?fast|going\s+fast|limited)\b", URGENCY, None),
    (r"\bhurry(?:\s+up)?\b", URGENCY, _hurry_is_a_push),
    (r"\b(?:last|final)\s+(?:chance|call)\b|\bdon'?t\s+miss\s+(?:out|it|this|your\s+chance)\b", URGENCY, None),
    (r"\bact\s+(?:now|fast|quickly|today)\b|\btoday\s+only\b|\bnow\s+or\s+never\b", URGENCY, None),
    (r"\b(?:selling|sold)\s+out\b|\bwhile\s+(?:supplies|spots|seats|stocks?)\s+last\b", URGENCY, None),
    (r"\b(?:sale|deal|doors|cart)\s+(?:ends|closes?|expires)\b|\b(?:ends|closing)\s+soon\b", URGENCY, None),
    # A deadline on getting in: "ends Friday", "registration closes on Sunday", "doors close soon".
    (
        rf"\b(?:(?P<subject>{_SELLING_THINGS})\s+(?:is\s+|are\s+)?)?(?:ends?|closes?|closing|shuts?|shutting|expires?"
        rf"|expiring|goes\s+up|disappears?)\s+(?:on\s+|at\s+|by\s+)?{_TIME}\b",
        URGENCY,
        _closing_is_a_deadline,
    ),
    # Only for a while: "only this week", "only until midnight", "this week only", "while it lasts".
    (
        r"\b(?:only|just)\s+(?:for\s+)?(?:this\s+(?:week|weekend|month)|today|tonight|(?:until|till|through)\s+"
        r"(?:midnight|tonight|tomorrow|\w+day|the\s+end\s+of\s+\w+|\w+\s+\d{1,2}(?:st|nd|rd|th)?))\b",
        URGENCY,
        None,
    ),
    (r"\b(?:this\s+(?:week|weekend|month)|tonight|\d+\s+hours)\s+only\b", URGENCY, None),
    (
        r"\bwhile\s+(?:it|they|supplies|stocks?|spots|seats|places|spaces|the\s+(?:offer|deal|price|discount|bonus))\s+"
        r"(?:lasts?|remain|are\s+(?:still\s+)?(?:open|available|left)|is\s+(?:still\s+)?(?:open|available|on))\b",
        URGENCY,
        None,
    ),
    (
        r"\b(?:only\s+|just\s+)?(?:\d+|a\s+few|few|one|two|three|four|five)\s+(?:more\s+)?(?:hours?|days?)\s+"
        r"(?:left|remain(?:ing)?|to\s+go)\b",
        URGENCY,
        _days_left_to_get_in,
    ),
    # Running out: "spots are filling up", "almost full", "the rate won't last", "before it's too late".
    (
        r"\b(?:filling\s+up|filling\s+(?:fast|quickly)|going\s+fast|selling\s+fast|(?:almost|nearly)\s+"
        r"(?:full|gone|sold\s+out)|won'?t\s+last(?:\s+long)?|will\s+not\s+last(?:\s+long)?)\b",
        URGENCY,
        _scarcity_of_an_offer,
    ),
    (r"\b(?:time|spots|places|seats|stock)\s+(?:is|are)\s+running\s+out\b", URGENCY, None),
    (
        r"\bbefore\s+(?:it'?s|it\s+is|they'?re|they\s+are)\s+(?:too\s+late|gone|full|sold\s+out)\b"
        r"|\bbefore\s+(?:the\s+)?doors\s+close\b|\bfirst\s+come,?\s+first\s+served\b|\bcountdown\b",
        URGENCY,
        None,
    ),
    (
        r"\b(?:last|final)\s+(?:opportunity|(?:days?|hours?|week)\s+to\s+(?:join|sign|get|grab|claim|enrol+|register|book"
        r"|save|buy|secure|reserve|apply|start))\b",
        URGENCY,
        None,
    ),
    # Calls to buy
    (r"\b(?:buy(?:ing|s)?|purchas(?:e|es|ing))(?:\s+(?:now|today|here))?\b", BUY, _buy_is_a_purchase),
    (r"\border\s+(?:now|today|here|yours)\b|\bplace\s+(?:your|an)\s+order\b|\bpre-?orders?\b", BUY, None),
    (r"\b(?:get|grab|claim)\s+yours\b|\bget\s+(?:your|a)\s+(?:copy|spot|seat|ticket|access)\b", BUY, None),
    (r"\bcheck-?outs?\b|\badd\s+to\s+(?:your\s+)?cart\b|\bshop\s+now\b|\bmoney[-\s]back\b", BUY, None),
    # Referral asks and rewards
    (r"\breferrals?\b|\brefer\s+(?:a\s+friend|friends|your\s+friends|them|someone|people|others)\b", REFERRAL, None),
    (r"\baffiliates?\b", REFERRAL, None),
    (r"\bearn\s+(?:a\s+|your\s+)?(?:rewards?|bonus(?:es)?|commissions?|credits?|cash|money)\b", REFERRAL, None),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), reason, accept) for pattern, reason, accept in _RULES]

# Perks for newcomers: a gift, bonus or extra promised to people who join, in the same sentence as the
# joining, with or without the words "sign up". Present tense only: "the bonus you got when you signed
# up" remembers; "anyone who joins gets a bonus" offers. "Join us in celebrating" joins nothing.
_NEWCOMER = re.compile(
    r"\b(?:join(?:s|ing)?(?!\s+(?:us|me)\s+(?:in|for|as|at|to|on)\b)(?!\s+in\b)|sign(?:s|ing)?[-\s]?up"
    r"|enrol(?:l(?:s|ing)?|s|ling)?|register(?:s|ing)?|subscrib(?:e|es|ing)|com(?:e|es|ing)\s+(?:on\s+board|aboard|along)"
    r"|get(?:s|ting)?\s+started|becom(?:e|es|ing)\s+(?:a\s+)?members?|bring(?:s|ing)?\s+(?:a\s+|your\s+)?friends?"
    r"|(?:when|if|once|who|that)\s+(?:they|she|he|your\s+friends?|a\s+friend|friends|people)?\s*starts?"
    r"|new\s+(?:members?|students?|clients?|participants?|joiners?|recruits?|sign-?ups?|customers?|starters?)"
    r"|newcomers?|first[-\s]timers?|friends?\s+(?:gets?|receives?|will\s+get|(?:'|’)ll\s+get))\b",
    re.IGNORECASE,
)
_PERK = re.compile(
    r"\bwelcome\s+(?:gifts?|packs?|kits?|bonus(?:es)?|bundles?|boxes?)\b"
    r"|(?<![-\w])free\b(?![-\s](?:of|from|to|yourself|will)\b)|\bbonus(?:es)?\b|\bgifts?\b|\bperks?\b|\bfreebies?\b"
    r"|\bextras?\b|\bcomplimentary\b|\bon\s+the\s+house\b|\bon\s+us\b|\bgoodie(?:s|\s*bags?)\b|\bswag\b"
    r"|\bgiveaways?\b|\bprizes?\b|\b(?:a|as\s+a)\s+present\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?;\n]+")


def _perk_spans(text: str) -> list[tuple[int, int]]:
    """The perk ("a free bonus call"), for each sentence that promises one to people who join."""
    spans = []
    for sentence in _SENTENCE.finditer(text):
        if any(_joins(text, m) for m in _NEWCOMER.finditer(text, *sentence.span())):
            for perk in _PERK.finditer(text, *sentence.span()):
                spans.append((perk.start(), _noun_end(text, perk.end(), sentence.end())))
    return spans


# Where the perk's noun phrase stops: "a free bonus call | when they join".
_PHRASE_STOP = {
    "when", "if", "for", "to", "and", "or", "on", "with", "who", "that", "they", "as", "just", "this", "the", "a",
    "an", "of", "from", "in", "at", "is", "are", "will", "once", "after", "before", "by", "you", "your", "their",
    "our", "we", "it", "too", "also", "every", "each", "all", "any", "so",
}  # fmt: skip


def _noun_end(text: str, end: int, limit: int) -> int:
    for _ in range(3):
        word = re.match(r"[ \t]+([\w&'’-]+)", text[end:limit])
        if not word or word.group(1).lower() in _PHRASE_STOP:
            break
        end += word.end()
    return end


def _joins(text: str, match: re.Match) -> bool:
    # "register how it felt" notices; it joins nothing.
    return not match.group(0).lower().startswith("register") or _register_means_sign_up(text, match)


_MERGE_FIELDS = {"special_link": FIELD_SPECIAL_LINK, "friend_offer": FIELD_FRIEND_OFFER}
_MERGE_FIELD = re.compile(r"\{\{\s*(special_link|friend_offer)\s*\}\}")

# A URL with a scheme or "www.", or a bare domain with a common TLD ("focus.example.com/join").
# The bare-domain TLDs leave out words like "it"/"me"/"us" so "felt.It" in sloppy text is no link;
# the lookbehind keeps the domain of an email address (a@b.com) from counting as a link.
_TLDS = (
    "com|org|net|io|co|app|dev|info|biz|shop|store|online|site|academy|school|courses?|education|coach|"
    "health|life|uk|ca|au|de|fr|es|nl|eu|ly|gg|tv|ai|xyz|link|page|example"
)
_URL = re.compile(
    r"(?<![\w@.-])(?:(?:https?://|www\.)[^\s<>\"'()\[\]{}]+"
    rf"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:[/?#][^\s<>\"'()\[\]{{}}]*)?)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"’”)"

_BUY_TOKENS = {
    "buy", "checkout", "cart", "order", "orders", "pay", "payment", "payments", "register", "registration",
    "signup", "sign", "enroll", "enrol", "enrollment", "enrolment", "pricing", "price", "prices", "purchase",
    "subscribe", "join", "shop", "store", "coupon", "discount", "promo", "sale", "paypal", "gumroad", "stripe",
    "samcart", "thrivecart", "trial",
}  # fmt: skip
_REFERRAL_PATH = re.compile(r"(?:^|/)r/[A-Za-z0-9_-]+")


def _normalise_url(url: str) -> str:
    """host + path, lower-case host, without scheme, "www." or a trailing slash."""
    url = url.strip()
    if "://" not in url:
        url = "//" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    rest = parts.path.rstrip("/")
    if parts.query:
        rest += "?" + parts.query
    return host + rest


def _host(normalised: str) -> str:
    return re.split(r"[/?#]", normalised, maxsplit=1)[0]


def _link_reason(url: str, checkout: str, site_host: str) -> str:
    normalised = _normalise_url(url)
    if checkout and (normalised == checkout or normalised.startswith(tuple(checkout + c for c in "/?#"))):
        return LINK_CHECKOUT
    host, path = _host(normalised), normalised[len(_host(normalised)) :]
    # reddit.com/r/<name> is a subreddit, not one of our referral links.
    if _REFERRAL_PATH.search(path) and not host.endswith("reddit.com"):
        return LINK_REFERRAL
    if set(re.split(r"[^a-z0-9]+", normalised.lower())) & _BUY_TOKENS:
        return LINK_BUY
    if site_host and (host == site_host or host.endswith("." + site_host)):
        return LINK_SITE
    return LINK_OTHER


def check_sharing_prompt(text: str, *, checkout_url: str = "", site_url: str = "") -> list[Finding]:
    """Every phrase of ``text`` that reads as selling, each distinct phrase once, in text order.

    ``checkout_url`` (the program's checkout) is matched with or without scheme, "www." and
    trailing slash; links on ``site_url``'s host are reported as the program's site.
    """
    checkout = _normalise_url(checkout_url) if checkout_url.strip() else ""
    site_host = _host(_normalise_url(site_url)) if site_url.strip() else ""
    # (start, end, priority, reason): links first, so "example.com/buy" is one link, not "buy".
    spans: list[tuple[int, int, int, str]] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        spans.append((match.start(), match.start() + len(url), 0, _link_reason(url, checkout, site_host)))
    if checkout:
        # The checkout URL written in a form the URL pattern misses (an unusual TLD, say).
        pattern = rf"(?<![\w.-])(?:https?://)?(?:www\.)?{re.escape(checkout)}/?(?![\w/-])"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            spans.append((match.start(), match.end(), 0, LINK_CHECKOUT))
    for match in _MERGE_FIELD.finditer(text):
        spans.append((match.start(), match.end(), 1, _MERGE_FIELDS[match.group(1)]))
    # Money and perks before the single words inside them ("Earn $20 for every friend", not "$20").
    spans.extend((start, end, 2, CASH) for start, end in money_offers(text))
    spans.extend((start, end, 3, PERK) for start, end in _perk_spans(text))
    for priority, (pattern, reason, accept) in enumerate(_COMPILED, start=4):
        for match in pattern.finditer(text):
            if accept is None or accept(text, match):
                start, end = match.span("phrase") if "phrase" in pattern.groupindex else match.span()
                spans.append((start, end, priority, reason))

    findings: list[Finding] = []
    seen: set[str] = set()
    covered_to = 0
    # Earliest first; at the same start the longest, then the most specific rule.
    for start, end, _priority, reason in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        if start < covered_to:
            continue  # inside a phrase already reported ("buy" in "example.com/buy")
        covered_to = end
        phrase = text[start:end]
        key = " ".join(phrase.casefold().split())
        if key not in seen:
            seen.add(key)
            findings.append(Finding(phrase=phrase, reason=reason))
    return findings
