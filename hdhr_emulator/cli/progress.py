"""Progress and summaries on the terminal: tqdm bars on stderr for scans and the demo render, and
the one-line summary a scan prints. The library reports ``(done, total)``; only the CLI draws."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Never

from tqdm import tqdm

from lineup.scanner import ScanSummary
from lineup.station import Station

log = logging.getLogger(__name__)


class _ProgressBar:
    """tqdm bars on stderr driven by ``(done, total)`` callbacks, one bar per stage (folders,
    each Plex server); silent when stderr is not a terminal."""

    def __init__(self, description: str, unit: str):
        self.description = description
        self.unit = unit
        self.bar: tqdm[Never] | None = None

    def stage(self, description: str) -> None:
        self.close()
        self.description = description

    def update(self, done: float, total: float) -> None:
        bar = self.bar
        if bar is None:
            bar = self.bar = tqdm(
                total=total,
                desc=self.description,
                unit=self.unit,
                file=sys.stderr,
                disable=None,
                dynamic_ncols=True,
                leave=False,
            )
        bar.total = total
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextlib.contextmanager
def progress_bar(description: str, unit: str) -> Iterator[Callable[[float, float], None]]:
    bar = _ProgressBar(description, unit)
    try:
        yield bar.update
    finally:
        bar.close()


def scan_with_progress(station: Station, *, strict: bool = True) -> ScanSummary:
    bar = _ProgressBar("Scanning", "items")
    try:
        return station.scan(bar.update, strict=strict, on_source=bar.stage)
    finally:
        bar.close()


def catch_up(station: Station) -> ScanSummary:
    """Scan before listing or serving; a source that cannot be read (Plex down) only warns:
    what it imported before is still in the catalog."""
    summary = scan_with_progress(station, strict=False)
    for failure in summary.failures:
        print(f"warning: {failure}; using what was imported before", file=sys.stderr)
    return summary


def print_summary(summary: ScanSummary, took: float) -> None:
    print(
        f"Scanned in {took:.1f} s: {summary.added} added, {summary.updated} updated, "
        f"{summary.removed} removed, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped"
    )
    for plex in summary.plex:
        print(
            f"  Plex {plex.server} ({', '.join(plex.sections) or 'no sections'}): "
            f"{plex.added} added, {plex.updated} updated, {plex.removed} removed, "
            f"{plex.unchanged} unchanged in {plex.requests} requests"
        )
    breaks = summary.breaks
    if breaks.looked:
        print(
            f"  break points: {breaks.looked} programmes looked at, {breaks.chapters} with "
            f"chapters, {breaks.detected} with black-and-silent breaks"
            + (f", {breaks.failed} unreadable" if breaks.failed else "")
        )
    if summary.loudness.measured:
        failed = summary.loudness.failed
        print(
            f"  loudness: {summary.loudness.measured} files measured"
            + (f", {failed} unreadable" if failed else "")
        )
    for skipped in summary.skipped:
        print(f"  skipped {skipped.path}: {skipped.reason}")
    if summary.total_skipped > len(summary.skipped):
        print(f"  ({summary.total_skipped} unplayable files in the catalog in all)")


def scan_before_serving(station: Station) -> None:
    """Catch up with the library; a Plex server that cannot be reached only warns, so the
    channels go on the air with what was imported before."""
    started = time.perf_counter()
    summary = catch_up(station)
    if summary.added or summary.updated or summary.removed or summary.skipped:
        print_summary(summary, time.perf_counter() - started)
