"""Large JSON answers leave gzipped when the client accepts it.

The channel list and the guide of a 500-channel station are 0.3-0.6 MB of JSON, most of the
console's first load; they compress about tenfold. Small answers are left alone (gzip would cost
more than it saves) and so are streams (the event stream) and pictures. Compression runs in a
worker thread so that a big guide never holds up the event loop a channel is paced by.
"""

from __future__ import annotations

import asyncio
import gzip

from quart import Blueprint, Response, request

MIN_BYTES = 8 * 1024  # below this gzip saves less than a packet or two
LEVEL = 5  # most of level 9's saving for a third of its time


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def register(blueprint: Blueprint) -> None:
    @blueprint.after_request
    async def _gzip(response: Response) -> Response:
        if (
            response.status_code != 200
            or response.mimetype != "application/json"
            or "Content-Encoding" in response.headers
            or not _accepts_gzip(request.headers.get("Accept-Encoding", ""))
        ):
            return response
        body = await response.get_data(as_text=False)
        if len(body) < MIN_BYTES:
            return response
        packed = await asyncio.to_thread(gzip.compress, body, LEVEL)
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
