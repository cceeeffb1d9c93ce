"""The one way a running server re-reads its library: on ``lineup.post?scan=start`` and every
few hours.

:class:`RescanService` runs :meth:`lineup.station.Station.scan` in a worker thread, one at a time,
then refreshes the live schedule, so new episodes (on disk or in Plex) join their channels after
the published guide without a restart. :class:`ScanController` is how ``lineup.post`` and
``lineup_status.json`` see it: Plex polls the status while a scan runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from hdhr_emulator.device.documents import ScanStatus
from hdhr_emulator.events import Publish
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.scan_events import ScanReporter
from hdhr_emulator.util import cancel_and_wait
from lineup.errors import RetrovueError
from lineup.scanner import ScanSummary

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
Rescan = Callable[[ProgressCallback], Awaitable[ScanSummary]]
"""Re-read the library and refresh the guide; reports ``(files probed, files to probe)``."""

MIN_SCAN_SECONDS = 1.5  # a scan shows as running at least this long, so a polling client sees it


class RescanService:
    """Re-scans with ``scan_library`` (blocking; run in a thread) then refreshes ``live``; one at
    a time. With ``every_hours`` > 0 it also re-scans on that period while the server runs."""

    def __init__(
        self,
        scan_library: Callable[[ProgressCallback], ScanSummary],
        live: LiveSchedule,
        every_hours: float = 0.0,
        publish: Publish | None = None,
        first_after: float | None = None,
    ):
        """``publish`` (the station's EventBus.publish) is told each scan's progress and result.
        ``first_after``: also re-scan this many seconds after start (``serve`` starts on a quick
        scan and leaves the slow search for break points to this one)."""
        self._scan_library = scan_library
        self._live = live
        self._period = every_hours * 3600
        self._first_after = first_after
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._publish = publish
        self.controller = ScanController(
            self.rescan, lambda: len(live.schedule.channels), publish=publish
        )
        """What ``lineup.post`` starts and ``lineup_status.json`` reports."""

    async def rescan(self, progress: ProgressCallback) -> ScanSummary:
        async with self._lock:
            summary = await asyncio.to_thread(self._scan_library, progress)
            for failure in summary.failures:
                log.warning("%s; keeping what was imported before", failure)
            await asyncio.to_thread(self._live.refresh)
            return summary

    async def async_start(self) -> None:
        if self._period > 0 or self._first_after is not None:
            self._task = asyncio.create_task(self._periodically(), name="periodic rescan")

    async def async_stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        await self.controller.async_stop()

    async def _periodically(self) -> None:
        wait = self._first_after if self._first_after is not None else self._period
        while wait > 0 or self._first_after is not None:
            await asyncio.sleep(wait)
            self._first_after = None
            wait = self._period
            reporter = ScanReporter(self._publish) if self._publish is not None else None
            try:
                summary = await self.rescan(
                    reporter.progress if reporter is not None else lambda done, total: None
                )
            except RetrovueError as exc:  # a failing source is logged by the scan itself
                log.warning("periodic re-scan failed: %s", exc)
                if reporter is not None:
                    reporter.done(None, str(exc))
                continue
            if reporter is not None:
                reporter.done(summary)
            log.info(
                "periodic re-scan: %d added, %d updated, %d removed",
                summary.added,
                summary.updated,
                summary.removed,
            )


class ScanController:
    """Runs ``lineup.post?scan=start`` as a library re-scan and reports it for
    ``lineup_status.json``.

    A scan shows as running for at least ``min_seconds`` (Plex polls the status and waits for
    ``ScanInProgress`` to return to 0). ``abort`` only stops reporting it: a re-scan that is
    reading files finishes in the background, and a new ``start`` meanwhile shows it again rather
    than starting a second one.
    """

    def __init__(
        self,
        rescan: Rescan | None,
        found: Callable[[], int],
        *,
        min_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        publish: Publish | None = None,
    ):
        """``publish`` (the station's EventBus.publish) is told each scan's progress and result."""
        self._rescan = rescan
        self._publish = publish
        self._found = found
        self._min_seconds = MIN_SCAN_SECONDS if min_seconds is None else min_seconds
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self._fraction = 0.0  # of the re-scan's work; set from the scan's worker thread
        self._shown = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._started = self._clock()
        self._shown = True
        if self.running:
            return
        self._fraction = 0.0
        self._task = asyncio.create_task(self._run(), name="lineup scan")

    def abort(self) -> None:
        self._shown = False

    def status(self) -> ScanStatus:
        if not self._shown:
            return ScanStatus()
        elapsed = self._clock() - self._started
        if not self.running and elapsed >= self._min_seconds:
            self._shown = False
            return ScanStatus()
        shown = min(self._fraction, elapsed / self._min_seconds)
        return ScanStatus(True, min(99, int(100 * shown)), self._found())

    def _on_progress(self, done: int, total: int) -> None:
        self._fraction = 0.9 * done / total if total else 0.9  # the guide refresh is the rest

    async def _run(self) -> None:
        reporter = ScanReporter(self._publish) if self._publish is not None else None
        summary: ScanSummary | None = None
        error: str | None = None

        def progress(done: int, total: int) -> None:  # the scan's worker thread
            self._on_progress(done, total)
            if reporter is not None:
                reporter.progress(done, total)

        try:
            if self._rescan is not None:
                summary = await self._rescan(progress)
                log.info(
                    "lineup scan: %d added, %d updated, %d removed, %d unchanged",
                    summary.added,
                    summary.updated,
                    summary.removed,
                    summary.unchanged,
                )
        except RetrovueError as exc:
            log.warning("lineup scan failed: %s", exc)
            error = str(exc)
        except Exception as exc:  # keep serving the old lineup; the traceback says what broke
            log.exception("lineup scan failed")
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._fraction = 1.0
        if reporter is not None:
            reporter.done(summary, error)

    async def async_stop(self) -> None:
        await cancel_and_wait(self._task)
