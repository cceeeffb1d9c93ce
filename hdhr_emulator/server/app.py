"""The Quart application: routes only; each one asks a service for bytes and returns them.

The stream routes live here; the guide, lineup and device documents are registered by
:func:`hdhr_emulator.server.routes.device.register_routes`. There is one app and one error boundary: a
:class:`~lineup.errors.RetrovueError` escaping a route becomes a plain-text status with one
line, never a traceback page.
"""

from __future__ import annotations

import logging

import asyncio
from collections.abc import AsyncIterator

from quart import Quart, Response, request

from hdhr_emulator.server.live_schedule import GuideService
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.routes.device import Rescan, register_routes
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.server.media_proxy import ArtworkCache, RemoteMedia
from hdhr_emulator.server.routes.media import register_remote_routes
from lineup.errors import RetrovueError, TunerBusyError, UnknownChannelError

log = logging.getLogger(__name__)


def stream_headers() -> dict[str, str]:
    return {"Content-Type": "video/mp2t", "Cache-Control": "no-cache", "Connection": "close"}


def hdhr_error(status: int, code: int, reason: str) -> Response:
    """An HDHomeRun-style failure: the status, ``X-HDHomeRun-Error`` and an EMPTY body
    (Jellyfin copies any body it gets into its stream buffer as if it were video)."""
    return Response(b"", status=status, headers={"X-HDHomeRun-Error": f"{code} {reason}",
                                                 "Content-Length": "0"})


def create_app(
    guide: GuideService,
    engine: PlayoutEngine | None = None,
    device: DeviceSettings | None = None,
    rescan: Rescan | None = None,
    remote: RemoteMedia | None = None,
) -> Quart:
    """The app serving ``guide`` (and with ``engine`` its streams and tuner status, with
    ``device`` the HDHomeRun identity documents; ``rescan`` runs ``lineup.post?scan=start``;
    ``remote`` serves media-server parts to our ffmpeg and their artwork to guide readers)."""
    app = Quart("retrovue")
    app.config["RESPONSE_TIMEOUT"] = None  # streams run as long as the client reads

    @app.errorhandler(RetrovueError)
    async def _retrovue_error(exc: RetrovueError) -> Response:
        status = 404 if isinstance(exc, UnknownChannelError) else 500
        log.warning("%s %s: %s", request.method, request.path, exc)
        return Response(f"{exc}\n", status=status, content_type="text/plain; charset=utf-8")

    register_routes(app, guide, engine=engine, device=device, rescan=rescan)
    if engine is not None:
        _add_stream_routes(app, engine)
    if remote is not None and engine is not None:
        artwork = ArtworkCache(engine.settings.data_dir / "artwork")
        register_remote_routes(app, remote, artwork, guide.item)
    return app


def _parse_duration(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None


def _add_stream_routes(app: Quart, engine: PlayoutEngine) -> None:
    @app.route("/auto/v<number>", methods=["GET", "HEAD"])
    @app.route("/tuner<int:tuner>/v<number>", methods=["GET", "HEAD"])
    @app.route("/iptv/channel/<number>.ts", methods=["GET", "HEAD"])
    async def stream(number: str, tuner: int | None = None) -> Response:
        """Tune a channel. Unknown query parameters (Plex's ``?transcode=``) are ignored;
        ``?duration=<s>`` ends the response after that many seconds."""
        try:
            channel = int(number)
        except ValueError:
            return hdhr_error(404, 801, "Unknown Channel")
        if not engine.has_channel(channel):
            return hdhr_error(404, 801, "Unknown Channel")
        if request.method == "HEAD":  # answer without taking a tuner
            return Response(b"", status=200, headers=stream_headers())
        try:
            session, viewer = await engine.tune(channel, request.remote_addr or "", tuner)
        except TunerBusyError as busy:
            return hdhr_error(503, busy.code, busy.reason)
        duration = _parse_duration(request.args.get("duration"))

        async def body() -> AsyncIterator[bytes]:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + duration if duration else None
            try:
                while True:
                    if deadline is None:
                        data = await viewer.next_chunk()
                    else:
                        left = deadline - loop.time()
                        if left <= 0:
                            break
                        try:
                            async with asyncio.timeout(left):  # not wait_for: gh-86296
                                data = await viewer.next_chunk()
                        except TimeoutError:
                            break
                    if not data:
                        break
                    yield data
            finally:
                session.detach(viewer)

        response = Response(body(), status=200, headers=stream_headers())
        response.timeout = None
        return response
