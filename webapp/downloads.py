"""Serving files the same way for the API and the pages: an attachment (whatever the bytes are, the browser
must not run them as a page of ours) and a process version's BPMN."""

from io import BytesIO

from flask import Response, request, send_file

from engine.filetypes import INLINE_TYPES


def attachment_response(view: dict, content: bytes) -> Response:
    """The file as a download; raster images inline when asked with ?inline=1."""
    inline = request.args.get("inline") == "1" and view["content_type"] in INLINE_TYPES
    mimetype = "text/plain; charset=utf-8" if view["content_type"] == "text/plain" else view["content_type"]
    response = send_file(BytesIO(content), mimetype=mimetype, as_attachment=not inline,
                         download_name=view["filename"], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def bpmn_download(xml: str, process_id: str, number: int) -> Response:
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{process_id}-v{number}.bpmn"',
        "X-Content-Type-Options": "nosniff"})
