"""Money offered for bringing people: cash, commission, a payment per friend.

Seed 002: the graduate's thank-you is never money — money turns a recommendation into a sale the
friend can smell. Both copy checks use this one detector: the non-salesy check reports the phrase
in a sharing prompt, the SMART-I check fails "Relevant to the mission" on it in a referral ask.
It lives in campaigns, the lowest layer both checks can import.

What counts, in any currency and wording:
- words that only mean paying for referrals: commission, payout, kickback, finder's fee, referral fee,
  a cut / share of what they pay, cash reward / prize / bonus, cashback;
- being paid: "we'll pay you", "get paid", "be paid", "paid per…", "earn / make money";
- an amount of money (``$20``, ``20 euros``, ``₹500``, ``20 USD``, ``a $25 gift card``) that the reader
  receives ("earn", "get", "pocket", "we send you"…) or that is paid per person ("for every friend",
  "per referral", "each new member").

What does not: a discount for the friend ("friends get €50 off"), a price, past money talk
("you paid off your card", "you earned more"), a thank-you that is not money (a session, a gift).
"""

import re

_NUM = r"\d+(?:[.,]\d+)*"
_SYMBOL = r"(?:[$€£¥₹₩₽₺₱]|r\$|us\$|ca\$|a\$|au\$|nz\$|chf|kr|zł)"
_CODE = r"(?:usd|eur|gbp|cad|aud|nzd|chf|inr|jpy|brl|mxn|sek|nok|dkk|pln|zar)"
_WORDS = (
    r"(?:dollars?|bucks|euros?|pounds?|quid|rupees?|yen|pesos?|reais|reals?|francs?|krona|kronor|kroner|"
    r"zloty|rand|shekels?|lira)"
)
_AMOUNT = (
    rf"(?:{_SYMBOL}\s?{_NUM}(?:\s?k\b)?|(?<![\w.,]){_NUM}\s?(?:{_SYMBOL}|{_CODE}\b|{_WORDS}\b)"
    rf"|\b{_CODE}\s?{_NUM}\b)"
)
# What follows an amount that makes it the friend's saving, not money for the graduate.
_SAVING_AFTER = re.compile(r"\s*(?:off|discount|reduction|less|cheaper|saving|savings|rebate)\b", re.IGNORECASE)
_CARD = r"(?:\s+(?:\w+\s+)?(?:gift\s+cards?|gift\s+certificates?|vouchers?|credit|cash|payouts?|prizes?))?"

# The person each payment is for: "for every friend", "per referral", "each new member who joins".
_PER_PERSON = (
    r"(?:per|for\s+(?:each|every|any)|each|every)\s+(?:new\s+|single\s+)?(?:friends?|referrals?|persons?|people|"
    r"sign-?ups?|signups?|members?|students?|clients?|famil(?:y|ies)|parents?|introductions?|enrol+ments?|"
    r"registrations?|customers?|leads?|one|someone|sales?|heads?|conversions?|buyers?|mums?|moms?|dads?)\b"
)
# The reader receiving it: present or future tense only, so "you earned more" narrates a win.
_RECEIVE = (
    r"(?:earn(?:s|ing)?(?:\s+you)?|get(?:s|ting)?|receive(?:s)?|pocket|win|make|bag|collect|"
    r"(?:pay|send|give|wire|transfer|owe)(?:s)?\s+you|rewarded\s+with)"
)

_PATTERNS = [
    # Words that only mean paying for referrals.
    r"\b(?:\d{1,2}\s?%\s+)?commissions?\b|\bpay-?outs?\b|\bkick-?backs?\b|\bfinder'?s\s+fees?\b|\breferral\s+(?:fees?|payments?|cash)\b",
    r"\brevenue\s+shar(?:e|ing)\b|\bprofit\s+shar(?:e|ing)\b|\b(?:a|your|their)\s+(?:\d{1,2}\s?%\s+)?(?:cut|share)\s+of\b",
    r"\bcash\s+(?:rewards?|prizes?|bonus(?:es)?|back|payments?|incentives?|gifts?|in\s+hand)\b",
    r"\b(?:earn|earns|get|gets|receive|receives|pocket|win|some|in|extra)\s+cash\b",
    r"\bcashback\b|\bpassive\s+income\b|\bside\s+income\b|\bextra\s+income\b",
    # Being paid.
    r"\b(?:we|i|they)(?:'ll|’ll|\s+will|\s+would|'d|’d)?\s+(?:pay|wire|transfer)\s+you\b",
    rf"\b(?:get|gets|getting|be|are|is)\s+paid\b(?:\s+{_PER_PERSON})?",
    rf"\bpaid\s+{_PER_PERSON}",
    r"\b(?:earn|earns|earning|make|makes|making)\s+(?:some\s+|a\s+little\s+|a\s+bit\s+of\s+|extra\s+|real\s+|good\s+)?"
    r"(?:money|cash|income)\b",
    # A percentage of what the friend pays.
    r"\b\d{1,2}\s?%\s+(?:of\s+(?:what|every|each|the|their|all)\b(?:\s+\w+){0,3}?\s+"
    r"(?:pay|pays|spend|spends|fee|fees|price|sale|sales|payment|payments|revenue))",
    # An amount the reader receives, or paid per person.
    rf"\b{_RECEIVE}\s+(?:(?:a|an|up\s+to|another|extra|at\s+least)\s+)?{_AMOUNT}{_CARD}(?:\s+{_PER_PERSON})?",
    rf"{_AMOUNT}{_CARD}\s+{_PER_PERSON}",
    rf"\b{_PER_PERSON}(?:\s+[\w'’]+){{0,6}}?\s+(?:you\s+)?{_RECEIVE}\s+(?:(?:a|an)\s+)?{_AMOUNT}",
]
_COMPILED = [re.compile(pattern, re.IGNORECASE) for pattern in _PATTERNS]


def money_offers(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that offer money for bringing people, earliest first, none inside another."""
    spans = []
    for pattern in _COMPILED:
        for match in pattern.finditer(text):
            if _SAVING_AFTER.match(text, match.end()):
                continue  # "get €50 off": the friend's discount, which the method allows
            spans.append(match.span())
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
