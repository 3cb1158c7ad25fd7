"""The SMART-I check for the referral ask.

Seed 002: "'Please help spread the word' is ten kinds of lame" — an ask must be Specific,
Measurable, Actionable, Relevant to the mission, Time-bound and Inspiring. This module scores a
referral ask on those six, each with a reason a creator can act on.

Rendered merge fields count: the copy is checked with ``{{ field }}`` replaced by ``values``.
A field without a value (missing, None or "") stays unrendered and counts as absent, so the
creator sees which criteria rest on a value. Some fields meet a criterion by being rendered:
``{{ ask_count }}`` → measurable, ``{{ ask_deadline }}`` → time-bound,
``{{ mission_statement }}`` / ``{{ mission_progress }}`` → relevant, ``{{ special_link }}`` → the
means of acting, ``{{ testimonial_quote }}`` → one of the two cues inspiring needs.

``assume_filled`` names fields the engine always fills when it sends (``ENGINE_FILLED``): without a
value they count as present, and their reasons say they were assumed filled. ``manage.py check_copy``
uses it without ``--program``, where no program's values exist to render them with.

Money offered for referring ("earn $20 for every friend", "10% commission") fails Relevant to the
mission with its reason (the method's rule: the thank-you is never money); see ``campaigns.cash_offers``.

The criteria are word heuristics (English), not a reader: they reward the shapes the seed
teaches ("think of 1–3 parents you know whose kids struggle with focus … in the next 7 days …
send them your special link"). Known limits: a number of people must sit within a few words of
a person noun ("three of your closest friends" passes, "three — yes, three — friends" does not);
"today"/"this week" anywhere count as a window; relevance without a mission statement only looks
for mission words ("mission", "our goal", "we are out to").
"""

import re
from dataclasses import dataclass

from campaigns.cash_offers import money_offers
from mailers.merge import FIELD

MONEY_PREFIX = "Relevant: offers money"
# Merge fields the engine fills for every graduate it asks, whatever the program.
ENGINE_FILLED = ("special_link", "ask_deadline", "ask_count", "mission_statement", "mission_progress")
ASSUMED_NOTE = (
    "Without --program, {fields} counted as present: the engine always fills them. "
    "Pass --program SLUG to render them with a program's values."
)
CRITERIA = ("specific", "measurable", "actionable", "relevant", "time_bound", "inspiring")


@dataclass(frozen=True)
class Criterion:
    met: bool
    reason: str


@dataclass(frozen=True)
class SmartIReport:
    """The six criteria in order (``CRITERIA``), each met or not with its reason; ``score`` is how many are met."""

    criteria: dict[str, Criterion]
    assumed: tuple[str, ...] = ()  # fields counted as present without a value (``assume_filled``)

    @property
    def score(self) -> int:
        return sum(criterion.met for criterion in self.criteria.values())

    def as_json(self) -> dict:
        return {
            "criteria": {name: {"met": c.met, "reason": c.reason} for name, c in self.criteria.items()},
            "score": self.score,
        }


@dataclass(frozen=True)
class _Copy:
    """The ask as the check sees it: rendered text, and which fields were rendered or left empty."""

    text: str  # rendered; unrendered fields blanked so "{{ special_link }}" reads as no link
    values: dict[str, str]  # the rendered fields and their values
    unfilled: set[str]  # fields in the copy without a value
    assumed: frozenset[str] = frozenset()  # fields in the copy without a value that the engine always fills

    def rendered(self, name: str) -> bool:
        return name in self.values or name in self.assumed

    def shown(self, name: str) -> str:
        """The field's value, or the field itself when it was only assumed filled."""
        return self.values.get(name, f"{{{{ {name} }}}}")

    def assumed_note(self, name: str, *, inside: bool = False) -> str:
        if name not in self.assumed:
            return ""
        return ", assumed filled" if inside else " (assumed filled)"

    def no_value_note(self, name: str) -> str:
        return f" ({{{{ {name} }}}} has no value here, so it does not count)" if name in self.unfilled else ""


