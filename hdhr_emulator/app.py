"""The Quart application: routes only; each one asks a service for bytes and returns them.

Later parts of the device (streams, the HDHomeRun API) register their routes here too, so there
is one app and one error boundary: a :class:`~lineup.errors.RetrovueError` escaping a route
becomes a plain-text status with one line, never a traceback page.
"""

from __future__ import annotations

import logging

from quart import Quart, Response, request

from hdhr_emulator.guide_service import GuideService
from lineup.errors import RetrovueError, UnknownChannelError

log = logging.getLogger(__name__)


def base_url_of_request() -> str:
    """The address this client reached us on (scheme + host[:port]), for URLs we hand back."""
    return request.host_url.rstrip("/")


def create_app(guide: GuideService) -> Quart:
    app = Quart("retrovue")
    app.config["RESPONSE_TIMEOUT"] = None  # streams run as long as the client reads

    @app.errorhandler(RetrovueError)
    async def _retrovue_error(exc: RetrovueError) -> Response:
        status = 404 if isinstance(exc, UnknownChannelError) else 500
        log.warning("%s %s: %s", request.method, request.path, exc)
        return Response(f"{exc}\n", status=status, content_type="text/plain; charset=utf-8")

    @app.get("/xmltv.xml")
    async def xmltv() -> Response:
        body = guide.guide.xmltv_for(base_url_of_request())
        return Response(body, content_type="application/xml; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})

    @app.get("/iptv.m3u")
    @app.get("/lineup.m3u")
    async def m3u() -> Response:
        body = guide.guide.m3u_for(base_url_of_request())
        return Response(body, content_type="audio/x-mpegurl; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})

    return app
