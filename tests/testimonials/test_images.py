import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from testimonials.images import process_photo


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def halves(width: int, height: int, left=(255, 0, 0), right=(0, 0, 255)) -> Image.Image:
    """Left half one colour, right half another: shows where a crop or a rotation went."""
    image = Image.new("RGB", (width, height), left)
    image.paste(right, (width // 2, 0, width, height))
    return image


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height but carries almost no data: a cheap decompression bomb."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def refused(data, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        process_photo(data, **kwargs)
    return caught.value


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_allowed_formats_become_a_square_rgb_jpeg(fmt):
    result = process_photo(encode(halves(800, 600), fmt))
    image = opened(result)
    assert image.format == "JPEG"
    assert image.size == (512, 512)
    assert image.mode == "RGB"


def test_the_crop_is_centred_and_the_size_is_configurable():
    # 300 wide, 100 high: the centre square is x 100..200, half red, half blue.
    image = opened(process_photo(encode(halves(300, 100), "PNG"), size=64))
    assert image.size == (64, 64)
    red, _, blue = image.getpixel((4, 32))
    assert red > 200 and blue < 60
    red, _, blue = image.getpixel((60, 32))
    assert blue > 200 and red < 60


def test_exif_orientation_is_applied_and_every_bit_of_metadata_is_dropped():
    photo = halves(400, 400)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned, "rotate 90° clockwise to view"
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)  # latitude of somebody's home
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    upload = encode(photo, "JPEG", exif=exif.tobytes(), comment=b"private note")
    assert b"SecretCam" in upload and b"private note" in upload

    result = process_photo(upload)
    image = opened(result)
    # Rotated 90° clockwise: the left (red) half is now on top, the blue half at the bottom.
    top, bottom = image.getpixel((256, 10)), image.getpixel((256, 500))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert not image.getexif()
    assert not {"exif", "icc_profile", "comment", "dpi", "xmp"} & set(image.info)
    for marker in (b"Exif", b"SecretCam", b"private note", b"ICC_PROFILE", b"http://ns.adobe.com/xap"):
        assert marker not in result


def test_transparency_becomes_white():
    image = opened(process_photo(encode(Image.new("RGBA", (100, 100), (0, 0, 0, 0)), "PNG"), size=32))
    assert min(image.getpixel((16, 16))) > 245


def test_a_django_upload_works_and_is_read_from_the_start():
    upload = SimpleUploadedFile("me.png", encode(halves(100, 100), "PNG"), content_type="image/png")
    upload.read()  # a form may have read it already
    assert opened(process_photo(upload)).size == (512, 512)


def test_too_large_a_file_is_refused_before_decoding():
    error = refused(b"\xff\xd8" + b"\0" * 2_000, max_bytes=1_000)
    assert error.code == "too_large"
    assert "too large" in error.messages[0]


def test_a_file_like_is_never_read_past_the_limit():
    class Endless(io.RawIOBase):
        read_sizes = []

        def readable(self):
            return True

        def read(self, n=-1):
            assert n != -1, "read everything"
            self.read_sizes.append(n)
            return b"\0" * n

    error = refused(Endless(), max_bytes=10_000)
    assert error.code == "too_large"
    assert Endless.read_sizes == [10_001]


def test_a_declared_upload_size_over_the_limit_is_refused_without_reading():
    upload = SimpleUploadedFile("big.jpg", b"x")
    upload.size = 6 * 1024 * 1024
    assert refused(upload).code == "too_large"


def test_an_empty_file_is_refused():
    assert refused(b"").code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"hello, I am a text file renamed to photo.jpg\n" * 20,
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        b"\xff\xd8\xff",  # a JPEG signature and nothing else
    ],
)
def test_things_that_are_not_images_are_refused_by_content(data):
    error = refused(SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg"))
    assert error.code in {"not_an_image", "corrupt"}
    assert "JPEG, PNG or WebP" in error.messages[0] or "damaged" in error.messages[0]


def test_a_text_file_named_jpg_is_not_an_image():
    error = refused(SimpleUploadedFile("photo.jpg", b"just some text, honest", content_type="image/jpeg"))
    assert error.code == "not_an_image"
    assert error.messages == ["This file is not a photo we can read. Please upload a JPEG, PNG or WebP image."]


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused(fmt):
    error = refused(encode(Image.new("RGB", (32, 32)), fmt))
    assert error.code == "not_an_image"


def test_gif_is_refused_with_its_own_message():
    error = refused(encode(Image.new("P", (32, 32)), "GIF"))
    assert error.code == "format_not_allowed"
    assert error.messages == ["GIF images are not accepted. Please upload a JPEG, PNG or WebP photo."]


def test_a_gif_javascript_polyglot_is_refused():
    polyglot = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=1;alert(document.domain);//" + b"\0" * 20
    assert refused(polyglot).code in {"format_not_allowed", "corrupt", "not_an_image"}


def test_bytes_appended_to_a_real_jpeg_do_not_survive():
    payload = b"<?php system($_GET['c']); ?>"
    result = process_photo(encode(halves(64, 64), "JPEG") + payload)
    assert payload not in result
    assert opened(result).size == (512, 512)


def test_a_declared_10000_by_10000_png_is_refused_before_its_pixels_are_decoded():
    bomb = png_header(10_000, 10_000)
    assert len(bomb) < 200
    error = refused(bomb)
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "This image is too big to process (10,000 × 10,000 pixels). Please upload one of at most 25 megapixels."
    ]


def test_pillows_own_bomb_guard_is_turned_into_a_refusal(recwarn):
    # Over Pillow's warning threshold but under our (raised) limit: the warning must not pass.
    huge = png_header(20_000, 5_000)  # 100 megapixels > Image.MAX_IMAGE_PIXELS (~89M)
    assert refused(huge, max_pixels=10**9).code == "too_many_pixels"
    # Over twice Pillow's limit: DecompressionBombError.
    assert refused(png_header(20_000, 20_000), max_pixels=10**9).code == "too_many_pixels"
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_a_zero_size_image_is_refused():
    error = refused(png_header(0, 10))
    assert error.code in {"no_pixels", "corrupt", "not_an_image"}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_file_is_refused_as_damaged(fmt):
    noisy = Image.effect_noise((300, 300), 64).convert("RGB")
    data = encode(noisy, fmt)
    error = refused(data[: len(data) // 2])
    assert error.code in {"corrupt", "not_an_image"}
    if error.code == "corrupt":
        assert error.messages == ["This photo is damaged or incomplete. Please upload it again, or choose another one."]


def test_a_corrupt_png_body_is_refused():
    data = bytearray(encode(Image.effect_noise((200, 200), 64), "PNG"))
    data[60:120] = b"\xaa" * 60  # inside the compressed pixel data
    assert refused(bytes(data)).code == "corrupt"


def test_truncated_images_are_not_silently_padded(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        process_photo(encode(halves(64, 64), "PNG"))


def test_a_large_phone_photo_is_processed():
    photo = Image.effect_noise((4000, 3000), 40).convert("RGB")
    result = process_photo(encode(photo, "JPEG", quality=70), max_bytes=20 * 1024 * 1024)
    assert opened(result).size == (512, 512)
