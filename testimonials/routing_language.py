"""Which language a piece of feedback is in, so the routing reads it only with cues made for it.

py3langid (a naive-Bayes byte n-gram model shipped inside its wheel: offline) picks among a
restricted set of languages: restricting it makes short texts far more reliable than choosing
among its 97 languages, and the set covers the Latin-script languages students of these
programs write in. Text mostly in another script (Cyrillic, Japanese, Arabic…) is named by its
script's language with the full model; it is never read with a Latin-script list.

Detection on a few words is a guess ("bof", "merci ❤️", "ok"): below :data:`MIN_LETTERS` letters,
or below :data:`MIN_CONFIDENCE`, the language is *undetermined* and the caller reads the text with
every list it has (the safe side: any complaint cue counts).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

#: The languages the detector chooses among for Latin-script text.
LATIN_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl", "pl", "sv", "da", "no", "ro", "ca", "cs", "tr")
#: Fewer letters than this: too short to tell the language.
MIN_LETTERS = 16
#: Below this probability (among LATIN_LANGUAGES) the guess is not trusted.
MIN_CONFIDENCE = 0.90

NAMES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "ro": "Romanian",
    "ca": "Catalan",
    "cs": "Czech",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "ar": "Arabic",
    "he": "Hebrew",
    "el": "Greek",
    "hi": "Hindi",
    "und": "a language the detector cannot name",
}


@dataclass(frozen=True)
class Language:
    """``code`` is an ISO 639-1 code, or "" when undetermined; ``confidence`` is 0..1."""

    code: str
    confidence: float

    @property
    def determined(self) -> bool:
        return bool(self.code)

    @property
    def name(self) -> str:
        return NAMES.get(self.code, self.code or "an undetermined language")


UNDETERMINED = Language("", 0.0)


@cache
def _identifiers():
    # Imported and loaded on first use (about half a second, once per process), not at import time.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    latin = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    latin.set_languages(list(LATIN_LANGUAGES))
    return latin, LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> Language:
    """The language of ``text``, or :data:`UNDETERMINED` when it is too short or the guess is weak."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS:
        return UNDETERMINED
    latin_letters = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    latin, full = _identifiers()
    if latin_letters < len(letters) / 2:
        code, confidence = full.classify(text)
        # Never "en" for a non-Latin script, whatever the model says: English lists cannot read it.
        return Language(code if code not in ("en", "zxx") else "und", round(confidence, 3))
    code, confidence = latin.classify(text)
    if confidence < MIN_CONFIDENCE:
        return UNDETERMINED
    return Language(code, round(confidence, 3))
