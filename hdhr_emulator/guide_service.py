"""Keeps the published schedule and the rendered guide/playlist fresh for the HTTP app.

The guide is rendered once per refresh (in a worker thread, so the event loop keeps streaming)
and served from memory: requests never rebuild it. URLs inside it are rendered against a
placeholder host and swapped for the address each client used, so one rendering serves every
client, whether it reached us as ``localhost`` or by a LAN address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from lineup.models import Airing, Channel, MediaItem
from lineup.schedule import Schedule
from xmltv import render_m3u, render_xmltv

log = logging.getLogger(__name__)

PLACEHOLDER_BASE = "http://retrovue.invalid"
GUIDE_PAST_SECONDS = 1800  # guides start at the half hour before now
REFRESH_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class RenderedGuide:
    """One rendering of the guide and playlist, with the placeholder base URL inside."""

    xmltv: bytes
    m3u: bytes
    rendered_at: float

    def xmltv_for(self, base_url: str) -> bytes:
        return self.xmltv.replace(PLACEHOLDER_BASE.encode(), base_url.rstrip("/").encode())

    def m3u_for(self, base_url: str) -> bytes:
        return self.m3u.replace(PLACEHOLDER_BASE.encode(), base_url.rstrip("/").encode())


def render_guide(schedule: Schedule, now: float, hours: float) -> RenderedGuide:
    """Render the XMLTV guide for ``hours`` from the half hour before ``now``, and the M3U."""
    start = now - (now % GUIDE_PAST_SECONDS)
    stop = now + hours * 3600

    def airings_for(channel: Channel) -> list[Airing]:
        return schedule.airings(channel.number, start, stop, segments=False)

    xml = render_xmltv(schedule.channels, airings_for, base_url=PLACEHOLDER_BASE)
    m3u = render_m3u(schedule.channels, base_url=PLACEHOLDER_BASE).encode("utf-8")
    return RenderedGuide(xml, m3u, now)


class GuideService:
    """Owns the live :class:`Schedule` and its rendered guide; refreshes both periodically."""

    def __init__(self, build_schedule: Callable[[float], Schedule], hours: float):
        self.build_schedule = build_schedule  # publishes and returns the schedule at an instant
        self.hours = hours
        self._schedule: Schedule | None = None
        self._guide: RenderedGuide | None = None
        self._task: asyncio.Task[None] | None = None
        self._items: dict[int, MediaItem] = {}
        self._started = False
        # called (in the refreshing thread) after each refresh once the server is up, e.g. to
        # ask Plex's DVR to re-read the guide
        self.after_refresh: list[Callable[[], object]] = []  # what they return is ignored

    @property
    def schedule(self) -> Schedule:
        if self._schedule is None:
            raise RuntimeError("GuideService.refresh() has not run yet")
        return self._schedule

    @property
    def guide(self) -> RenderedGuide:
        if self._guide is None:
            raise RuntimeError("GuideService.refresh() has not run yet")
        return self._guide

    def refresh(self, now: float | None = None) -> None:
        """Publish the schedule through the horizon and re-render the guide (blocking)."""
        now = time.time() if now is None else now
        started = time.perf_counter()
        schedule = self.build_schedule(now)
        guide = render_guide(schedule, now, self.hours)
        items = {item.id: item for channel in schedule.channels
                 for item in (*channel.programmes, *channel.filler)}
        self._schedule, self._guide, self._items = schedule, guide, items
        log.debug("guide refreshed in %.2f s (%d channels, %d bytes)",
                  time.perf_counter() - started, len(schedule.channels), len(guide.xmltv))
        if self._started:
            for listener in self.after_refresh:
                try:
                    listener()
                except Exception:  # a listener must never cost us the fresh guide
                    log.exception("after-refresh hook failed")

    def item(self, item_id: int) -> MediaItem | None:
        """An item of the current lineup by catalog id (for its artwork)."""
        return self._items.get(item_id)

    async def async_start(self) -> None:
        if self._guide is None:
            await asyncio.to_thread(self.refresh)
        self._started = True
        self._task = asyncio.create_task(self._refresh_forever(), name="guide-refresh")

    async def async_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:  # keep serving the last good guide; say why once per failure
                log.exception("guide refresh failed; serving the previous guide")
