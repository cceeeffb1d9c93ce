"""The scan's loudness stage: measure each local file not measured in its current version.

Runs after probing and break finding, in the scan's worker pool (processes, like break
detection: decoding takes seconds per file and must not share a GIL with the server's event
loop). Results are stored as they come in, so an interrupted scan keeps its work; a file that
cannot be read is stored as measured with no value (one log line), so it is not retried until it
changes, and airs at unity gain.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lineup.break_table import BreakJob
from lineup.breaks.stage import _pool
from lineup.catalog import Catalog
from lineup.loudness import Loudness, measure_chunk
from lineup.worker_pool import run_in_pool

log = logging.getLogger(__name__)

STAGE = "Measuring loudness"  # the progress display's label for this stage
_WRITE_INTERVAL = 2.0  # seconds between two writes of results

Work = Callable[[list[str]], list[Loudness | str]]


@dataclass(frozen=True, slots=True)
class LoudnessSummary:
    """What the stage did: files measured, and of those, that could not be read."""

    measured: int = 0
    failed: int = 0


def measure_all(
    catalog: Catalog,
    roots: Sequence[Path | str],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    workers: int | None = None,
    executor: str = "auto",
    work: Work = measure_chunk,
) -> LoudnessSummary:
    """Measure every local file under ``roots`` that needs it; see the module docstring.

    ``on_stage(STAGE)`` then ``on_progress(done, total)`` per file are called only when there
    is something to do.
    """
    jobs = catalog.loudness.todo(roots)
    if not jobs:
        catalog.loudness.prune()
        return LoudnessSummary()
    kind, size = _pool(len(jobs), workers, executor, True)
    log.info("loudness: measuring %d files (%s, %d workers)", len(jobs), kind, size)
    if on_stage is not None:
        on_stage(STAGE)
    if on_progress is not None:
        on_progress(0, len(jobs))
    failed = 0
    pending: list[tuple[BreakJob, Loudness]] = []
    last_write = time.monotonic()
    paths = [job.path for job in jobs]
    results = run_in_pool(work, paths, kind, size, on_broken="leave", chunk=1)
    for done, (index, result) in enumerate(results, start=1):
        if isinstance(result, str):
            log.warning("no loudness for %s: %s", paths[index], result)
            failed += 1
            result = Loudness(None, None)
        pending.append((jobs[index], result))
        if time.monotonic() - last_write >= _WRITE_INTERVAL:
            catalog.loudness.record(pending)
            pending, last_write = [], time.monotonic()
        if on_progress is not None:
            on_progress(done, len(jobs))
    catalog.loudness.record(pending)
    catalog.loudness.prune()
    return LoudnessSummary(len(jobs), failed)
