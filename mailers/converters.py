"""URL converters for the ids in our URLs (registered on import; every urls module imports this).

Django's ``int`` converter accepts any number of digits, so ``/t/99999999999999999999/card.png``
reaches the database and overflows it (SQLite raises OverflowError, PostgreSQL DataError: a
500). ``<id:...>`` matches ASCII digits only and refuses what no database id can be, so junk is a
404 before any view runs. It lives in the bottom layer so every app's URLs can use it.
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1  # BigAutoField's (and PostgreSQL bigint's) largest value


class IdConverter:
    regex = "[0-9]{1,19}"  # [0-9], not \d: \d would also match Unicode digits such as "²" or "٣"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not an id")  # Django's resolver treats ValueError as "no match": a 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


def parse_id(raw: object) -> int | None:
    """An id from a query string or form ("12"), or None for anything no row can have ("²", "-1", 2**64)."""
    text = str(raw or "")
    if text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None
