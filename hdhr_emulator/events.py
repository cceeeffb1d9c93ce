"""The station's event stream: what happened (a tune, an item starting, the slate, a scan's
progress, an override), published once and read by every listener.

The playout engine, the scanner service and the override desk publish; the API's Server-Sent
Events route, the metrics and the log read. It lives at the package root because every layer
publishes into it and none of them may import the server. Publishing never blocks and never
fails: a listener that falls behind loses its oldest events (and is told how many), so a slow
browser tab cannot hold up a channel.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)

LISTENER_BACKLOG = 256  # events kept for a listener that is not reading; older ones are dropped


class EventKind(StrEnum):
    """What happened. The values are the SSE ``event:`` names; add kinds, never rename."""

    TUNE = "tune"  # a viewer joined a channel (data: address, tuner, latency_s)
    UNTUNE = "untune"  # a viewer left (data: address, bytes, seconds)
    SESSION_START = "session_start"  # a channel's session started on a tuner (data: tuner)
    SESSION_STOP = "session_stop"  # a channel's session stopped (data: tuner)
    ITEM_START = "item_start"  # an item went on air at a seam (data: item_id, title, kind)
    ITEM_FAILED = "item_failed"  # an item's ffmpeg failed or was late (data: title, reason)
    RESTART = "restart"  # an item's ffmpeg was restarted at the schedule position
    SLATE = "slate"  # the slate aired (data: seconds)
    SCAN_PROGRESS = "scan_progress"  # data: state, done, total
    SCAN_DONE = "scan_done"  # data: summary counts
    OVERRIDE_START = "override_start"  # data: the override
    OVERRIDE_END = "override_end"  # data: id
    ERROR = "error"  # data: message


@dataclass(frozen=True, slots=True)
class StationEvent:
    """One thing that happened; ``data`` holds JSON-ready values only."""

    id: int
    kind: EventKind
    at: float  # time.time()
    channel: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "at": self.at,
            "channel": self.channel,
            "data": dict(self.data),
        }


class BusClosed(Exception):
    """The bus was closed (the server is stopping): a listener gets no more events."""


Publish = Callable[..., object]  # publish(kind, channel=None, **data)


class EventBus:
    """Fan-out of :class:`StationEvent` to any number of listeners on one event loop."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._ids = itertools.count(1)
        self._listeners: set[_Listener] = set()
        self._taps: list[Callable[[StationEvent], None]] = []
        self._closed = False

    def publish(self, kind: EventKind, /, channel: int | None = None, **data: Any) -> StationEvent:
        """Record an event and hand it to every listener (never blocks, never raises).
        ``kind`` is positional-only so that ``data`` may hold a ``kind`` (an item's)."""
        event = StationEvent(next(self._ids), kind, self._clock(), channel, data)
        for tap in self._taps:
            try:
                tap(event)
            except Exception:  # a broken tap (metrics) must not stop a channel
                log.exception("event tap failed on %s", kind)
        for listener in self._listeners:
            listener.put(event)
        return event

    def tap(self, callback: Callable[[StationEvent], None]) -> None:
        """Call ``callback`` synchronously for every event (for counters such as metrics)."""
        self._taps.append(callback)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[_Listener]:
        """A listener for as long as the block runs: ``await listener.get()`` per event."""
        listener = _Listener()
        if self._closed:
            listener.close()
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)

    def close(self) -> None:
        """The server is stopping: each listener gets what it has queued, then ``get()``
        raises :class:`BusClosed`, so event streams end at once instead of holding the
        shutdown until the HTTP server cuts them off."""
        self._closed = True
        for listener in self._listeners:
            listener.close()

    async def async_stop(self) -> None:
        """:meth:`close`, as a server service's stop."""
        self.close()


class _Listener:
    def __init__(self) -> None:
        # None is the end: put by close(), after the events still queued
        self._queue: asyncio.Queue[StationEvent | None] = asyncio.Queue(LISTENER_BACKLOG + 1)
        self.dropped = 0  # events lost because this listener fell behind
        self._closed = False

    def put(self, event: StationEvent) -> None:
        if self._closed:
            return
        if self._queue.qsize() >= LISTENER_BACKLOG:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)  # the one slot above the backlog is kept for it

    async def get(self) -> StationEvent:
        """The next event; raises :class:`BusClosed` once the bus is closed and the events
        queued before are read."""
        event = await self._queue.get()
        if event is None:
            self._queue.put_nowait(None)  # every later get() ends too
            raise BusClosed
        return event
