"""Route a piece of feedback — a 0–10 score and optional words — to happy, neutral or unhappy.

Step 3 of the method: only happy students are asked for a testimonial (and later a referral);
unhappy students get a support case and a page where they can vent; neutral ones get a thank-you.
The score decides first; the text can only *lower* the route, never raise it:

========================  =====================  =====================  =====================
text                      score happy (9–10)     score neutral (7–8)    score unhappy (0–6)
========================  =====================  =====================  =====================
none / non-answer ("no")  happy                  neutral                unhappy
agrees or neutral         happy                  neutral                unhappy
sad that it is over       happy                  neutral                unhappy
names what was missing    **neutral**            neutral                unhappy
lukewarm                  **neutral**            neutral                unhappy
a complaint               **unhappy**            **unhappy**            unhappy
language it cannot read   happy (score alone)    neutral (score alone)  unhappy
========================  =====================  =====================  =====================

* **a complaint** — VADER's compound score of the judged text is ``<= -0.5``, or the text has a
  complaint cue (:mod:`testimonials.routing_cues`): a promise not kept or a service absent (the
  coach never showed up, the workbook never arrived, questions unanswered, "still waiting"), a
  billing error, "waste of money", "I want a refund", "didn't help", sarcasm, 👎. A happy score
  with a complaint goes to **unhappy, not neutral**: the student gets a support case and a place
  to vent, and is not asked for a testimonial while something is wrong.
* **names what was missing** — conditional praise ("would have been perfect if…", "the only
  thing I didn't get…", "I wish there had been…"): not a testimonial, not a case either. The rule
  for "severe": when what was missing is itself a complaint (a call that never happened, a charge
  taken twice) the complaint cue matches too and the route is unhappy.
* **lukewarm** — VADER compound in ``(-0.5, -0.25]``, or a lukewarm cue (``meh``, ``expected
  more``, 🙄 …).
* **sad that it is over** — "I'll miss the group", "sad it's over", "I cried at the last call":
  from a graduate this is praise. Those clauses are left out of what VADER scores (it reads
  "sad", "miss", "cried" as complaints); complaint cues are still matched on the whole text.

Languages (:mod:`testimonials.routing_language`): VADER and the English lists read English only.
Spanish, Portuguese, French and German text is read with that language's small cue lists only
(complaints, what was missing, praise, sadness of ending); text in any other language is routed
by the score alone (plus language-free emoji), and the reasons say so. Text too short to tell its
language is read with every list. The reasons always say which.

Why the complements to VADER (`VADER <https://github.com/cjhutto/vaderSentiment>`_ is a lexicon
and rule based English sentiment scorer; its lexicon ships inside the wheel, so this works
offline): it misses idioms whose words are individually neutral or positive ("honestly a waste of
money" +0.05, "the coach never showed up" 0.0); a cue preceded by a negation ("not a waste of
money", "not a single question went unanswered") or a voiced doubt ("I thought it would be a
waste of money") does not count. It reads some praise as negative ("I couldn't be happier"
-0.42): :data:`~testimonials.routing_cues.POSITIVE_IDIOMS` rewrites these first. Feedback questions make students recall
the bad "before": when the text has a turning point (``now``, ``after the course`` … see
:data:`~testimonials.routing_cues.TURNING_POINT`), VADER judges the text from the last one on.

Known limits: sarcasm beyond the listed patterns passes; the non-English lists cover the kinds
above, not the whole language; texts over :data:`MAX_TEXT_CHARS` are judged on their beginning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from testimonials import routing_cues as cues
from testimonials.routing_language import Language, detect

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

#: A cue does not count after a negation (up to three words before it, in the same clause):
#: "not a waste of money", "it wasn't useless", "not a single question went unanswered".
_NEGATIONS = frozenset(
    ["not", "never", "no", "hardly", "without", "nor", "isn't", "wasn't", "aren't", "weren't", "doesn't", "didn't"]
    + ["don't", "won't", "nunca", "jamais", "nie", "nicht"]
)
#: …nor after a voiced doubt (up to six words before it, same clause): "I thought it would be a
#: waste of money", "I was afraid I'd want a refund".
_DOUBTS = frozenset(
    ["thought", "think", "worried", "afraid", "feared", "doubted", "wondered", "skeptical", "sceptical", "expected"]
)
_CLAUSE_BREAK = re.compile(r".*[.,;:!?\n—]", re.DOTALL)
#: Where one clause ends and the next begins, for leaving out the "sad it's over" clauses.
_CLAUSES = re.compile(r"[.!?;\n]+|,|\b(?:but|though|although|however)\b", re.IGNORECASE)

_FLAGS = re.IGNORECASE
_IDIOMS = tuple((re.compile(p, _FLAGS), plain) for p, plain in cues.POSITIVE_IDIOMS)
_TURNING_POINT = re.compile(cues.TURNING_POINT, _FLAGS)
_WORD = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

Cue = tuple[str, re.Pattern[str]]


@dataclass(frozen=True)
class Decision:
    """Where a piece of feedback goes, and why.

    ``route`` is "happy" (ask for a testimonial), "neutral" (say thank you) or "unhappy" (open a
    support case, offer a place to vent, ask nothing). ``reasons`` are sentences for the admin
    timeline, the first about the score and the second about the text. ``sentiment`` is VADER's
    compound score (-1..+1) of the judged text, 0.0 when there is none or it is not English.
    ``score_route`` is the route the score alone would give. ``language`` is the detected
    language's code, "" when there is no text or it is too short to tell.
    """

    route: Route
    reasons: tuple[str, ...]
    sentiment: float
    score_route: Route
    language: str = ""

    def as_json(self) -> dict:
        """The public shape: ``{"route": ..., "reasons": [...]}``."""
        return {"route": self.route, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class _TextReading:
    present: bool
    language: Language
    mode: str  # "english", "cues" (another language's lists), "all" (undetermined), "none" (cannot read)
    sentiment: float = 0.0
    worst: float = 0.0  # VADER's most negative sentence, to describe mixed text honestly
    complaints: tuple[str, ...] = ()
    conditional: tuple[str, ...] = ()
    lukewarm: tuple[str, ...] = ()
    ending: tuple[str, ...] = ()
    praise: tuple[str, ...] = ()
    judged_from: str | None = None  # the turning point VADER judged from, if any
    truncated: bool = False

    @property
    def vader(self) -> bool:
        return self.mode in ("english", "all")


def classify(*, score: int, text: str = "", happy_min: int = 9, neutral_min: int = 7) -> Decision:
    """Route feedback by its 0–10 score and its words (see the module docstring for the rules).

    ``score >= happy_min`` is happy, ``score >= neutral_min`` neutral, anything lower unhappy;
    then a complaint lowers the route to unhappy, and conditional or lukewarm text lowers happy to
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
    route, why = _decide(reading, score, score_route)
    reasons.append(why)
    reasons += _notes(reading, route)
    return Decision(
        route=route,
        reasons=tuple(reasons),
        sentiment=reading.sentiment,
        score_route=score_route,
        language=reading.language.code,
    )


