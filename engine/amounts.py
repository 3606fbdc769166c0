"""Amounts as they read in sentences, the same on every page, mail and error: file sizes in megabytes and
efforts in hours, with the reader's decimal sign (12,4 MB in German)."""

import math

from babel.numbers import format_decimal

from engine import i18n

MEGABYTE = 1024 * 1024  # the unit the upload limits are set and shown in


def megabytes(size: int) -> str:
    """12.4 MB, 10 MB: a size in megabytes to one decimal, rounded up so that a file over a limit never reads as
    the limit itself; a whole number shows no decimal."""
    tenths = math.ceil(size * 10 / MEGABYTE)
    return f"{format_decimal(tenths / 10, format='0.#', locale=i18n.locale())} MB"


def hours_text(hours) -> str:
    """An effort as people write it: 16, 12.5, 0.25 — a whole number without ".0"; anything else as it is."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
        return "—" if hours is None else str(hours)
    return format_decimal(hours, format="0.##", locale=i18n.locale())
