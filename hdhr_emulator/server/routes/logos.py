"""``/logos/<number><suffix>``: each channel's configured logo, where the guide and M3U say it is.

:func:`xmltv.urls.logo_url` publishes ``{base}/logos/{number}{suffix}`` for every channel with a
logo; this route serves that file (read in a worker thread) with its image type. The config
only accepts logo files (``logo = "logos/x.png"``, relative to the config file) and any channel
number TOML can hold, so the route takes up to 19 digits. A channel without a logo, or an
unknown one, is a 404.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path

from quart import Quart, Response

from hdhr_emulator.server.media_proxy import image_type
from lineup.schedule import Schedule

log = logging.getLogger(__name__)

_LOGO_NAME = re.compile(r"(?P<number>[0-9]{1,19})(?P<suffix>\.[A-Za-z0-9]{1,8})?")
_NOT_FOUND = Response(b"", status=404, headers={"Content-Length": "0"})


def _content_type(path: Path, data: bytes) -> str:
    sniffed = image_type(data)
    if sniffed != "application/octet-stream":
        return sniffed
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or sniffed  # e.g. image/svg+xml, which has no magic number


def register_logo_routes(app: Quart, schedule: Callable[[], Schedule]) -> None:
    @app.route("/logos/<name>", methods=["GET", "HEAD"])
    async def logo(name: str) -> Response:
        match = _LOGO_NAME.fullmatch(name)
        if match is None:
            return _NOT_FOUND
        number = int(match["number"])
        channel = next((c for c in schedule().channels if c.number == number), None)
        if channel is None or not channel.logo:
            return _NOT_FOUND
        path = Path(channel.logo)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            log.warning("channel %d: cannot read its logo %s: %s", number, path, exc)
            return _NOT_FOUND
        return Response(
            data, content_type=_content_type(path, data), headers={"Cache-Control": "max-age=3600"}
        )