def _decide(reading: _TextReading, score: int, score_route: Route) -> tuple[Route, str]:
    """The route and the one sentence that says what the text did to it (and only what was read)."""
    lead = f"score {score} is {score_route}"
    # The lexicon's figure is shown only where it was read and means something: never for
    # text in another language, where VADER's 0.0 would look like "neutral".
    vader = reading.mode == "english" or (reading.mode == "all" and reading.sentiment != 0)
    measured = f" (sentiment {reading.sentiment:+.2f})" if vader else ""
    if not reading.present:
        return score_route, "no text to read: the score alone decides"
    if reading.mode == "none":
        name = f"{reading.language.name} ({reading.language.code}, detected {reading.language.confidence:.2f})"
        if reading.complaints:
            why = f"the text is in {name}, which the routing cannot read, but it has {_quote(reading.complaints)}"
            return UNHAPPY, (
                f"{why}: stays unhappy" if score_route == UNHAPPY else f"{lead}, but {why}: routed unhappy"
            )
        return score_route, f"the text is in {name}, which the routing cannot read: the score alone decides"

    if reading.complaints or (reading.vader and reading.sentiment <= CLEARLY_NEGATIVE):
        why = "the text is clearly negative"
        if reading.complaints:
            why += f": it says {_quote(reading.complaints)}"
            if vader and reading.sentiment > LEANS_NEGATIVE:
                # Say that the cue decided: the lexicon's own figure would suggest the opposite.
                measured = f" (a complaint the lexicon misses: it scores the words {reading.sentiment:+.2f})"
        why += measured
        return UNHAPPY, (f"{why}: stays unhappy" if score_route == UNHAPPY else f"{lead}, but {why}: routed unhappy")

    softer = None
    if reading.conditional:
        softer = f"the text names what was missing: it says {_quote(reading.conditional)}{measured}"
    elif reading.lukewarm:
        softer = f"the text is lukewarm: it says {_quote(reading.lukewarm)}{measured}"
    elif reading.vader and reading.sentiment <= LEANS_NEGATIVE:
        softer = f"the text is lukewarm{measured}"
    if softer:
        if score_route == HAPPY:
            return NEUTRAL, f"{lead}, but {softer}: routed neutral"
        return score_route, f"{softer}: stays {score_route}"

    # Nothing negative was found. Say what the words are without claiming more than was read.
    if score_route == UNHAPPY:
        seen = "no complaint cue matched"
        if vader:
            seen = f"the lexicon scores the words {reading.sentiment:+.2f} and {seen}"
            if reading.worst <= LEANS_NEGATIVE:
                seen += f", though one sentence scores {reading.worst:+.2f}"
        return score_route, (
            f"the score decides ({seen}; kind words with a low score are often politeness: read them): "
            "text never raises a route: stays unhappy"
        )
    if reading.praise:
        said = f"the text reads as praise: it says {_quote(reading.praise)}"
    elif reading.ending:
        said = f"the text is sad that it is over: it says {_quote(reading.ending)}"
    elif vader and reading.sentiment >= READS_POSITIVE:
        said = f"the text reads positive{measured}"
    else:
        return score_route, f"the text is neither clearly positive nor negative{measured}: the score decides"
    if score_route == HAPPY:
        return score_route, f"{said}: it agrees with the score"
    return score_route, f"{said}, but text never raises a route: stays {score_route}"


