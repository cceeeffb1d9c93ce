"""An overload scenario: tune channel after channel of an expensive profile on one server, and
see which tune is refused and whether the channels that run keep real time.

Shared by ``tests/hdhr_emulator/server/test_overload.py`` (``--tuners auto`` must refuse a tune
before the running channels slow down) and ``benchmarks.bench_overload`` (the same with a fixed
tuner count, before/after). Loopback only; every viewer is closed before it returns.
"""

from __future__ import annotations

import bisect
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.playout.ts.packets import PACKET_SIZE, PCR_HZ, read_pcr, wrap_delta
from tests.support.streaming import BackgroundViewer, Capture, wait_for

# 1080p at veryfast costs most of a core per channel here: two or three saturate two cores.
HEAVY_PROFILE = '[profile]\nresolution = "1920x1080"\nfps = 25\npreset = "veryfast"\n'


def heavy_library(root: Path, channels: int, make_clip: Callable[..., Path]) -> str:
    """``channels`` one-show channels of 10 s clips under ``root``: their [[channel]] tables."""
    tables = []
    for number in range(1, channels + 1):
        make_clip(root / f"Show {number}" / f"Show {number} - S01E01.mp4", 10.0)
        tables.append(
            f'[[channel]]\nnumber = {number}\nname = "Show {number}"\n'
            f'shows = ["Show {number}"]\nfiller = {{ items = 0 }}\n'
        )
    return "\n".join(tables)


@dataclass(frozen=True, slots=True)
class Tune:
    channel: int
    status: int
    error: str  # X-HDHomeRun-Error, "" if none
    speed: float  # media seconds per wall second once settled (0.0 if refused)


def media_speed(capture: Capture, since: float) -> float:
    """Media seconds per wall second from the first PCR that arrived after ``since`` (seconds
    from the request) to the last one: 1.0 is real time, below it the viewer starves."""
    data = memoryview(capture.data)
    ends = [n for _, n in capture.arrivals]
    points: list[tuple[float, int]] = []
    for at in range(0, len(data) - len(data) % PACKET_SIZE, PACKET_SIZE):
        pcr = read_pcr(data, at)
        if pcr is None:
            continue
        index = bisect.bisect_right(ends, at)
        if index < len(capture.arrivals) and capture.arrivals[index][0] >= since:
            points.append((capture.arrivals[index][0], pcr))
    if len(points) < 2 or points[-1][0] - points[0][0] < 1.0:
        return 0.0
    (t0, first), (t1, last) = points[0], points[-1]
    media = wrap_delta(last // 300, first // 300) * 300 / PCR_HZ
    return media / (t1 - t0)


def tune_until_refused(
    port: int, channels: int, settle: float, watch: float
) -> tuple[list[Tune], bool]:
    """Tune 1, 2, … ``settle`` s apart until one is refused (or all run); then watch every
    running channel for ``watch`` more seconds. Returns each tune and whether one was refused.
    Speeds are measured over the last ``watch`` seconds only (after every burst)."""
    viewers: list[tuple[int, BackgroundViewer, float]] = []
    refused: Tune | None = None
    started = time.monotonic()
    with contextlib.ExitStack() as stack:  # every viewer leaves, whatever happens
        for number in range(1, channels + 1):
            viewer = stack.enter_context(BackgroundViewer(port, f"/auto/v{number}", timeout=30))
            capture = _answer(viewer)
            if capture.status != 200:
                error = capture.headers.get("x-hdhomerun-error", "")
                refused = Tune(number, capture.status, error, 0.0)
                break
            viewers.append((number, viewer, time.monotonic() - started))
            time.sleep(settle)
        time.sleep(watch)
        measure_from = time.monotonic() - started - watch
        tunes = [
            Tune(number, 200, "", media_speed(viewer.leave(), measure_from - began))
            for number, viewer, began in viewers
        ]
    return tunes + ([refused] if refused else []), refused is not None


def _answer(viewer: BackgroundViewer) -> Capture:
    """The response once its status is known (the first bytes of a stream, or a refusal)."""
    assert wait_for(lambda: viewer.capture is not None, 30), "no answer to a tune"
    assert viewer.capture is not None
    return viewer.capture
