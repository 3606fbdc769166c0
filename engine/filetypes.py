"""What an uploaded file is, judged by its bytes — never by the name or type the client sent — and a
file name that is safe to show and to offer for download."""

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from engine.i18n import lazy

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Raster images may be shown inline; nothing else is ever rendered by the browser from our origin.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
TEXT_SUFFIXES = frozenset({".txt", ".log", ".csv", ".json", ".md", ".xml"})
ALLOWED_DESCRIPTION = lazy("PNG, JPEG, GIF or WebP images, PDF documents, or UTF-8 text (.txt, .log, .csv, .json, .md, "
                           ".xml)")


def detect_type(content: bytes, filename: str) -> str | None:
    """The content type of an allowed file, or None when the bytes are of no allowed kind."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if PurePosixPath(filename.lower()).suffix in TEXT_SUFFIXES and _is_text(content):
        return "text/plain"
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_filename(name: str | None, fallback: str = "attachment") -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name  # drops both kinds of directories
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base)
                      if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not cleaned:
        return fallback
    if len(cleaned) > 200:
        suffix = PurePosixPath(cleaned).suffix[:20]
        cleaned = cleaned[: 200 - len(suffix)] + suffix
    return cleaned