_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_N = rf"(?:\d{{1,3}}|{_NUMBER_WORDS})"
_COUNT = re.compile(
    rf"(?<![\d,.])\b(?:between\s+{_N}\s+and\s+{_N}|(?:up\s+to|at\s+least|no\s+more\s+than|just|only)\s+{_N}"
    rf"|{_N}(?:\s*(?:-|–|—|to|or)\s*{_N})?)\b(?!\s*(?:million|thousand|hundred|billion|[,.]\d|%))",
    re.IGNORECASE,
)
_PERSON = (
    r"(?:people|persons?|friends?|parents?|famil(?:y|ies)|kids?|children|child|moms?|mums?|mothers?|dads?|"
    r"fathers?|colleagues?|co-?workers?|neighbou?rs?|women|men|coaches?|teachers?|students?|folks|relatives?|"
    r"siblings?|sisters?|brothers?|clients?|peers?|teens?|teenagers?|couples?|partners?|caregivers?|patients?|"
    r"entrepreneurs?|leaders?|managers?|owners?|loved\s+ones|grandparents?|adults?|runners?|nurses?|doctors?)"
)
_PERSON_RE = re.compile(rf"\s*\b{_PERSON}\b", re.IGNORECASE)
# Words allowed between a number and its person noun: "three of your closest friends" (not
# "the"/"our": "one of the people whose lives…" describes, it does not count).
_FILLER = {
    "of", "your", "my", "closest", "close", "best", "dear", "dearest", "good", "other",
    "more", "special", "favorite", "favourite", "trusted", "fellow", "old", "new", "important", "loved", "own",
}  # fmt: skip

