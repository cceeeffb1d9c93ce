"""A library re-scan on the station's event stream: ``scan_progress`` and ``scan_done``.

The scan reports progress from its worker thread, per file probed; the event bus belongs to the
event loop and is not thread-safe, so each report is handed to the loop, and at most four a
second are (a 100 000-file scan would otherwise flood every listener and push the interesting
events out of their backlogs). The last report (all files probed) always goes out.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from hdhr_emulator.events import EventKind, Publish
from lineup.scanner import ScanSummary

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25  # seconds between two scan_progress events (≤ 4/s)


class ScanReporter:
    """Publishes one scan's progress (from any thread) and its result (on the loop)."""

    def __init__(
        self,
        publish: Publish,
        *,
        interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._publish = publish
        self._interval = interval
        self._clock = clock
        self._loop = asyncio.get_running_loop()  # made on the loop the bus lives on
        self._last: float | None = None
        self._started = clock()

    def progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` files probed; safe to call from the scan's worker thread."""
        now = self._clock()
        finished = total > 0 and done >= total
        if not finished and self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        percent = int(100 * done / total) if total else 0
        self._send(
            EventKind.SCAN_PROGRESS, state="scanning", done=done, total=total, progress=percent
        )

    def done(self, summary: ScanSummary | None, error: str | None = None) -> None:
        """The scan ended (on the loop): its counts, or the one-line reason it failed."""
        counts: dict[str, Any] = {}
        if summary is not None:
            counts = {
                "added": summary.added,
                "updated": summary.updated,
                "removed": summary.removed,
                "unchanged": summary.unchanged,
                "skipped": len(summary.skipped),
                "failures": list(summary.failures),
            }
        self._publish(
            EventKind.SCAN_DONE,
            None,
            ok=error is None,
            error=error,
            seconds=round(self._clock() - self._started, 3),
            **counts,
        )

    def _send(self, kind: EventKind, **data: Any) -> None:
        call = functools.partial(self._publish, kind, None, **data)
        try:
            self._loop.call_soon_threadsafe(call)
        except RuntimeError:  # the loop closed under a scan still finishing: nobody listens
            log.debug("scan progress after the loop closed")
