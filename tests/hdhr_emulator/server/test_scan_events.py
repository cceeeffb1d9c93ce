"""A library re-scan on the event stream: progress from the scan's worker thread reaches the
bus at most four times a second (the last report always), then one scan_done with the counts
or the reason it failed."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.server.rescan import ProgressCallback, RescanService, ScanController
from hdhr_emulator.server.scan_events import ScanReporter
from lineup.errors import RetrovueError
from lineup.scanner import ScanSummary
from tests.support.device_helpers import live_schedule, open_store
from tests.xmltv.builders import channel, episode


def scan_done(bus: EventBus) -> asyncio.Event:
    """Set when the bus carries a scan_done."""
    finished = asyncio.Event()
    bus.tap(lambda event: finished.set() if event.kind == EventKind.SCAN_DONE else None)
    return finished


def test_progress_is_throttled_to_the_interval_and_the_last_report_always_goes_out() -> None:
    async def main() -> list[StationEvent]:
        bus = EventBus()
        seen: list[StationEvent] = []
        bus.tap(seen.append)
        now = [0.0]
        reporter = ScanReporter(bus.publish, interval=0.25, clock=lambda: now[0])
        for done in range(1, 101):  # 100 files, one every 10 ms: 1 s of scanning
            now[0] = done * 0.01
            reporter.progress(done, 100)
        await asyncio.sleep(0)  # reports are handed to the loop (call_soon_threadsafe)
        return seen

    seen = asyncio.run(main())
    done = [e.data["done"] for e in seen]
    # one at once, then one per 0.25 s, and the last one even though it is within 0.25 s
    assert done == [1, 26, 51, 76, 100]
    assert seen[-1].data == {"state": "scanning", "done": 100, "total": 100, "progress": 100}
    assert all(e.kind == EventKind.SCAN_PROGRESS and e.channel is None for e in seen)


def test_a_scan_publishes_its_progress_from_the_worker_thread_and_its_counts() -> None:
    """Thousands of progress reports from another thread as fast as it can: at most 4 a
    second reach the bus (plus the first and the last), then scan_done with the summary."""
    worker_threads: set[int] = set()

    async def rescan(progress: ProgressCallback) -> ScanSummary:
        def scan() -> ScanSummary:
            worker_threads.add(threading.get_ident())
            deadline = time.monotonic() + 0.6
            total = 0
            while time.monotonic() < deadline:
                total += 1
                progress(total, 10**9)
            progress(10**9, 10**9)
            return ScanSummary(added=3, updated=1, removed=2, unchanged=40)

        return await asyncio.to_thread(scan)

    async def main() -> tuple[list[StationEvent], float]:
        bus = EventBus()
        seen: list[StationEvent] = []
        bus.tap(seen.append)
        finished = scan_done(bus)
        controller = ScanController(rescan, lambda: 7, min_seconds=0.0, publish=bus.publish)
        started = time.monotonic()
        controller.start()
        async with asyncio.timeout(30):
            await finished.wait()
        elapsed = time.monotonic() - started
        await controller.async_stop()
        return seen, elapsed

    seen, elapsed = asyncio.run(main())
    assert threading.get_ident() not in worker_threads  # the reports came from elsewhere
    progress = [e for e in seen if e.kind == EventKind.SCAN_PROGRESS]
    assert 2 <= len(progress) <= 4 * elapsed + 2
    assert progress[-1].data["done"] == progress[-1].data["total"]
    assert seen[-1].kind == EventKind.SCAN_DONE
    done = dict(seen[-1].data)
    assert done.pop("seconds") >= 0.6
    assert done == {
        "ok": True,
        "error": None,
        "added": 3,
        "updated": 1,
        "removed": 2,
        "unchanged": 40,
        "skipped": 0,
        "failures": [],
    }


def test_a_failed_scan_publishes_why() -> None:
    async def rescan(progress: ProgressCallback) -> ScanSummary:
        raise RetrovueError("media folder /srv/tv is not readable")

    async def main() -> list[StationEvent]:
        bus = EventBus()
        seen: list[StationEvent] = []
        bus.tap(seen.append)
        finished = scan_done(bus)
        controller = ScanController(rescan, lambda: 0, min_seconds=0.0, publish=bus.publish)
        controller.start()
        async with asyncio.timeout(30):
            await finished.wait()
        await controller.async_stop()
        return seen

    (event,) = asyncio.run(main())
    assert event.kind == EventKind.SCAN_DONE
    assert (event.data["ok"], event.data["error"]) == (
        False,
        "media folder /srv/tv is not readable",
    )


def test_the_periodic_rescan_is_published_too(tmp_path: Path) -> None:
    """``--rescan-hours``: a scan nobody asked for over HTTP still reaches the event stream."""
    with open_store(tmp_path) as store:
        guide = live_schedule(store, [channel(1, "Cheers", [episode("Cheers", 1, 1, "Pilot")])])

        def scan_library(progress: ProgressCallback) -> ScanSummary:
            progress(1, 1)
            return ScanSummary(unchanged=1)

        async def main() -> list[StationEvent]:
            bus = EventBus()
            seen: list[StationEvent] = []
            bus.tap(seen.append)
            finished = scan_done(bus)
            service = RescanService(
                scan_library, guide, every_hours=0.1 / 3600, publish=bus.publish
            )
            await service.async_start()
            try:
                async with asyncio.timeout(30):
                    await finished.wait()
            finally:
                await service.async_stop()
            return seen

        seen = asyncio.run(main())
    assert [e.kind for e in seen[:2]] == [EventKind.SCAN_PROGRESS, EventKind.SCAN_DONE]
    assert seen[1].data["unchanged"] == 1 and seen[1].data["ok"] is True