# A person noun or a general word ("someone", "anyone", "those") narrowed by who exactly: "parents you
# know whose kids struggle with focus", "someone from your running club who is always injured", "three
# friends who, like you, keep trying to quit smoking". The narrowing counts only when it says something
# about the people: "anyone who might be interested" and "someone in your life" name nobody.
_WORD = r"[\w'’-]+"
_GENERAL = r"(?:someone|somebody|anyone|anybody|everyone|everybody|whoever|those|others)"
_NOT_PLACE = r"(?!(?:who|whose|that|with|and|or|but|to|about|if|so|this|these|know|you)\b)"
_QUALIFIER = (
    r"(?:who|whose|that(?!\s+(?:the|it|you|we|this|our|i|they|he|she|your|there|a)\b)|with|struggling|dealing"
    r"|facing|living|battling|going\s+through|trying|looking|wanting|hoping|suffering|raising|working\s+on|need)"
)
_SPECIFIC = re.compile(
    rf"\b(?:{_PERSON}|{_GENERAL})\b"
    r"(?:\s+(?:you|u)\s+(?:know|love|care\s+about|work\s+with|met|trust))?"
    rf"(?P<place>\s+(?:in|from|at|of|on)\s+(?:(?:your|the|their|our|my)\s+)?{_NOT_PLACE}{_WORD}"
    rf"(?:\s+{_NOT_PLACE}{_WORD}){{0,2}})?"
    rf"(?:\s+or\s+(?:your\s+|their\s+)?{_WORD}(?:\s+{_WORD})?)?"
    rf"(?P<qualifier>\s+{_QUALIFIER}\b(?:\s*,\s*[^,.;:!?]{{1,40}},)?(?:\s+[^\s.,;:!?]+){{0,6}})?",
    re.IGNORECASE,
)
# Words that say nothing about who the people are ("who might be interested", "who would love this").
_SAYS_NOTHING = {
    "interested", "interest", "interesting", "benefit", "benefits", "like", "likes", "love", "loves", "enjoy",
    "enjoys", "use", "could", "would", "might", "may", "can", "want", "wants", "need", "needs", "too", "also",
    "program", "programme", "course", "hear", "know", "learn", "be", "been", "being", "think", "get", "some",
    "something", "similar", "same", "curious", "appreciate", "appreciates", "happy", "glad", "open", "keen", "fit",
    "great", "good", "find", "useful", "helpful", "value", "valuable", "he", "she", "really", "just", "maybe",
    "probably", "definitely", "well", "way", "things", "thing", "stuff", "much", "lot", "do", "does", "did",
    "had", "what", "ready", "try", "one", "ones", "friends", "friend", "yours", "there", "here", "someone",
    "anyone", "anything", "everything", "such", "other", "others", "change", "changing", "improve", "improving",
    "better", "difference", "results", "whose", "should", "shall", "must", "who'd", "who'll", "they'd", "d", "ll",
    "kind", "sort", "again", "now", "today", "soon", "yet", "still", "ever",
}  # fmt: skip
# Places that narrow nothing: "someone in your life", "people in your network".
_VAGUE_PLACES = {
    "life", "lives", "world", "network", "networks", "circle", "circles", "social", "contacts", "contact", "phone",
    "inbox", "address", "book", "list", "lists", "feed", "area", "community", "family", "families", "friends",
    "friend", "orbit", "sphere", "media", "whatsapp", "group", "groups", "chat", "chats", "own",
}  # fmt: skip
_VAGUE = re.compile(
    r"\b(?:spread\s+the\s+word|anyone|anybody|everyone|everybody|all\s+your\s+friends|your\s+friends|"
    r"your\s+network|your\s+people|people\s+you\s+know|someone|somebody|whoever|people|your\s+contacts)\b",
    re.IGNORECASE,
)
# Verbs the reader can do now. Words that are also nouns ("this email", "a call") count only
# with an object after them ("email them", "text your sister").
_ACTION = re.compile(
    r"\b(?:send|forward|share|introduce|invite|reach(?:ing)?\s+out|pass\s+(?:it|this|the\s+link|them)\s+on|tell"
    r"|(?:text|call|e-?mail|message|dm|post|copy|whatsapp)(?=\s+(?:them|him|her|it|this|that|these|those|the|your"
    r"|a|an|one|two|three|\d)\b))\b",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"https?://\S+|\bwww\.\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|app|dev|school|academy|example)"
    r"(?:/\S*)?\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|tomorrow|midnight)"
_UNIT = r"(?:hours?|days?|weeks?|weekend|months?)"
_WINDOW = re.compile(
    rf"\b(?:(?:in|within|over|during)\s+the\s+(?:next|coming)\s+(?:{_N}\s+)?{_UNIT}"
    rf"|within\s+(?:{_N}|a|an)\s+{_UNIT}|in\s+(?:the\s+)?next\s+(?:{_N}\s+)?{_UNIT}"
    rf"|(?:by|before|until|till)\s+(?:this\s+|next\s+)?(?:{_DAYS}|the\s+end\s+of\s+(?:the\s+|this\s+|next\s+)?"
    rf"(?:day|week|month)|end\s+of\s+(?:the\s+)?(?:day|week|month)|{_MONTHS}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}|\d{{1,2}}/\d{{1,2}}|\d{{4}}-\d{{2}}-\d{{2}})"
    r"|this\s+(?:week|weekend|month)|today|tonight|tomorrow)\b",
    re.IGNORECASE,
)
_MISSION_WORDS = re.compile(
    r"\b(?:mission|our\s+(?:big\s+)?(?:goal|why|purpose|cause)|we(?:'re|’re|\s+are)\s+out\s+to)\b", re.IGNORECASE
)
_INSPIRING = re.compile(
    r"\b(?:difference|chang(?:e|es|ed|ing)|life-changing|transform\w*|imagin\w*|thriv\w*|mission|dreams?|"
    r"grateful|gratitude|inspir\w*|impact\w*|overcom\w*|heartfelt|touched|breakthroughs?|freedom|hope\w*|proud|"
    r"together|world|big\s+why|help(?:s|ed|ing)?|lives|empower\w*|brave|courage\w*|joy\w*|beautiful)\b",
    re.IGNORECASE,
)
_STOPWORDS = {
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "help", "helping", "how", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them", "they",
    "this", "to", "up", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with", "within",
    "without", "you", "your", "more", "most", "every", "each", "all", "any", "out", "over", "make", "makes",
    "making", "want", "need", "lives", "life", "year", "years", "people",
}  # fmt: skip
_EXAMPLE_PEOPLE = "“parents you know whose kids struggle with focus”"


def _quote(phrase: str) -> str:
    return "“" + " ".join(phrase.split()) + "”"


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def _content_words(text: str) -> dict[str, str]:
    """stem → first surface form, for words that carry meaning."""
    words: dict[str, str] = {}
    for word in re.findall(r"[A-Za-z][\w'’-]*", text):
        if len(word) > 2 and word.lower() not in _STOPWORDS:
            words.setdefault(_stem(word), word)
    return words


def _render(copy: str, values: dict[str, object], assume_filled=()) -> _Copy:
    given = {name: str(value) for name, value in values.items() if value is not None and str(value) != ""}
    present = set(FIELD.findall(copy))
    rendered = {name: given[name] for name in present if name in given}
    text = FIELD.sub(lambda m: rendered.get(m.group(1), " "), copy)
    unfilled = present - set(given)
    assumed = frozenset(unfilled & set(assume_filled))
    return _Copy(text=text, values=rendered, unfilled=unfilled - assumed, assumed=assumed)


# What comes right before the people the ask is about: "think of 1–3 parents…", "reach out to friends…".
_POINTED = re.compile(
    r"(?:\b(?:think\s+of|picture|name|list|reach\s+out\s+to|introduce|invite|text|call|email|tell)"
    rf"(?:\s+[\w'’]+){{0,3}}|{_COUNT.pattern}(?:\s+(?:{'|'.join(sorted(_FILLER))}))*)\s*$",
    re.IGNORECASE,
)


def _says_who(words: str, ignore: set[str]) -> bool:
    """Whether ``words`` hold one word that says something about the people."""
    for word in re.findall(r"[A-Za-z][\w'’-]*", words):
        word = word.lower().replace("’", "'")
        for ending in ("'d", "'ll", "'s", "'re", "'ve", "n't"):
            word = word.removesuffix(ending)
        if word not in ignore and word not in _STOPWORDS and len(word) > 1:
            return True
    return False


def _names_who(match: re.Match) -> bool:
    qualifier, place = match.group("qualifier") or "", match.group("place") or ""
    return _says_who(re.sub(rf"^\s*{_QUALIFIER}\b", "", qualifier, flags=re.IGNORECASE), _SAYS_NOTHING) or (
        _says_who(place, _VAGUE_PLACES)
    )


def _specific(copy: _Copy) -> Criterion:
    candidates = list(_SPECIFIC.finditer(copy.text))
    matches = [m for m in candidates if _names_who(m)]
    # Prefer the people the ask points at over a description ("people whose lives we touched").
    pointed = [m for m in matches if _POINTED.search(copy.text[max(0, m.start() - 60) : m.start()])]
    match = (pointed or matches or [None])[0]
    if match:
        # The qualifier is cut at six words; a dangling "and"/"before" would misquote the creator.
        phrase = re.sub(r"(?:\s+(?:and|or|but|to|the|a|an|before|after|of|in|for|with|at|on|by))+$", "", match.group(0))
        return Criterion(True, f"Specific: names who to think of ({_quote(phrase)})")
    # "anyone who might be interested": narrowed in words, not in who they are.
    hollow = next((m for m in candidates if m.group("qualifier") or m.group("place")), None) or _VAGUE.search(copy.text)
    if hollow:
        return Criterion(
            False, f"Specific: {_quote(hollow.group(0))} does not say who — name the people, e.g. {_EXAMPLE_PEOPLE}"
        )
    return Criterion(False, f"Specific: does not name which people to think of, e.g. {_EXAMPLE_PEOPLE}")


def _people_count(text: str) -> str | None:
    """The first "number of people" phrase: "1–3 parents", "between one and three kids"."""
    for match in _COUNT.finditer(text):
        digits = [int(d) for d in re.findall(r"\d+", match.group(0))]
        if any(d > 20 for d in digits):
            continue  # "100 families we helped" is mission progress, not an ask
        end = match.end()
        for _ in range(4):
            person = _PERSON_RE.match(text, end)
            if person:
                return text[match.start() : person.end()]
            filler = re.match(r"\s+([\w'’]+)", text[end:])
            if not filler or filler.group(1).lower() not in _FILLER:
                break
            end += filler.end()
    return None


def _measurable(copy: _Copy) -> Criterion:
    phrase = _people_count(copy.text)
    if phrase:
        return Criterion(True, f"Measurable: asks for {' '.join(phrase.split())}")
    if copy.rendered("ask_count"):
        return Criterion(True, f"Measurable: asks for {copy.shown('ask_count')} people{copy.assumed_note('ask_count')}")
    return Criterion(
        False, "Measurable: no number of people is asked for, e.g. “1–3 friends”" + copy.no_value_note("ask_count")
    )


def _actionable(copy: _Copy) -> Criterion:
    verb = _ACTION.search(copy.text)
    written_link = copy.rendered("special_link") and "special_link" not in copy.assumed
    link = written_link or _LINK.search(copy.text) is not None
    assumed_link = not link and "special_link" in copy.assumed
    if verb and (link or assumed_link):
        where = " ({{ special_link }}, assumed filled)" if assumed_link else ""
        return Criterion(
            True, f"Actionable: says what to do ({_quote(verb.group(0))}) and gives the link to share{where}"
        )
    note = copy.no_value_note("special_link")
    if verb:
        return Criterion(False, f"Actionable: asks them to {_quote(verb.group(0))} but gives no link to share{note}")
    if link or assumed_link:
        return Criterion(False, "Actionable: gives a link but no concrete action (send, forward, text, introduce…)")
    return Criterion(False, f"Actionable: no concrete action (send, forward, text, introduce…) and no link{note}")


def _relevant(copy: _Copy, mission_statement: str) -> Criterion:
    # Seed 002: the graduate shares for the mission, and the thank-you is never money. An ask that pays
    # per friend is not relevant to the mission, whatever else it says.
    offers = money_offers(copy.text)
    if offers:
        start, end = offers[0]
        return Criterion(
            False,
            f"{MONEY_PREFIX} ({_quote(copy.text[start:end])}) — the thank-you for referring is never money; "
            "ask for the mission's sake and thank with access, a session or a gift",
        )
    for name in ("mission_statement", "mission_progress"):
        if copy.rendered(name):
            note = copy.assumed_note(name, inside=True)
            return Criterion(True, f"Relevant: states the mission ({{{{ {name} }}}}{note})")
    note = copy.no_value_note("mission_statement") or copy.no_value_note("mission_progress")
    if mission_statement.strip():
        mission = _content_words(mission_statement)
        ours = _content_words(copy.text)
        shared = [ours[stem] for stem in ours if stem in mission]
        if len(shared) >= min(2, len(mission)) and shared:
            return Criterion(True, "Relevant: ties the ask to the mission (" + ", ".join(map(_quote, shared[:3])) + ")")
        return Criterion(False, f"Relevant: does not say what the mission is — state it{note}")
    words = _MISSION_WORDS.search(copy.text)
    if words and not note:  # "We have a mission – {{ mission_statement }}" with no value states none
        return Criterion(True, f"Relevant: talks about the mission ({_quote(words.group(0))})")
    return Criterion(False, f"Relevant: does not connect the ask to the mission{note}")


def _time_bound(copy: _Copy) -> Criterion:
    window = _WINDOW.search(copy.text)
    if window:
        return Criterion(True, f"Time-bound: gives a window ({_quote(window.group(0))})")
    if copy.rendered("ask_deadline"):
        deadline = copy.shown("ask_deadline") + copy.assumed_note("ask_deadline", inside=True)
        return Criterion(True, f"Time-bound: gives a deadline ({deadline})")
    return Criterion(
        False, "Time-bound: no window or deadline, e.g. “in the next 7 days”" + copy.no_value_note("ask_deadline")
    )


def _inspiring(copy: _Copy) -> Criterion:
    cues: dict[str, str] = {}
    for match in _INSPIRING.finditer(copy.text):
        cues.setdefault(match.group(0).lower()[:4], match.group(0))
    quoted = copy.rendered("testimonial_quote")
    words = ", ".join(_quote(w) for w in list(cues.values())[:3])
    if len(cues) + quoted >= 2:
        if quoted:
            return Criterion(
                True,
                "Inspiring: quotes their own testimonial back" + (f" and speaks to impact ({words})" if words else ""),
            )
        return Criterion(True, f"Inspiring: speaks to impact and feeling ({words})")
    return Criterion(
        False,
        "Inspiring: little to light people up — say what difference it makes, quote their testimonial"
        + copy.no_value_note("testimonial_quote"),
    )


def check_referral_ask(
    *,
    subject: str,
    body: str,
    values: dict[str, object] | None = None,
    mission_statement: str = "",
    assume_filled: tuple[str, ...] | frozenset[str] = (),
) -> SmartIReport:
    """Score a referral ask on SMART-I with merge fields rendered from ``values``.

    ``mission_statement`` defaults to ``values["mission_statement"]`` when that is given. Fields in
    ``assume_filled`` without a value count as present (``report.assumed`` lists those in the copy).
    """
    values = values or {}
    copy = _render(f"{subject}\n\n{body}", values, assume_filled)
    mission = mission_statement or str(values.get("mission_statement") or "")
    results = {
        "specific": _specific(copy),
        "measurable": _measurable(copy),
        "actionable": _actionable(copy),
        "relevant": _relevant(copy, mission),
        "time_bound": _time_bound(copy),
        "inspiring": _inspiring(copy),
    }
    return SmartIReport(criteria={name: results[name] for name in CRITERIA}, assumed=tuple(sorted(copy.assumed)))


def split_subject(text: str) -> tuple[str, str]:
    """A file's first line ``Subject: …`` (if present) is the subject; the rest is the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    first = re.match(r"\s*subject\s*:(.*)$", lines[0], re.IGNORECASE)
    if not first:
        return "", text.replace("\r\n", "\n")
    return first.group(1).strip(), "\n".join(lines[1:]).strip("\n")


def referral_ask_report(
    text: str, *, values: dict[str, object] | None = None, mission_statement: str = "", assume_filled: bool = False
) -> dict:
    """The registry's form of the check: one text (``Subject:`` line optional) in, the JSON report out.

    With ``assume_filled``, the engine's own fields (``ENGINE_FILLED``) without a value count as
    present; the report then lists them under ``assumed_filled`` with a ``note`` saying so.
    """
    subject, body = split_subject(text)
    report = check_referral_ask(
        subject=subject,
        body=body,
        values=values,
        mission_statement=mission_statement,
        assume_filled=ENGINE_FILLED if assume_filled else (),
    )
    data = report.as_json()
    if assume_filled:
        data["assumed_filled"] = list(report.assumed)
        if report.assumed:
            fields = ", ".join(f"{{{{ {name} }}}}" for name in report.assumed)
            data["note"] = ASSUMED_NOTE.format(fields=fields)
    return data