def _notes(reading: _TextReading, route: Route) -> list[str]:
    notes = []
    language = reading.language
    if reading.mode == "cues":
        notes.append(
            f"the text is in {language.name} (detected, {language.confidence:.2f}): the English lexicon cannot "
            f"read it, so it was read with the {language.name} cue list only"
            + (f", which finds praise: {_quote(reading.praise)}" if reading.praise else "")
        )
    elif reading.mode == "all" and reading.present and not reading.sentiment:
        notes.append("the text is too short to tell its language: it was read with every cue list")
    if reading.ending and route != UNHAPPY:
        notes.append(f"sadness that the program is over ({_quote(reading.ending)}) is read as praise, not a complaint")
    if reading.judged_from:
        notes.append(f"the text tells a before/after story: judged from {reading.judged_from!r} on")
    if reading.truncated:
        notes.append(f"only the first {MAX_TEXT_CHARS} characters were read")
    return notes


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
    if not bare or bare in cues.NON_ANSWERS:
        return _TextReading(False, Language("", 0.0), "english", truncated=truncated)
    language = detect(text)
    if not language.determined:
        lists, mode = list(cues.BY_LANGUAGE.values()), "all"
    elif language.code in cues.BY_LANGUAGE:
        lists, mode = [cues.BY_LANGUAGE[language.code]], ("english" if language.code == "en" else "cues")
    else:
        lists, mode = [cues.ANY], "none"

    for pattern, plain in _IDIOMS:
        text = pattern.sub(plain, text)
    ending = _found(lists, "ending", text)
    # The "sad it's over" clauses are praise: VADER and the softer cues read the rest.
    rest = _without_ending(lists, text) if ending else text
    codes = list(cues.ABSENT_SERVICE) if mode == "all" else [language.code]
    reading = {
        "complaints": _found(lists, "complaints", text) + _absent(lists, codes, text),
        "conditional": _found(lists, "conditional", rest),
        "lukewarm": _found(lists, "lukewarm", rest),
        "ending": ending,
        "praise": _found(lists, "praise", text),
    }
    judged, judged_from = rest, None
    turns = list(_TURNING_POINT.finditer(rest))
    if mode != "cues" and turns:
        last = turns[-1]
        ending_part = rest[last.start() :]
        # A turning point only counts when there is a "before" to set aside.
        if last.start() > 0 and _WORD.search(ending_part):
            judged, judged_from = ending_part, last.group(0)
    sentiment = worst = 0.0
    if mode in ("english", "all"):
        sentiment = round(_sentiment(judged), 4)
        worst = min([_sentiment(s) for s in _SENTENCE_END.split(judged[:_WHOLE_TEXT_CHARS]) if _WORD.search(s)] or [0])
    return _TextReading(
        True, language, mode, sentiment, round(worst, 4), judged_from=judged_from, truncated=truncated, **reading
    )


def _found(lists: list[cues.Cues], kind: str, text: str) -> tuple[str, ...]:
    found: list[str] = []
    for lang in lists:
        found += [said for said in _matches(getattr(lang, kind), text) if said not in found]
    return tuple(found)


def _absent(lists: list[cues.Cues], codes: list[str], text: str) -> tuple[str, ...]:
    """A clause naming something owed together with a failure marker (see routing_cues)."""
    for clause in _CLAUSES.split(text):
        # "Already missing my coach" is sadness, "one thing missing was a PDF" conditional praise.
        if cues.PRAISE_SHAPED.search(clause) or _found(lists, "ending", clause) or _found(lists, "conditional", clause):
            continue
        for code in codes:
            if code not in cues.ABSENT_SERVICE:
                continue
            service, failure = cues.ABSENT_SERVICE[code]
            # Two different words: "nobody" is not both the one owed and the failure.
            for owed in service.finditer(clause):
                for failed in failure.finditer(clause):
                    if owed.end() <= failed.start() or failed.end() <= owed.start():
                        return (f"{owed.group(0)} … {failed.group(0)}",)
    return ()


def _without_ending(lists: list[cues.Cues], text: str) -> str:
    kept, start = [], 0
    for brk in [*_CLAUSES.finditer(text), None]:
        end = brk.start() if brk else len(text)
        clause = text[start:end]
        if not _found(lists, "ending", clause):
            kept.append(clause + (brk.group(0) if brk else ""))
        start = brk.end() if brk else end
    return "".join(kept).strip()


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


def _matches(phrases: tuple[Cue, ...], text: str) -> tuple[str, ...]:
    found = []
    for _label, pattern in phrases:
        for match in pattern.finditer(text):
            clause = _CLAUSE_BREAK.sub("", text[max(0, match.start() - 80) : match.start()])
            before = _WORD.findall(clause.lower())
            if not (_NEGATIONS.intersection(before[-3:]) or _DOUBTS.intersection(before[-6:])):
                found.append(match.group(0).strip())
                break
    return tuple(found)
