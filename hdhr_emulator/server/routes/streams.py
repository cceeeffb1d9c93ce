"""The stream routes: ``/auto/vN``, ``/tunerT/vN`` and ``/iptv/channel/N.ts``.

A tune attaches a viewer to the channel's session in the playout engine and copies its bytes to
the socket until the client leaves (or ``?duration=`` runs out). Failures are HDHomeRun-style:
the status, ``X-HDHomeRun-Error`` and an empty body.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from quart import Quart, Response, request

from hdhr_emulator.errors import TunerBusyError
from hdhr_emulator.playout.engine import PlayoutEngine


def stream_headers() -> dict[str, str]:
    return {"Content-Type": "video/mp2t", "Cache-Control": "no-cache", "Connection": "close"}


def hdhr_error(status: int, code: int, reason: str) -> Response:
    """An HDHomeRun-style failure: the status, ``X-HDHomeRun-Error`` and an EMPTY body
    (Jellyfin copies any body it gets into its stream buffer as if it were video)."""
    return Response(
        b"", status=status, headers={"X-HDHomeRun-Error": f"{code} {reason}", "Content-Length": "0"}
    )


def _parse_duration(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None


def register_stream_routes(app: Quart, engine: PlayoutEngine) -> None:
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
