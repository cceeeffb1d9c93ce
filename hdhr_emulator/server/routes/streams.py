"""The stream routes: ``/auto/vN``, ``/tunerT/vN`` and ``/iptv/channel/N.ts``.

A tune attaches a viewer to the channel's session in the playout engine and copies its bytes to
the socket until the client leaves (or ``?duration=`` runs out). Failures are HDHomeRun-style:
the status, ``X-HDHomeRun-Error`` and an empty body; a refusal no HDHomeRun code describes (a bad
``duration``, an unknown tuner) says why in ``X-Retrovue-Error`` instead, still with no body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from quart import Quart, Response, request

from hdhr_emulator.errors import TunerBusyError
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.playout.session import ChannelSession
from hdhr_emulator.playout.viewer import Viewer
from hdhr_emulator.server.log_limiter import OncePerPeriod
from hdhr_emulator.server.routes.stream_request import (
    UNKNOWN_CHANNEL,
    Rejection,
    parse_stream_request,
)

log = logging.getLogger(__name__)


def stream_headers() -> dict[str, str]:
    return {"Content-Type": "video/mp2t", "Cache-Control": "no-cache", "Connection": "close"}


def hdhr_error(status: int, code: int, reason: str) -> Response:
    """An HDHomeRun-style failure: the status, ``X-HDHomeRun-Error`` and an EMPTY body
    (Jellyfin copies any body it gets into its stream buffer as if it were video)."""
    return Response(
        b"", status=status, headers={"X-HDHomeRun-Error": f"{code} {reason}", "Content-Length": "0"}
    )


def refusal(rejection: Rejection, refusals: OncePerPeriod) -> Response:
    """A refused stream URL: its status, an empty body (see :func:`hdhr_error`) and the reason
    in ``X-HDHomeRun-Error`` when an HDHomeRun code fits, else in ``X-Retrovue-Error``."""
    refusals.event(
        f"{rejection.status}", f"{request.method} {request.path[:80]} refused: {rejection.reason}"
    )
    headers = {"Content-Length": "0", "X-Retrovue-Error": rejection.reason}
    if rejection.hdhomerun_error is not None:
        headers = {"Content-Length": "0", "X-HDHomeRun-Error": rejection.hdhomerun_error}
    return Response(b"", status=rejection.status, headers=headers)


async def relay(
    engine: PlayoutEngine,
    session: ChannelSession,
    viewer: Viewer,
    duration: float | None,
    arrived: float,
) -> AsyncIterator[bytes]:
    """The response body: the viewer's bytes until it closes, the client leaves or
    ``duration`` s pass. The engine is told when the first bytes are written (the tune-in
    latency, from ``arrived``) and when the viewer leaves; the viewer is always detached."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration if duration else None
    tuned = False
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
            yield data  # resumes once the ASGI server has written it
            if not tuned:
                tuned = True
                engine.tuned_in(session, viewer, time.monotonic() - arrived)
    finally:
        if tuned:
            engine.tuned_out(session, viewer, time.monotonic() - arrived)
        session.detach(viewer)


def register_stream_routes(app: Quart, engine: PlayoutEngine) -> None:
    # a client (or a scan of the LAN) repeating a bad URL is one line a minute, not one a request
    refusals = OncePerPeriod(log, level=logging.INFO)

    @app.route("/auto/v<number>", methods=["GET", "HEAD"])
    @app.route("/tuner<tuner>/v<number>", methods=["GET", "HEAD"])
    @app.route("/iptv/channel/<number>.ts", methods=["GET", "HEAD"])
    async def stream(number: str, tuner: str | None = None) -> Response:
        """Tune a channel. Unknown query parameters (Plex's ``?transcode=``) are ignored;
        ``?duration=<s>`` ends the response after that many seconds. HEAD is checked like GET
        but takes no tuner."""
        arrived = time.monotonic()  # tune-in latency: from here to the first byte written
        parsed = parse_stream_request(
            number, tuner, request.args.get("duration"), engine.pool.count
        )
        if isinstance(parsed, Rejection):
            return refusal(parsed, refusals)
        if not engine.has_channel(parsed.channel):
            unknown = Rejection(404, UNKNOWN_CHANNEL, f"no channel {parsed.channel}")
            return refusal(unknown, refusals)
        if request.method == "HEAD":  # answer without taking a tuner
            return Response(b"", status=200, headers=stream_headers())
        try:
            session, viewer = await engine.tune(
                parsed.channel, request.remote_addr or "", parsed.tuner
            )
        except TunerBusyError as busy:
            return hdhr_error(503, busy.code, busy.reason)
        body = relay(engine, session, viewer, parsed.duration, arrived)
        response = Response(body, status=200, headers=stream_headers())
        response.timeout = None
        return response
