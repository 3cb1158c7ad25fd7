import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageChops, features

from testimonials import cards
from testimonials.cards import BACKGROUND, card_fingerprint, render_share_card
from tests.conftest import need

BASE = {"quote": "Our mornings are calm now.", "attribution": "Maria G.", "program_title": "Sanity School"}


def photo_bytes(colour=(90, 140, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), colour).save(out, format="JPEG")
    return out.getvalue()


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_the_default_font_is_freetype_so_no_system_font_is_needed():
    assert features.check("freetype2")


def test_a_card_is_a_1200_by_630_png():
    png = render_share_card(**BASE, photo=photo_bytes())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = opened(png)
    assert image.format == "PNG"
    assert image.size == (1200, 630)


def test_rendering_is_deterministic():
    assert render_share_card(**BASE) == render_share_card(**BASE)
    assert render_share_card(**BASE, photo=photo_bytes()) == render_share_card(**BASE, photo=photo_bytes())


@pytest.mark.parametrize(
    "change",
    [
        {"quote": "Our mornings are calm now!"},
        {"attribution": "Maria"},
        {"program_title": "Sanity School II"},
        {"photo": photo_bytes()},
    ],
)
def test_any_different_input_gives_a_different_fingerprint_and_card(change):
    base = {**BASE, "photo": None}
    changed = {**base, **change}
    assert card_fingerprint(**changed) != card_fingerprint(**base)
    assert render_share_card(**changed) != render_share_card(**base)


def test_the_fingerprint_is_stable_and_follows_the_layout_version(monkeypatch):
    first = card_fingerprint(**BASE, photo=None)
    assert first == card_fingerprint(**BASE, photo=None)
    assert len(first) == 64
    # Fields are length-prefixed: moving text from one field to the next changes the key.
    assert card_fingerprint(quote="ab", attribution="c", program_title="", photo=None) != card_fingerprint(
        quote="a", attribution="bc", program_title="", photo=None
    )
    monkeypatch.setattr(cards, "LAYOUT_VERSION", "next")
    assert card_fingerprint(**BASE, photo=None) != first


def test_the_photo_appears_in_a_circle():
    image = opened(render_share_card(**BASE, photo=photo_bytes((0, 200, 0))))
    cx, cy = cards.PHOTO_CENTER
    assert image.getpixel((cx, cy)) == pytest.approx((0, 200, 0), abs=12)
    r = cards.PHOTO_DIAMETER // 2
    # The square's corner lies outside the circle (and its ring): background there.
    assert image.getpixel((cx - r + 2, cy - r + 2)) == BACKGROUND


def test_a_photo_that_is_not_an_image_is_refused():
    with pytest.raises(ValidationError):
        render_share_card(**BASE, photo=b"not an image")


def margins(image: Image.Image) -> list[Image.Image]:
    """The strips where no text may be drawn: right, bottom, top edge (the left has the accent bar)."""
    return [image.crop((1200 - 40, 0, 1200, 630)), image.crop((20, 630 - 12, 1200, 630)), image.crop((20, 0, 1200, 20))]


@pytest.mark.parametrize("photo", [None, "photo"])
def test_a_2000_character_quote_never_leaves_the_canvas(photo):
    quote = " ".join(["unbelievably"] * 100) + " " + "x" * 800
    assert len(quote) >= 2000
    image = opened(
        render_share_card(
            quote=quote,
            attribution="A graduate with a very long chosen name " * 5,
            program_title="A program title that goes on and on " * 10,
            photo=photo_bytes() if photo else None,
        )
    )
    blank = Image.new("RGB", (1200, 630), BACKGROUND)
    for strip in margins(image):
        assert ImageChops.difference(strip, blank.crop((0, 0, *strip.size))).getbbox() is None
    if photo:
        # The quote stays left of the photo's ring.
        left_of_ring = cards.PHOTO_CENTER[0] - cards.PHOTO_DIAMETER // 2 - 8
        gap = image.crop((left_of_ring - 40, 0, left_of_ring, cards.FOOTER_TOP - 10))
        assert ImageChops.difference(gap, blank.crop((0, 0, *gap.size))).getbbox() is None


def test_a_long_quote_is_cut_at_a_word_boundary_with_an_ellipsis():
    font, lines = cards._fit_quote("alpha beta gamma " * 200, 700, 300)
    assert font.size == min(cards.QUOTE_SIZES)
    assert lines[-1].endswith("…")
    assert lines[-1][:-1].split(" ")[-1] in {"alpha", "beta", "gamma"}
    assert all(font.getlength(line) <= 700 for line in lines)


def test_a_word_wider_than_a_line_is_broken():
    font, lines = cards._fit_quote("x" * 300, 400, 400)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 400 for line in lines)


@pytest.mark.parametrize(
    "quote",
    [
        "",
        "   ",
        "José and Zoë: très bien, straße",
        "هذا البرنامج غير حياتي",  # Arabic, right to left
        "התוכנית הזאת שינתה לי את החיים",  # Hebrew
        "这个课程改变了我的生活",
        "Loved it 😍🙏❤️👨‍👩‍👧",
        "\u202eoverride\u200b\u200dmarks\x00\x07",
        "line\nbreaks\tand\r\ntabs",
    ],
)
def test_unusual_quotes_do_not_crash(quote):
    image = opened(render_share_card(quote=quote, attribution="Maria", program_title="Program"))
    assert image.size == (1200, 630)


def needs_dejavu():
    need(cards._is_unicode_font(), "needs DejaVu Sans (apt-get install -y fonts-dejavu-core; .ci/run does)")


def test_with_the_unicode_font_accents_and_other_scripts_are_drawn_and_what_it_lacks_is_left_out():
    needs_dejavu()
    assert cards._drawable("José — Zoë 😍  straße") == "José — Zoë 😍 straße"  # DejaVu has a plain 😍
    assert cards._drawable("Наталья, Γιώργος") == "Наталья, Γιώργος"
    if features.check("raqm"):  # shaped and ordered right to left
        assert cards._drawable("هذا البرنامج") == "هذا البرنامج"
    assert cards._drawable("这个课程 changed us") == "changed us"  # no CJK glyphs: left out, never boxes


def test_an_accented_name_is_drawn_differently_from_its_plain_letters():
    needs_dejavu()
    card = {**BASE, "photo": None}
    assert render_share_card(**{**card, "attribution": "José"}) != render_share_card(**{**card, "attribution": "Jose"})


@pytest.mark.parametrize("font", ["", "/no/such/font.ttf"])
def test_without_a_unicode_font_the_built_in_font_folds_or_leaves_out_what_it_lacks(settings, font):
    settings.SHARE_CARD_FONT = font
    assert cards._drawable("José — Zoë 😍  straße") == "Jose - Zoe strasse"
    assert cards._drawable("هذا 😍") == ""
    image = opened(render_share_card(**BASE, photo=None))
    assert image.size == (1200, 630)


def test_the_font_is_part_of_the_fingerprint(settings):
    needs_dejavu()
    with_dejavu = card_fingerprint(**BASE, photo=None)
    settings.SHARE_CARD_FONT = ""
    assert card_fingerprint(**BASE, photo=None) != with_dejavu


def test_an_empty_quote_still_shows_attribution_and_program():
    image = opened(render_share_card(quote="", attribution="A graduate", program_title="Sanity School"))
    footer = image.crop((0, cards.FOOTER_TOP + 20, 1200, 630))
    assert ImageChops.difference(footer, Image.new("RGB", footer.size, BACKGROUND)).getbbox() is not None
