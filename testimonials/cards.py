"""The share card: a graduate's testimonial as a 1200 × 630 PNG (the Open Graph image size).

:func:`render_share_card` draws the quote (wrapped to fit, shortened with an ellipsis at a word
boundary when it is too long), the attribution the caller chose from the graduate's consent
("Maria G." / "Maria" / "A graduate"), the program's name and, when given, the photo in a circle.

Rendering is deterministic — the same inputs give the same bytes on the same Pillow — so a
caller can store the card under :func:`card_fingerprint` and render it once. The fingerprint
includes :data:`LAYOUT_VERSION` (bump it whenever the drawing changes) and Pillow's version.

Fonts: ``SHARE_CARD_FONT`` (default ``DejaVuSans.ttf``, Debian's fonts-dejavu-core, found by
Pillow in the system font folders): Latin with its accents, Greek, Cyrillic, Arabic and Hebrew
(right-to-left text is shaped and ordered when Pillow has libraqm; without it, it is left out
rather than drawn backwards). Characters the font lacks (emoji, CJK…) are left out rather than
drawn as empty boxes. Without that font the card falls back to Pillow's built-in font (ASCII and
a few quotes/dashes): accents are dropped ("José" → "Jose"), a few letters are spelled out
("ß" → "ss"). The font file and layout engine are part of the fingerprint.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import unicodedata
from functools import cache

import PIL
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, features

from testimonials.images import square_image

#: Bump when anything about the drawing changes: cached cards are then rendered again.
LAYOUT_VERSION = "1"

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (251, 247, 240)
INK = (34, 38, 46)
MUTED = (104, 110, 122)
ACCENT = (214, 112, 64)

PHOTO_DIAMETER = 260
PHOTO_CENTER = (WIDTH - MARGIN - PHOTO_DIAMETER // 2, 250)
QUOTE_TOP = 120
FOOTER_TOP = 478  # the accent rule; attribution and program sit below it
QUOTE_SIZES = range(60, 29, -2)  # largest font first; the first that fits wins
LINE_SPACING = 1.25
ELLIPSIS = "…"

_FOLDED = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
           "đ": "d", "Đ": "D", "ı": "i", "—": "-", "–": "-", "•": "·", "«": "«", "\u00a0": " "}  # fmt: skip


def card_fingerprint(*, quote: str, attribution: str, program_title: str, photo: bytes | None) -> str:
    """A sha256 hex digest of everything that decides the card's bytes, for cache keys."""
    digest = hashlib.sha256()
    photo_part = hashlib.sha256(photo).hexdigest() if photo is not None else "no-photo"
    font = _font_identity(_font_name())
    for part in ("share-card", LAYOUT_VERSION, PIL.__version__, font, quote, attribution, program_title, photo_part):
        encoded = part.encode("utf-8", "surrogatepass")
        # Length-prefixed, so ("ab", "c") and ("a", "bc") cannot collide.
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()


def render_share_card(*, quote: str, attribution: str, program_title: str, photo: bytes | None = None) -> bytes:
    """Return the share card as PNG bytes, 1200 × 630.

    ``photo`` is the square photo from :func:`testimonials.images.process_photo` (any image
    that function accepts works; it is checked the same way and raises the same
    ``ValidationError``). Text never leaves the canvas: the quote is shrunk down to a minimum
    size, then cut at a word boundary with an ellipsis; the attribution and the program name
    are each kept to one line.
    """
    card = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 12, HEIGHT), fill=ACCENT)

    text_right = WIDTH - MARGIN
    if photo is not None:
        _paste_circle(card, photo)
        text_right = PHOTO_CENTER[0] - PHOTO_DIAMETER // 2 - 56
    text_width = text_right - MARGIN

    quote_text = _drawable(quote)
    if quote_text:
        mark = _font(120)
        draw.text((MARGIN - 6, QUOTE_TOP - 80), "“", font=mark, fill=ACCENT)
        font, lines = _fit_quote(quote_text, text_width, FOOTER_TOP - 36 - QUOTE_TOP)
        step = round(font.size * LINE_SPACING)
        for i, line in enumerate(lines):
            draw.text((MARGIN, QUOTE_TOP + i * step), line, font=font, fill=INK)

    draw.rectangle((MARGIN, FOOTER_TOP, MARGIN + 96, FOOTER_TOP + 5), fill=ACCENT)
    footer_width = WIDTH - 2 * MARGIN
    name_font, program_font = _font(40), _font(30)
    name = _one_line(_drawable(attribution), name_font, footer_width)
    draw.text((MARGIN, FOOTER_TOP + 28), name, font=name_font, fill=INK)
    program = _one_line(_drawable(program_title), program_font, footer_width)
    draw.text((MARGIN, FOOTER_TOP + 84), program, font=program_font, fill=MUTED)

    out = io.BytesIO()
    card.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


