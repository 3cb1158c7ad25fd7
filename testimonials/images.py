"""Testimonial photos: check an upload and turn it into a clean square JPEG.

:func:`process_photo` is the only entry point. Everything it refuses raises
``django.core.exceptions.ValidationError`` with a message meant for the student and a ``code``
meant for the caller (``empty``, ``too_large``, ``not_an_image``, ``format_not_allowed``,
``too_many_pixels``, ``no_pixels``, ``corrupt``).

Order matters for safety:

1. the byte size is checked before anything is decoded (and a file is never read past it);
2. the type is sniffed from the content by Pillow, restricted to a few parsers — never taken
   from the file name or the browser's content type;
3. the declared pixel count (read from the header only) is checked before pixel data is
   decoded, so a 50 kB PNG declaring 100,000 × 100,000 pixels costs nothing;
4. the pixels are decoded (a truncated or corrupt file fails here), turned upright from the
   EXIF orientation, cropped to a centred square, resized, and copied into a brand-new image,
   so no EXIF (GPS!), ICC profile, comment or trailing bytes of the upload can reach the output.

Accepted formats: JPEG (including the MPO variant phones write), PNG, WebP. GIF is refused: a
portrait is not a GIF, and an animation would silently lose all frames but one. HEIC is refused
too (iPhones convert to JPEG when uploading through a browser).
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import BinaryIO

from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
SIZE = 512
JPEG_QUALITY = 85

#: Pillow format names accepted, and how the student is told about them.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
_ALLOWED_TEXT = "JPEG, PNG or WebP"
#: Parsers Pillow may try: the allowed ones, plus GIF so it can be refused with a clear message.
#: Every other parser stays out of reach of uploaded bytes.
_SNIFFED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # the JPEG parser also returns MPO


def process_photo(
    data: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    size: int = SIZE,
) -> bytes:
    """Return the upload as a ``size`` × ``size`` RGB JPEG without any metadata.

    ``data`` is the uploaded bytes or a binary file-like object (a Django ``UploadedFile``
    works; it is read from the start, and never more than ``max_bytes + 1`` bytes). The photo
    is turned upright from its EXIF orientation, then centre-cropped to a square; transparent
    areas become white. Raises ``ValidationError`` (see the module docstring) when the upload
    is empty, over ``max_bytes``, not an image, not JPEG/PNG/WebP, declares more than
    ``max_pixels`` pixels or none, or is truncated or corrupt.
    """
    clean = square_image(data, max_bytes=max_bytes, max_pixels=max_pixels, size=size)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def square_image(
    data: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    size: int = SIZE,
) -> Image.Image:
    """Like :func:`process_photo`, with the same checks, but return the clean RGB ``Image``.

    For callers that draw the photo into something else (the share card).
    """
    raw = _read_bounded(data, max_bytes)
    try:
        # Pillow's own bomb guard warns above Image.MAX_IMAGE_PIXELS at open and raises above twice
        # that. The warning is caught here, not printed and not ignored: it refuses the image.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=_SNIFFED_FORMATS) as image:
                _check_header(image, max_pixels)
                if any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                    raise _too_many_pixels(image.size, max_pixels)
                return _clean_square(image, size)
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise ValidationError(
            f"This file is not a photo we can read. Please upload a {_ALLOWED_TEXT} image.",
            code="not_an_image",
        ) from None
    except Image.DecompressionBombError:
        raise _too_many_pixels(None, max_pixels) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        # What Pillow raises for truncated or malformed data while decoding.
        raise ValidationError(
            "This photo is damaged or incomplete. Please upload it again, or choose another one.",
            code="corrupt",
        ) from None


def _read_bounded(data: bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        declared = getattr(data, "size", None)
        if isinstance(declared, int) and declared > max_bytes:
            raise _too_large(declared, max_bytes)
        if getattr(data, "seekable", lambda: False)():
            data.seek(0)
        # Never read more than one byte past the limit: a huge upload is refused, not buffered.
        raw = data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    if not raw:
        raise ValidationError("This file is empty. Please choose a photo.", code="empty")
    return raw


def _check_header(image: Image.Image, max_pixels: int) -> None:
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format} images are not accepted. Please upload a {_ALLOWED_TEXT} photo.",
            code="format_not_allowed",
        )
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ValidationError("This image has no pixels. Please choose another photo.", code="no_pixels")
    if width * height > max_pixels:
        raise _too_many_pixels(image.size, max_pixels)


def _clean_square(image: Image.Image, size: int) -> Image.Image:
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone switched Pillow to pad truncated files with grey; uploads must not be.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must be False to check uploads")
    if image.format in ("JPEG", "MPO"):
        # Let the JPEG decoder scale down while decoding: a 24-megapixel photo decodes at 1/4 or
        # 1/8 of the work, still at least `size` on each side.
        image.draft("RGB", (size, size))
    image.load()
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    upright = ImageOps.exif_transpose(image)
    rgb = _to_srgb(upright)
    square = ImageOps.fit(rgb, (size, size), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    # A fresh image carries nothing of the upload but its pixels (no exif, icc, comment, dpi).
    return Image.frombytes("RGB", square.size, square.tobytes())


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    rgb = image.convert("RGB")
    if profile:
        # The output has no profile, so colours are converted to sRGB, which viewers assume.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            rgb = ImageCms.profileToProfile(rgb, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # A broken profile: keep the pixels as they are.
    return rgb


def _too_large(actual: int, limit: int) -> ValidationError:
    return ValidationError(
        f"This photo is too large ({_megabytes(actual)}). Please upload one of at most {_megabytes(limit)}.",
        code="too_large",
    )


def _too_many_pixels(dimensions: tuple[int, int] | None, max_pixels: int) -> ValidationError:
    what = f" ({dimensions[0]:,} × {dimensions[1]:,} pixels)" if dimensions else ""
    return ValidationError(
        f"This image is too big to process{what}. Please upload one of at most {max_pixels / 1_000_000:g} megapixels.",
        code="too_many_pixels",
    )


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
