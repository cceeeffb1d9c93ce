"""``/`` and ``/console/...``: the web console for browsers, device.xml for everything else.

``/`` is content-negotiated (:func:`~hdhr_emulator.server.console.negotiation.wants_html`):
only an ``Accept`` naming ``text/html`` gets the page, so tuner clients that read ``/`` keep
getting the UPnP description. Both answers carry ``Vary: Accept`` so no cache hands one to the
other. The console's own files are under ``/console/`` and are revalidated on each load
(``no-cache`` with an ETag), so an upgrade is seen at the next reload.
"""

from __future__ import annotations

from collections.abc import Callable

from quart import Quart, Response, request

from hdhr_emulator.server.console import INDEX_FILE, STATIC_DIR
from hdhr_emulator.server.console.files import load_static_files
from hdhr_emulator.server.console.negotiation import wants_html
from hdhr_emulator.server.routes.responses import text_error


def register_console_routes(app: Quart, root_document: Callable[[], Response] | None) -> None:
    """Add the console at ``/`` (for browsers) and its files; ``root_document`` answers
    everyone else at ``/`` (the device description), or ``/`` is a 404 for them without it."""
    files = load_static_files(STATIC_DIR)

    async def _file(name: str) -> Response:
        found = files.get(name)
        if found is None:
            return text_error(404, "not found")
        response = Response(
            found.body, content_type=found.content_type, headers={"Cache-Control": "no-cache"}
        )
        response.set_etag(found.etag)
        return await response.make_conditional(request)

    @app.get("/")
    async def root() -> Response:
        if wants_html(request.headers.get("Accept")):
            response = await _file(INDEX_FILE)
        elif root_document is not None:
            response = root_document()
        else:
            response = text_error(404, "not found")
        response.vary.add("Accept")
        return response

    @app.get("/console/")
    async def console_index() -> Response:
        return await _file(INDEX_FILE)

    @app.get("/console/<path:name>")
    async def console_file(name: str) -> Response:
        return await _file(name)
