"""Find one file's break points: its chapter marks, else its black-and-silent moments."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import av
import av.container

from lineup.breaks.black import black_runs
from lineup.breaks.chapters import chapter_starts
from lineup.breaks.result import BreakScan
from lineup.breaks.runs import Run
from lineup.breaks.silence import silent_runs
from lineup.probe import open_options

log = logging.getLogger(__name__)

EDGE_SECONDS = 60.0  # ignored at each end of the file
MIN_SILENCE = 0.3  # seconds; shorter silences are pauses in speech, not breaks
MAX_SILENCE = 30.0  # seconds; longer ones are a silent scene or a dead track, not a break
MIN_BREAK = 0.25  # seconds of black picture and silence together
CANDIDATES_PER_MINUTE = 1.0  # at most this many silences per media-minute are looked at
MIN_CANDIDATES = 8
_TIME_BASE = 1_000_000


class BreakScanError(Exception):
    """Internal: the file could not be read for break points (the scan logs it and goes on)."""


def find_breaks(path: Path | str, *, detect: bool = True) -> BreakScan:
    """The chapter marks of the programme at ``path``, else (with ``detect``) its black-and-silent
    moments. Raises BreakScanError if the file cannot be opened or decoded."""
    open_input: Callable[..., av.container.InputContainer] = av.open  # see probe.open_options
    try:
        with open_input(str(path), mode="r", **open_options()) as container:
            return _look(container, detect)
    except (av.FFmpegError, OSError) as exc:
        raise BreakScanError(str(exc)) from exc


def find_breaks_or_reason(path: str, detect: bool) -> BreakScan | str:
    """:func:`find_breaks`, with any failure turned into a one-line reason (the scan logs it
    and goes on: a file that cannot be read for breaks still airs, without them)."""
    try:
        return find_breaks(path, detect=detect)
    except BreakScanError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a decoder's surprise must not end a library scan
        log.debug("unexpected error looking for breaks in %s", path, exc_info=True)
        return f"{type(exc).__name__}: {exc}"


def find_breaks_chunk(paths: list[str], detect: bool) -> list[BreakScan | str]:
    """The pool's unit of work (module-level, so a process pool can import it)."""
    return [find_breaks_or_reason(path, detect) for path in paths]


def _look(container: av.container.InputContainer, detect: bool) -> BreakScan:
    start = container.start_time / _TIME_BASE if container.start_time is not None else 0.0
    duration = container.duration / _TIME_BASE if container.duration else 0.0
    marks = chapter_starts(container, duration)
    if marks:
        return BreakScan(marks, chapters=True)
    if not detect:
        return BreakScan()
    return BreakScan(detect_breaks(container, start, duration), detected=True)


def detect_breaks(
    container: av.container.InputContainer, start_time: float, duration: float
) -> tuple[float, ...]:
    """The middles of the black-and-silent runs, away from both ends of the file."""
    within = Run(EDGE_SECONDS, duration - EDGE_SECONDS)
    audio = next(iter(container.streams.audio), None)
    video = next(iter(container.streams.video), None)
    if audio is None or video is None or within.length <= 0:
        return ()
    for stream in (audio, video):
        stream.codec_context.thread_count = 1  # the scan runs one detection per CPU already
    silences = [
        run
        for found in silent_runs(container, audio, within, start_time)
        if (run := found.overlap(within)) is not None and MIN_SILENCE <= run.length <= MAX_SILENCE
    ]
    limit = max(MIN_CANDIDATES, int(CANDIDATES_PER_MINUTE * duration / 60))
    if len(silences) > limit:  # a quiet film: look at the longest silences only
        silences = sorted(sorted(silences, key=lambda run: -run.length)[:limit], key=_start)
    points = []
    for silence in silences:
        dark = [run for run in black_runs(container, video, silence, start_time) if run.length]
        best = max(dark, key=lambda run: run.length, default=None)
        if best is not None and best.length >= MIN_BREAK:
            points.append(round(best.middle, 3))
    log.debug("%d silences, %d black and silent", len(silences), len(points))
    return tuple(points)


def _start(run: Run) -> float:
    return run.start
