"""The guide files: ``/xmltv.xml`` (gzip when asked), ``/xmltv.xml.gz`` and the M3U playlist."""

from __future__ import annotations

from quart import Quart, Response, request

from hdhr_emulator.device.documents import GZIP_TYPE, XML_TYPE, accepts_gzip
from hdhr_emulator.server.guide_cache import GzipCache
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.routes.responses import BaseUrl, document

M3U_TYPE = "audio/x-mpegurl; charset=utf-8"


def register_guide_routes(app: Quart, live: LiveSchedule, base_url: BaseUrl) -> None:
    gzipped = GzipCache()

    @app.get("/xmltv.xml")
    async def xmltv() -> Response:
        rendered, base = live.guide, base_url()
        if accepts_gzip(request.headers.get("Accept-Encoding")):
            return document(
                await gzipped.get(rendered, base),
                XML_TYPE,
                **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return document(rendered.xmltv_for(base), XML_TYPE, Vary="Accept-Encoding")

    @app.get("/xmltv.xml.gz")
    async def xmltv_gz() -> Response:
        """A gzip *file*: no ``Content-Encoding``, so clients keep the bytes as they are."""
        return document(await gzipped.get(live.guide, base_url()), GZIP_TYPE)

    @app.get("/iptv.m3u")
    @app.get("/lineup.m3u")
    async def m3u() -> Response:
        return document(live.guide.m3u_for(base_url()), M3U_TYPE)
