"""URL converters for numbers that name database rows, shared by the API and the pages: a number past
what its column holds is no such row (404), never an overflow in the database."""

from werkzeug.routing import IntegerConverter

from engine.domain import MAX_ID, MAX_VERSION


class DatabaseId(IntegerConverter):
    """`<id:name>`: a row id (a BIGINT column)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **{"max": MAX_ID, **kwargs})


class VersionNumber(IntegerConverter):
    """`<version:number>`: a process version number (an INTEGER column)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **{"max": MAX_VERSION, **kwargs})


CONVERTERS = {"id": DatabaseId, "version": VersionNumber}


def bounded_number(text: str | None, maximum: int) -> int | None:
    """A form or query value read as these converters read a URL's: a whole number from 1 to `maximum` in ASCII
    digits, else None (str.isdigit() alone takes "²", which int() then refuses; a larger number overflows)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None
