"""The guide and playlist as served: rendered once per schedule refresh, gzipped once per address.

URLs inside are rendered against a placeholder host and swapped for the address each client
used, so one rendering serves every client, whether it reached us as ``localhost`` or by a LAN
address. ``/xmltv.xml.gz`` (and ``/xmltv.xml`` to a client sending ``Accept-Encoding: gzip``) is
compressed once per rendering and base URL, in a worker thread.
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass

from hdhr_emulator.device.documents import gzip_body
from lineup.models import Airing, Channel
from lineup.schedule import Schedule
from xmltv import render_m3u, render_xmltv

PLACEHOLDER_BASE = "http://retrovue.invalid"
GUIDE_PAST_SECONDS = 1800  # guides start at the half hour before now
GZIP_CACHE_ENTRIES = 4  # distinct base URLs (Host headers) kept gzipped per guide rendering


def with_base_url(rendered: bytes, base_url: str) -> bytes:
    """``rendered`` with the placeholder host replaced by the client's ``base_url``."""
    return rendered.replace(PLACEHOLDER_BASE.encode(), base_url.rstrip("/").encode())


@dataclass(frozen=True, slots=True)
class RenderedGuide:
    """One rendering of the guide and playlist, with the placeholder base URL inside."""

    xmltv: bytes
    m3u: bytes
    rendered_at: float

    def xmltv_for(self, base_url: str) -> bytes:
        return with_base_url(self.xmltv, base_url)

    def m3u_for(self, base_url: str) -> bytes:
        return with_base_url(self.m3u, base_url)


def render_guide(schedule: Schedule, now: float, hours: float) -> RenderedGuide:
    """Render the XMLTV guide for ``hours`` from the half hour before ``now``, and the M3U."""
    start = now - (now % GUIDE_PAST_SECONDS)
    stop = now + hours * 3600

    def airings_for(channel: Channel) -> list[Airing]:
        return schedule.airings(channel.number, start, stop, segments=False)

    xml = render_xmltv(schedule.channels, airings_for, base_url=PLACEHOLDER_BASE)
    m3u = render_m3u(schedule.channels, base_url=PLACEHOLDER_BASE).encode("utf-8")
    return RenderedGuide(xml, m3u, now)


class GzipCache:
    """The gzipped guide per base URL, for the current rendering only; compressed in a thread,
    once however many clients ask at the same time."""

    def __init__(self, entries: int = GZIP_CACHE_ENTRIES):
        self._size = entries
        self._guide: RenderedGuide | None = None
        self._bodies: collections.OrderedDict[str, asyncio.Future[bytes]] = (
            collections.OrderedDict()
        )

    async def get(self, guide: RenderedGuide, base_url: str) -> bytes:
        if guide is not self._guide:
            self._guide = guide
            self._bodies.clear()
        body = self._bodies.get(base_url)
        if body is None:
            body = asyncio.ensure_future(
                asyncio.to_thread(lambda: gzip_body(guide.xmltv_for(base_url)))
            )
            self._bodies[base_url] = body
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(base_url)
        try:
            return await asyncio.shield(body)  # a client leaving must not cancel the others' gzip
        except Exception:
            if self._bodies.get(base_url) is body:
                del self._bodies[base_url]
            raise
