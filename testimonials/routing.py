"""Route a piece of feedback — a 0–10 score and optional words — to happy, neutral or unhappy.

Step 3 of the method: only happy students are asked for a testimonial (and later a referral);
unhappy students get a support case and a page where they can vent; neutral ones get a thank-you.
The score decides first; the text can only *lower* the route, never raise it:

========================  =====================  =====================  =====================
text                      score happy (9–10)     score neutral (7–8)    score unhappy (0–6)
========================  =====================  =====================  =====================
none / non-answer ("no")  happy                  neutral                unhappy
agrees or neutral         happy                  neutral                unhappy
reads positive            happy                  neutral (not raised)   unhappy (not raised)
lukewarm                  **neutral**            neutral                unhappy
clearly negative          **unhappy**            **unhappy**            unhappy
========================  =====================  =====================  =====================

* **clearly negative** — VADER's compound score of the judged text is ``<= -0.5``, or the text
  contains one of the complaint phrases below (``waste of money``, ``want a refund``, ``didn't
  help``, ``support never answered``, sarcasm such as ``great, another …``, 👎 …).
  A happy score with clearly negative words goes to **unhappy, not neutral**: that is the safe
  choice — the student gets a support case and a place to vent, and is not asked for a
  testimonial while something is wrong. (Neutral would only send a thank-you and lose the
  complaint.) The team can close the case as resolved and the student is asked again later.
* **lukewarm** — VADER compound in ``(-0.5, -0.25]``, or a lukewarm phrase (``meh``, ``so-so``,
  ``expected more``, ``a bit disappointed``, 🙄 …): enough not to ask for a testimonial, not
  enough to open a support case.

Why the complements to VADER (`VADER <https://github.com/cjhutto/vaderSentiment>`_ is a lexicon
and rule based English sentiment scorer; its lexicon ships inside the wheel, so this works
offline):

* VADER misses idioms whose words are individually neutral or positive ("honestly a waste of
  money" scores +0.05, "I want a refund" +0.08, "great, another useless video" +0.32): the short
  :data:`COMPLAINT_PHRASES` and :data:`LUKEWARM_PHRASES` lists catch those. A phrase preceded by a
  negation ("not a waste of money") or a voiced doubt ("I thought it would be a waste of money")
  does not count.
* VADER reads some praise as negative ("I can't say I didn't love it" -0.52, "I couldn't be
  happier" -0.42, "can't recommend it enough" -0.28): :data:`POSITIVE_IDIOMS` rewrites these to
  their plain meaning before scoring.
* Feedback questions make students recall what changed, so testimonials often describe the bad
  "before" ("I was depressed and hopeless for years. This course gave me my life back." scores
  -0.74). When the text has a turning point (``now``, ``these days``, ``after the course``,
  ``this program gave …`` — see :data:`TURNING_POINT`), VADER judges the text from the last
  turning point on: the story's ending, not its beginning.
* "No", "nothing", "n/a" answer the question "anything else?": they count as no text
  (VADER scores a bare "no" -0.30).

Known limits: English only (other languages score 0 with VADER, so the score decides; a false
friend such as Spanish "sin problemas" reads as English "sin"); sarcasm beyond the listed
patterns passes; texts over :data:`MAX_TEXT_CHARS` are judged on their beginning only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Route = Literal["happy", "neutral", "unhappy"]
HAPPY: Route = "happy"
NEUTRAL: Route = "neutral"
UNHAPPY: Route = "unhappy"

#: VADER compound at or below this: the text is clearly negative.
CLEARLY_NEGATIVE = -0.5
#: VADER compound at or below this (and above CLEARLY_NEGATIVE): the text is lukewarm.
LEANS_NEGATIVE = -0.25
#: VADER compound at or above this: the text reads positive (used only to explain a decision).
READS_POSITIVE = 0.25

#: Only this much text is analysed; a feedback form should cap its field well below it.
MAX_TEXT_CHARS = 20_000
#: VADER's cost grows faster than linearly with the length of one call (52,000 characters take
#: seconds), so longer texts are scored sentence by sentence and averaged, as VADER's README
#: recommends for paragraphs.
_WHOLE_TEXT_CHARS = 1_000

_NOT = r"(?:n't|n’t|\snot)"

#: (what it is, pattern) — idioms whose words VADER misses; each is a complaint
#: that needs a person (support case). Matched case-insensitively on the normalized text.
COMPLAINT_PHRASES: tuple[tuple[str, str], ...] = (
    ("waste of money/time", r"\bwaste of (?:my |our )?(?:money|time|effort)\b"),
    ("not worth it", r"\bnot (?:really |even )?worth (?:it|the (?:money|price|cost|time|effort))\b"),
    ("refund", r"\b(?:refund|money back)\b"),
    (
        "didn't help / doesn't work",
        r"\b(?:did|does|do)(?:n't| not) (?:really )?help\b|"
        r"\b(?:it|this|that|nothing)(?: just)? (?:did|does)(?:n't| not) work\b",
    ),
    ("would not recommend", r"\b(?:would|will|could|do|does|can)" + _NOT + r" recommend\b|\bdon't recommend\b"),
    ("useless", r"\buseless\b"),
    ("scam / rip-off", r"\b(?:scam|rip[- ]?off|ripped off)\b"),
    (
        "support did not answer",
        r"\b(?:support|customer service|help ?desk|the team|you|they|coach)\b[^.!?\n]{0,30}?"
        r"\bnever (?:answered|replied|responded|got back)\b|\bno ?(?:one|body) (?:ever )?(?:answered|replied|responded|"
        r"got back)\b|\bnever (?:got|received|had) (?:an? )?(?:answer|reply|response)\b",
    ),
    (
        "complaint about support",
        r"\b(?:support|customer service|help ?desk|coach|coaches|staff|team)\b"
        r"[^.!?\n]{0,30}?(?<!not )(?<!never )\b(?:rude|awful|terrible|horrible|unhelpful|dismissive|non-?existent)\b",
    ),
    ("wants to cancel", r"\bcancel (?:my |the )?(?:subscription|membership|enrol?lment|account|order)\b"),
    (
        "sarcasm",
        r"\bthanks for nothing\b|\b(?:great|wonderful|fantastic|perfect|brilliant|awesome|just what i needed)"
        r"\s*[,!.…]+\s*(?:yet )?another\b",
    ),
    ("angry or thumbs-down emoji", r"[👎😡🤬😠💩]"),
)

#: (label, pattern) — lukewarm words: no testimonial ask, but no support case either.
LUKEWARM_PHRASES: tuple[tuple[str, str], ...] = (
    ("meh", r"\bmeh\b"),
    ("so-so", r"\bso[- ]so\b"),
    ("expected more", r"\b(?:expected|hoped for) (?:more|better)\b|\bnothing new\b"),
    ("could be better", r"\bcould(?:'ve| have)? be(?:en)? better\b"),
    ("ok, I guess", r"\b(?:ok|okay|fine|alright|all right),? i guess\b"),
    ("disappointed", r"\bdisappoint(?:ed|ing)\b"),
    ("too expensive", r"\b(?:too|very|way too) expensive\b|\boverpriced\b"),
    ("boring", r"\bboring\b"),
    ("eye-roll emoji", r"🙄"),
)

#: A phrase does not count after a negation (up to three words before it, in the same clause):
#: "not a waste of money", "it wasn't useless", "no refund needed".
_NEGATIONS = frozenset(
    ["not", "never", "no", "hardly", "without", "nor", "isn't", "wasn't", "aren't", "weren't", "doesn't", "didn't"]
    + ["don't", "won't"]
)
#: …nor after a voiced doubt (up to six words before it, same clause): "I thought it would be a
#: waste of money", "I was afraid I'd want a refund".
_DOUBTS = frozenset(
    ["thought", "think", "worried", "afraid", "feared", "doubted", "wondered", "skeptical", "sceptical", "expected"]
)
_CLAUSE_BREAK = re.compile(r".*[.,;:!?\n—]", re.DOTALL)

#: (pattern, plain meaning) — praise that VADER scores as negative, rewritten before scoring.
POSITIVE_IDIOMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:can't|cannot|can not|couldn't|could not) say (?:that )?i (?:didn't|did not) love\b", "loved"),
    (r"\b(?:can't|cannot|can not|couldn't|could not) say (?:that )?i (?:didn't|did not) (?:like|enjoy)\b", "liked"),
    (
        r"\b(?:couldn't|could not|can't|cannot) be (?:any )?(?:happier|more (?:grateful|thankful|pleased|satisfied))\b",
        "am very happy",
    ),
    (r"\b(?:can't|cannot|couldn't|could not) (?:recommend|praise) [\w' ]{1,40}? enough\b", "highly recommend it"),
    (r"\b(?:can't|cannot|couldn't|could not) thank [\w' ]{1,40}? enough\b", "thank you so much"),
)

#: The start of a story's ending ("… Now we actually talk."): VADER judges the text from the
#: last match on, so a described "before" does not read as a complaint.
TURNING_POINT = (
    r"\b(?:now|nowadays|today|these days|since then|ever since|in the end|ended up|turned out|finally|"
    r"after (?:the|this|your|a few|some) (?:course|program|programme|coaching|sessions?|class(?:es)?|training|"
    r"workshop|weeks?|months?)|thanks to|"
    r"(?:this|the|your) (?:course|program|programme|coaching|training|workshop) (?:gave|helped|taught|changed|"
    r"showed|made|has))\b"
)

#: Whole answers that mean "nothing to add".
_NON_ANSWERS = frozenset(
    ["no", "nope", "none", "nothing", "n/a", "na", "no comment", "no comments", "nothing to add", "nothing else"]
)

_FLAGS = re.IGNORECASE
_COMPLAINTS = tuple((label, re.compile(p, _FLAGS)) for label, p in COMPLAINT_PHRASES)
_LUKEWARM = tuple((label, re.compile(p, _FLAGS)) for label, p in LUKEWARM_PHRASES)
_IDIOMS = tuple((re.compile(p, _FLAGS), plain) for p, plain in POSITIVE_IDIOMS)
_TURNING_POINT = re.compile(TURNING_POINT, _FLAGS)
_WORD = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True)
class Decision:
    """Where a piece of feedback goes, and why.

    ``route`` is "happy" (ask for a testimonial), "neutral" (say thank you) or "unhappy" (open a
    support case, offer a place to vent, ask nothing). ``reasons`` are sentences for the admin
    timeline, the first about the score and the second about the text. ``sentiment`` is VADER's
    compound score (-1..+1) of the judged text, 0.0 when there is none. ``score_route`` is the
    route the score alone would give.
    """

    route: Route
    reasons: tuple[str, ...]
    sentiment: float
    score_route: Route

    def as_json(self) -> dict:
        """The public shape: ``{"route": ..., "reasons": [...]}``."""
        return {"route": self.route, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class _TextReading:
    present: bool
    sentiment: float
    complaints: tuple[str, ...]
    lukewarm: tuple[str, ...]
    judged_from: str | None  # the turning point VADER judged from, if any
    truncated: bool


def classify(*, score: int, text: str = "", happy_min: int = 9, neutral_min: int = 7) -> Decision:
    """Route feedback by its 0–10 score and its words (see the module docstring for the rules).

    ``score >= happy_min`` is happy, ``score >= neutral_min`` neutral, anything lower unhappy;
    then clearly negative text lowers the route to unhappy and lukewarm text lowers happy to
    neutral. Text never raises a route.

    Raises ``ValueError`` when the score is not a whole number from 0 to 10, or the thresholds
    are not whole numbers with ``1 <= neutral_min <= happy_min <= 10`` (equal thresholds mean
    there is no neutral band).
    """
    _check_whole("score", score)
    _check_whole("happy_min", happy_min)
    _check_whole("neutral_min", neutral_min)
    if not 0 <= score <= 10:
        raise ValueError(f"score must be a whole number from 0 to 10, got {score}")
    if not 1 <= neutral_min <= happy_min <= 10:
        raise ValueError(
            "thresholds must satisfy 1 <= neutral_min <= happy_min <= 10 "
            f"(got neutral_min={neutral_min}, happy_min={happy_min})"
        )
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")

    if score >= happy_min:
        score_route: Route = HAPPY
    elif score >= neutral_min:
        score_route = NEUTRAL
    else:
        score_route = UNHAPPY
    neutral_band = f"{neutral_min}–{happy_min - 1}" if neutral_min < happy_min else "none"
    bands = f"happy {happy_min}–10, neutral {neutral_band}, unhappy 0–{neutral_min - 1}"
    reasons = [f"score {score} alone says {score_route} ({bands})"]
    reading = _read(text or "")
    lead = f"score {score} is {score_route}"
    sentiment = f"sentiment {reading.sentiment:+.2f}"
    route = score_route

    if not reading.present:
        reasons.append("no text to read: the score alone decides")
    elif reading.complaints or reading.sentiment <= CLEARLY_NEGATIVE:
        if reading.complaints:
            why = f"the text is clearly negative: it says {_quote(reading.complaints)} ({sentiment})"
        else:
            why = f"the text is clearly negative ({sentiment})"
        if score_route == UNHAPPY:
            reasons.append(f"{why}: stays unhappy")
        else:
            route = UNHAPPY
            reasons.append(f"{lead}, but {why}: routed unhappy")
    elif reading.lukewarm or reading.sentiment <= LEANS_NEGATIVE:
        if reading.lukewarm:
            why = f"the text is lukewarm: it says {_quote(reading.lukewarm)} ({sentiment})"
        else:
            why = f"the text is lukewarm ({sentiment})"
        if score_route == HAPPY:
            route = NEUTRAL
            reasons.append(f"{lead}, but {why}: routed neutral")
        else:
            reasons.append(f"{why}: stays {score_route}")
    elif reading.sentiment >= READS_POSITIVE and score_route != HAPPY:
        reasons.append(f"the text reads positive ({sentiment}), but text never raises a route: stays {score_route}")
    elif reading.sentiment >= READS_POSITIVE:
        reasons.append(f"the text agrees with the score ({sentiment})")
    else:
        reasons.append(f"the text is neither clearly positive nor negative ({sentiment}): the score decides")

    if reading.judged_from:
        reasons.append(f"the text tells a before/after story: judged from {reading.judged_from!r} on")
    if reading.truncated:
        reasons.append(f"only the first {MAX_TEXT_CHARS} characters were read")
    return Decision(route=route, reasons=tuple(reasons), sentiment=reading.sentiment, score_route=score_route)


def _check_whole(name: str, value: object) -> None:
    # bool is an int subclass: True must not pass as a score of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")


def _quote(said: tuple[str, ...]) -> str:
    return ", ".join(f'"{words}"' for words in said)


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Loads the lexicon files shipped in the vaderSentiment wheel: no network, once per process.
    return SentimentIntensityAnalyzer()


def _read(raw: str) -> _TextReading:
    truncated = len(raw) > MAX_TEXT_CHARS
    text = raw[:MAX_TEXT_CHARS].replace("’", "'").replace("‘", "'").strip()
    bare = re.sub(r"[\s.!?,;:\-–—]+", " ", text).strip().lower()
    if not bare or bare in _NON_ANSWERS:
        return _TextReading(False, 0.0, (), (), None, truncated)
    for pattern, plain in _IDIOMS:
        text = pattern.sub(plain, text)

    judged, judged_from = text, None
    turns = list(_TURNING_POINT.finditer(text))
    if turns:
        last = turns[-1]
        ending = text[last.start() :]
        # A turning point only counts when there is a "before" to set aside.
        if last.start() > 0 and _WORD.search(ending):
            judged, judged_from = ending, last.group(0)
    return _TextReading(
        present=True,
        sentiment=round(_sentiment(judged), 4),
        complaints=_matches(_COMPLAINTS, text),
        lukewarm=_matches(_LUKEWARM, text),
        judged_from=judged_from,
        truncated=truncated,
    )


def _sentiment(text: str) -> float:
    analyzer = _analyzer()
    if len(text) <= _WHOLE_TEXT_CHARS:
        return analyzer.polarity_scores(text)["compound"]
    pieces = []
    for sentence in _SENTENCE_END.split(text):
        # A run-on "sentence" is cut into bounded pieces so no single call gets expensive.
        pieces += [sentence[i : i + _WHOLE_TEXT_CHARS] for i in range(0, len(sentence), _WHOLE_TEXT_CHARS)]
    scores = [analyzer.polarity_scores(p)["compound"] for p in pieces if _WORD.search(p)]
    return sum(scores) / len(scores) if scores else 0.0


def _matches(phrases: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> tuple[str, ...]:
    found = []
    for _label, pattern in phrases:
        for match in pattern.finditer(text):
            clause = _CLAUSE_BREAK.sub("", text[max(0, match.start() - 80) : match.start()])
            before = _WORD.findall(clause.lower())
            if not (_NEGATIONS.intersection(before[-3:]) or _DOUBTS.intersection(before[-6:])):
                found.append(match.group(0).strip())
                break
    return tuple(found)