log = logging.getLogger(__name__)
DEFAULT_FONT = "DejaVuSans.ttf"


def _font_name() -> str:
    return getattr(settings, "SHARE_CARD_FONT", DEFAULT_FONT)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return _font_at(_font_name(), size)


@cache
def _font_at(name: str, size: int) -> ImageFont.FreeTypeFont:
    if name:
        try:
            return ImageFont.truetype(name, size, layout_engine=_layout())
        except OSError:
            log.warning("SHARE_CARD_FONT %r not found: share cards use Pillow's built-in font (ASCII only)", name)
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType; share cards need it (PIL.features.check('freetype2'))")
    return font


def _layout() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@cache
def _font_identity(name: str) -> str:
    """What decides the glyphs: the font file's contents (the same on every server that has the
    same font, wherever it is installed) and the layout engine."""
    path = getattr(_font_at(name, 40), "path", None)
    if not name or not isinstance(path, str) or not os.path.exists(path):
        return "built-in"
    with open(path, "rb") as font_file:
        digest = hashlib.sha256(font_file.read()).hexdigest()
    return f"{digest}:{_font_at(name, 40).layout_engine}"


def _is_unicode_font() -> bool:
    return _font_identity(_font_name()) != "built-in"


def _has_glyph(char: str) -> bool:
    return _has_glyph_in(_font_name(), char)


@cache
def _has_glyph_in(name: str, char: str) -> bool:
    font = _font_at(name, 40)
    # The font draws every character it lacks as the same "missing glyph" box.
    return bytes(font.getmask(char)) != bytes(font.getmask("\uffff"))


_RIGHT_TO_LEFT = ("R", "AL", "AN")


def _drawable(text: str) -> str:
    """The text reduced to what the font can draw, whitespace collapsed (see the module docstring)."""
    unicode_font = _is_unicode_font()
    # A Unicode font draws accented letters as they are; the built-in one only their base letter.
    text = unicodedata.normalize("NFC" if unicode_font else "NFKD", text or "")
    ordered = unicode_font and _font(40).layout_engine == ImageFont.Layout.RAQM
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # control and format characters (bidi overrides, ZWJ)
        elif unicodedata.combining(char) and not unicode_font:
            continue  # accents NFKD split off, which the built-in font cannot place
        elif unicodedata.bidirectional(char) in _RIGHT_TO_LEFT and not ordered:
            continue  # without libraqm, right-to-left text would be drawn backwards
        elif _has_glyph(char):
            kept.append(char)
        elif char in _FOLDED and _has_glyph(_FOLDED[char][0]):
            kept.append(_FOLDED[char])
    return " ".join("".join(kept).split())


def _fit_quote(text: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    for size in QUOTE_SIZES:
        font = _font(size)
        max_lines = max(1, (height - size) // round(size * LINE_SPACING) + 1)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    return font, _shorten(lines, max_lines, font, width)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        # A word wider than the line on its own is broken by characters.
        while font.getlength(word) > width:
            cut = _longest_prefix(word, font, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _longest_prefix(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if font.getlength(text[:mid]) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def _shorten(lines: list[str], max_lines: int, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Keep ``max_lines`` lines, the last ending with an ellipsis after a whole word."""
    kept = lines[:max_lines]
    last = kept[-1]
    while True:
        if font.getlength(last + ELLIPSIS) <= width:
            break
        if " " in last:
            last = last.rsplit(" ", 1)[0]
        else:
            last = last[: _longest_prefix(last, font, width - int(font.getlength(ELLIPSIS)))]
            break
    kept[-1] = last.rstrip(" ,;:.-") + ELLIPSIS
    return kept


def _one_line(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    return _shorten(_wrap(text, font, width), 1, font, width)[0]


def _paste_circle(card: Image.Image, photo: bytes) -> None:
    face = square_image(photo, size=PHOTO_DIAMETER)
    ring = 8
    x, y = PHOTO_CENTER[0] - PHOTO_DIAMETER // 2, PHOTO_CENTER[1] - PHOTO_DIAMETER // 2
    outer = PHOTO_DIAMETER + 2 * ring
    card.paste(Image.new("RGB", (outer, outer), ACCENT), (x - ring, y - ring), _circle_mask(outer))
    card.paste(face, (x, y), _circle_mask(PHOTO_DIAMETER))


def _circle_mask(diameter: int) -> Image.Image:
    scale = 4  # drawn 4× larger and scaled down: a smooth edge
    mask = Image.new("L", (diameter * scale, diameter * scale), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, mask.width - 1, mask.height - 1), fill=255)
    return mask.resize((diameter, diameter), Image.Resampling.LANCZOS)
