"""HTTP routes for media-server items: the loopback part proxy (for our ffmpeg) and artwork.

Both fetch from Plex with the token in a header (see :mod:`hdhr_emulator.server.media_proxy`)
and pass on only what the client needs: status, type, length and range headers, never Plex's
own headers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import httpx
from quart import Quart, Response, request

from hdhr_emulator.server.media_proxy import ArtworkCache, MediaProxy, Upstream, image_type
from hdhr_emulator.util import is_loopback
from lineup.models import MediaItem

log = logging.getLogger(__name__)

_PASSED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "Last-Modified",
    "ETag",
)
_MAX_ARTWORK_BYTES = 20 * 1024 * 1024
ItemLookup = Callable[[int], MediaItem | None]


def _empty(status: int) -> Response:
    return Response(b"", status=status, headers={"Content-Length": "0"})


def register_media_routes(
    app: Quart, media: MediaProxy, artwork: ArtworkCache, lookup: ItemLookup
) -> None:
    """The part proxy for our ffmpeg and the artwork route for guide readers."""

    @app.route("/internal/plex/<int:index>/<path:part>", methods=["GET", "HEAD"])
    async def plex_part(index: int, part: str) -> Response:
        """A part of a catalogued item, for our own ffmpeg only (loopback clients with an
        unexpired signature); Range requests pass through."""
        if not is_loopback(request.remote_addr):
            log.warning("refused a media proxy request from %s", request.remote_addr)
            return _empty(403)
        upstream = media.verify_part(
            index, part, request.args.get("exp", ""), request.args.get("sig", "")
        )
        if upstream is None:
            return _empty(403)
        return await _proxy_part(media, upstream)

    @app.route("/artwork/<int:item_id>", methods=["GET", "HEAD"])
    async def item_artwork(item_id: int) -> Response:
        """An item's poster, fetched from Plex with the token server-side and cached."""
        item = lookup(item_id)
        upstream = media.artwork_upstream(item) if item is not None else None
        if upstream is None:
            return _empty(404)
        data = artwork.read(upstream)
        if data is None:
            data = await _fetch_artwork(media, upstream)
            if data is None:
                return _empty(404)
            artwork.write(upstream, data)
        headers = {
            "Content-Type": image_type(data),
            "Content-Length": str(len(data)),
            "Cache-Control": "public, max-age=86400",
        }
        return Response(b"" if request.method == "HEAD" else data, headers=headers)


async def _proxy_part(media: MediaProxy, upstream: Upstream) -> Response:
    """Stream ``upstream`` to the client, passing on status, type, length and range only."""
    headers = upstream.headers()
    if "Range" in request.headers:
        headers["Range"] = request.headers["Range"]
    client = media.client(upstream)
    outgoing = client.build_request(request.method, upstream.url, headers=headers)
    try:
        answer = await client.send(outgoing, stream=True)
    except httpx.HTTPError as exc:
        log.warning("Plex part unavailable: %s", media.describe(upstream, exc))
        return _empty(502)
    if answer.status_code not in (200, 206):
        await answer.aclose()
        log.warning("Plex answered %d for a part of %s", answer.status_code, upstream.server.url)
        status = 416 if answer.status_code == 416 else 502
        return _empty(status)
    passed = {name: answer.headers[name] for name in _PASSED_HEADERS if name in answer.headers}
    if request.method == "HEAD":
        await answer.aclose()
        return Response(b"", status=answer.status_code, headers=passed)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:  # Plex went away mid-file: ffmpeg sees a short read
            log.warning("Plex part cut off: %s", media.describe(upstream, exc))
        finally:
            await answer.aclose()

    response = Response(body(), status=answer.status_code, headers=passed)
    response.timeout = None
    return response


async def _fetch_artwork(media: MediaProxy, upstream: Upstream) -> bytes | None:
    try:
        answer = await media.client(upstream).get(upstream.url, headers=upstream.headers())
    except httpx.HTTPError as exc:
        log.warning("artwork unavailable: %s", media.describe(upstream, exc))
        return None
    if answer.status_code != 200 or len(answer.content) > _MAX_ARTWORK_BYTES:
        log.warning("Plex answered %d for artwork from %s", answer.status_code, upstream.server.url)
        return None
    return answer.content
