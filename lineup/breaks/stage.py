"""The scan's break-point stage: after probing, look at each programme file not looked at yet.

Which files: local episodes and movies whose current version has no stored result (new or
changed files, and files catalogued before break points existed), and, when detection is on,
those looked at only for chapters while it was off. Each is read for chapter marks, and without
them (and with ``detect``) searched for black-and-silent moments, in the scan's worker pool.
Results are stored as they come in, so an interrupted scan keeps its work; a file that cannot be
read is stored as looked at (one log line), so it costs nothing again until it changes.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lineup.break_table import BreakJob
from lineup.breaks.find import find_breaks_chunk
from lineup.breaks.result import BreakScan
from lineup.catalog import Catalog
from lineup.worker_pool import PoolKind, run_in_pool

log = logging.getLogger(__name__)

STAGE = "Finding breaks"  # the progress display's label for this stage
_WRITE_INTERVAL = 2.0  # seconds between two writes of results


class Work(Protocol):
    """The pool's function: one result (or a failure's reason) per path."""

    def __call__(self, paths: list[str], detect: bool) -> list[BreakScan | str]: ...


@dataclass(frozen=True, slots=True)
class BreakSummary:
    """What the stage did: files looked at, and of those, with chapters, with detected breaks,
    and that could not be read."""

    looked: int = 0
    chapters: int = 0
    detected: int = 0
    failed: int = 0


def find_all_breaks(
    catalog: Catalog,
    roots: Sequence[Path | str],
    *,
    detect: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    workers: int | None = None,
    executor: str = "auto",
    work: Work = find_breaks_chunk,
) -> BreakSummary:
    """Look at every programme file under ``roots`` that needs it; see the module docstring.

    ``on_stage(STAGE)`` then ``on_progress(done, total)`` per file are called only when there
    is something to do. ``work`` is the pool's function (tests swap in a failing one).
    """
    jobs = catalog.breaks.todo(roots, detect=detect)
    if not jobs:
        catalog.breaks.prune()
        return BreakSummary()
    kind, size = _pool(len(jobs), workers, executor, detect)
    log.info("breaks: looking at %d files (%s, %d workers)", len(jobs), kind, size)
    if on_stage is not None:
        on_stage(STAGE)
    if on_progress is not None:
        on_progress(0, len(jobs))
    chapters = detected = failed = 0
    pending: list[tuple[BreakJob, BreakScan]] = []
    last_write = time.monotonic()
    run = functools.partial(work, detect=detect)
    paths = [job.path for job in jobs]
    results = run_in_pool(run, paths, kind, size, on_broken="leave", chunk=1)
    for done, (index, result) in enumerate(results, start=1):
        if isinstance(result, str):
            log.warning("no break points for %s: %s", paths[index], result)
            failed += 1
            result = BreakScan(detected=detect)
        chapters += result.chapters
        detected += bool(result.detected and result.points)
        pending.append((jobs[index], result))
        if time.monotonic() - last_write >= _WRITE_INTERVAL:
            catalog.breaks.record(pending)
            pending, last_write = [], time.monotonic()
        if on_progress is not None:
            on_progress(done, len(jobs))
    catalog.breaks.record(pending)
    catalog.breaks.prune()
    return BreakSummary(len(jobs), chapters, detected, failed)


def _pool(count: int, workers: int | None, executor: str, detect: bool) -> tuple[PoolKind, int]:
    """Decoding takes seconds per file, so detection uses processes (a busy Python thread, the
    server's event loop say, must not share a GIL with it) unless told otherwise; reading
    chapters alone takes a millisecond, so threads do."""
    cpus = os.cpu_count() or 1
    kind: PoolKind = "thread"
    if executor == "process" or (executor == "auto" and detect and count > 1 and cpus > 1):
        kind = "process"
    default = cpus if kind == "process" else min(32, 2 * cpus)
    return kind, max(1, min(workers or default, count))
