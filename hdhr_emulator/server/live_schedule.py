"""The schedule the server is airing, kept published through the horizon.

Playout asks it what is on; the guide routes serve the rendering made with it. Both are
refreshed together (in a worker thread) so the guide and the air never disagree, and served
from memory: requests never rebuild them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from hdhr_emulator.server.guide_cache import RenderedGuide, render_guide
from hdhr_emulator.util import cancel_and_wait
from lineup.models import MediaItem
from lineup.schedule import Schedule
from lineup.schedule.overlay import OverlaidSchedule, OverrideWindow

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3600


class LiveSchedule:
    """Owns the live :class:`Schedule` (what playout airs) and its rendered guide; refreshes both
    hourly in a worker thread, so the event loop keeps streaming."""

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
        # the emergency overrides laid over the schedule (set by the override desk)
        self.overrides: Callable[[], Sequence[OverrideWindow]] = tuple

    @property
    def schedule(self) -> Schedule:
        """What airs: the published schedule with any active overrides laid over it (playout
        and the API both read this, so they cannot disagree)."""
        if self._schedule is None:
            raise RuntimeError("LiveSchedule.refresh() has not run yet")
        windows = self.overrides()
        return OverlaidSchedule(self._schedule, windows) if windows else self._schedule

    @property
    def guide(self) -> RenderedGuide:
        if self._guide is None:
            raise RuntimeError("LiveSchedule.refresh() has not run yet")
        return self._guide

    def refresh(self, now: float | None = None) -> None:
        """Publish the schedule through the horizon and re-render the guide (blocking)."""
        now = time.time() if now is None else now
        started = time.perf_counter()
        schedule = self.build_schedule(now)
        guide = render_guide(schedule, now, self.hours)
        items = {
            item.id: item
            for channel in schedule.channels
            for item in (*channel.programmes, *channel.filler)
        }
        self._schedule, self._guide, self._items = schedule, guide, items
        log.debug(
            "guide refreshed in %.2f s (%d channels, %d bytes)",
            time.perf_counter() - started,
            len(schedule.channels),
            len(guide.xmltv),
        )
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
        await cancel_and_wait(self._task)
        self._task = None

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:  # keep serving the last good guide; say why once per failure
                log.exception("guide refresh failed; serving the previous guide")
