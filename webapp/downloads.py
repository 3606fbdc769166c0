"""Serving files the same way for the API and the pages: an attachment (whatever the bytes are, the browser
must not run them as a page of ours) and a process version's BPMN."""

import re
import unicodedata
from io import BytesIO
from urllib.parse import quote

from flask import Response, request, send_file

from engine.filetypes import INLINE_TYPES

# What may stand in a quoted filename="…" for every client: printable ASCII without quotes and backslashes.
_NOT_PLAIN = re.compile(r'[^A-Za-z0-9 !#$%&\'()*+,\-.;=@\[\]^_`{}~]')


def _plain(text: str) -> str:
    """The text in ASCII: accents lose their marks, other characters become "_", none at either end."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_PLAIN.sub("_", ascii_text).strip(" _.")


def plain_name(filename: str, plain_stem: str) -> str:
    """An ASCII stand-in for a file name that keeps what it can: Fehler-ü.log -> Fehler-u.log, 日志.txt ->
    attachment.txt (plain_stem when nothing of the name's stem is left)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    plain_extension = _plain(extension)
    return (_plain(stem) or plain_stem) + (f".{plain_extension}" if plain_extension else "")


def content_disposition(disposition: str, filename: str, fallback: str) -> str:
    """`attachment; filename="…"` (RFC 6266); a name that is not plain ASCII goes in filename*=UTF-8''…, with
    the ASCII fallback in filename for older clients. Headers travel as Latin-1: a raw name outside it breaks
    the response."""
    if fallback == filename:
        return f'{disposition}; filename="{filename}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment_response(view: dict, content: bytes) -> Response:
    """The file as a download; raster images inline when asked with ?inline=1."""
    inline = request.args.get("inline") == "1" and view["content_type"] in INLINE_TYPES
    # Flask adds "; charset=utf-8" to a text/* type itself.
    response = send_file(BytesIO(content), mimetype=view["content_type"], max_age=0)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", view["filename"], plain_name(view["filename"], "attachment"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def bpmn_download(xml: str, process_id: str, number: int) -> Response:
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": content_disposition("attachment", f"{process_id}-v{number}.bpmn",
                                                   f"{_plain(process_id) or 'process'}-v{number}.bpmn"),
        "X-Content-Type-Options": "nosniff"})
