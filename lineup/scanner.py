"""Bring the catalog in line with the media folders: walk, compare, probe what changed, record.

A re-scan must be cheap enough to run at every start-up, so a file whose size and mtime match the
catalog is never opened: the walk is ``os.scandir`` (one ``stat`` per file) and the comparison is
one indexed query per root. Only new or changed files are probed, in parallel.

Threads or processes? PyAV drops the GIL inside FFmpeg's calls, so probe threads alone scale
like processes (2 vCPUs, 10 000 files: ~1 700 files/s either way). But a probe re-takes the GIL
dozens of times, and beside one busy Python thread (the server's event loop, say) each re-take
waits out the 5 ms switch interval: threaded probing fell from 1 650 to 126 files/s while a
process pool was unaffected (``python -m benchmarks.bench_scan --executor compare --busy``).
A pool of processes costs ~0.35 s to start, so big scans use processes and small ones threads.

Files that disappeared are removed from the catalog, but only under the roots being scanned, and
never under a sub-folder that could not be read this time (a flaky share must not empty a show).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal

from lineup.breaks.stage import BreakSummary, find_all_breaks
from lineup.catalog import Catalog, FileRecord, SkippedFile
from lineup.errors import ScanError
from lineup.local_metadata import refresh_metadata
from lineup.loudness_stage import LoudnessSummary, measure_all
from lineup.models import MediaInfo
from lineup.naming import ParsedName, is_hidden, is_video_file, parse_media_path
from lineup.nfo import is_nfo_file
from lineup.probe import ProbeError, probe
from lineup.worker_pool import PoolKind, run_in_pool

if TYPE_CHECKING:
    from lineup.plex.importer import PlexSummary

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
ExecutorKind = Literal["auto", "thread", "process"]

PROCESS_POOL_MIN_FILES = 500  # ~0.35 s of pool start-up is repaid from about here on
_WRITE_BATCH = 500  # records per catalog transaction: an interrupted first scan keeps its work
_WRITE_INTERVAL = 2.0  # seconds; or sooner, so a slow share still saves progress


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """What one scan changed.

    ``added`` and ``updated`` count playable files probed this scan (new paths / changed ones);
    ``skipped`` lists the files probed this scan that cannot be played; ``unchanged`` files were
    not opened at all; ``total_skipped`` is every unplayable file now in the catalog; ``ignored``
    counts video files no naming rule recognised (they are not catalogued).
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: tuple[SkippedFile, ...] = ()
    total_skipped: int = 0
    ignored: int = 0
    workers: int = 0  # size of the probe pool used (0: nothing needed probing)
    executor: str = ""  # "thread" or "process"
    seconds: float = 0.0
    plex: tuple[PlexSummary, ...] = ()  # per Plex server (its counts are in the totals above)
    failures: tuple[str, ...] = ()  # sources that could not be read this time (one line each)
    breaks: BreakSummary = BreakSummary()  # programme files looked at for break points
    loudness: LoudnessSummary = LoudnessSummary()  # files measured for loudness

    def with_plex(self, result: PlexSummary) -> ScanSummary:
        """This summary with one Plex server's import added to the totals."""
        return replace(
            self,
            added=self.added + result.added,
            updated=self.updated + result.updated,
            removed=self.removed + result.removed,
            unchanged=self.unchanged + result.unchanged,
            skipped=self.skipped + result.skipped,
            plex=(*self.plex, result),
            seconds=self.seconds + result.seconds,
        )

    @property
    def probed(self) -> int:
        """Files opened this scan: the rest matched their catalog fingerprint."""
        return self.added + self.updated + len(self.skipped)


@dataclass(frozen=True, slots=True)
class _Found:
    """A media file the walk found, with its fingerprint and what its name says it is."""

    path: str
    size: int
    mtime_ns: int
    name: ParsedName


@dataclass(slots=True)
class _Walk:
    """Everything one walk of the roots saw."""

    files: dict[str, _Found] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # folders whose contents are unknown
    ignored: int = 0
    nfos: dict[str, tuple[int, int]] = field(default_factory=dict)  # .nfo path -> (size, mtime)


def scan(
    catalog: Catalog,
    roots: Sequence[Path | str],
    on_progress: ProgressCallback | None = None,
    workers: int | None = None,
    *,
    executor: ExecutorKind = "auto",
    detect_breaks: bool = True,
    on_stage: Callable[[str], None] | None = None,
    measure_loudness: bool = True,
) -> ScanSummary:
    """Scan ``roots`` into ``catalog`` and say what changed.

    ``on_progress(done, total)`` is called once before probing and after each probed file;
    ``total`` counts only the files that need probing. ``workers`` defaults to the CPU count for
    processes and twice that for threads. Raises ScanError, before touching the catalog, if a
    root is missing or unreadable.

    Then the programme files not looked at yet are read for break points (chapter marks, else,
    with ``detect_breaks``, black-and-silent moments: :mod:`lineup.breaks.stage`), announced by
    ``on_stage("Finding breaks")`` and reported through ``on_progress`` as a second stage;
    then, with ``measure_loudness``, the files not measured yet (:mod:`lineup.loudness_stage`).
    """
    started = time.perf_counter()
    folders = [_check_root(root) for root in roots]
    walk = _Walk()
    for folder in folders:
        _walk_root(folder, walk)

    known: dict[str, tuple[int, int]] = {}
    for folder in folders:
        known.update(catalog.fingerprints(folder))
    todo = sorted(
        (f for f in walk.files.values() if known.get(f.path) != (f.size, f.mtime_ns)),
        key=lambda found: found.path,
    )
    removed = [
        path for path in known if path not in walk.files and not _under_any(path, walk.unreadable)
    ]
    log.info(
        "scan: %d files found, %d to probe, %d gone, %d ignored",
        len(walk.files), len(todo), len(removed), walk.ignored,
    )  # fmt: skip

    kind, size = _choose_pool(len(todo), workers, executor)
    added = updated = 0
    skipped: list[SkippedFile] = []
    pending: list[FileRecord] = []
    last_write = time.monotonic()
    if on_progress is not None:
        on_progress(0, len(todo))
    for done, (found, result) in enumerate(_probe_all(todo, kind, size), start=1):
        if isinstance(result, MediaInfo):
            record = FileRecord(found.path, found.size, found.mtime_ns, found.name, info=result)
            if found.path in known:
                updated += 1
            else:
                added += 1
        else:
            log.info("skipping %s: %s", found.path, result)
            record = FileRecord(
                found.path, found.size, found.mtime_ns, found.name, skip_reason=result
            )
            skipped.append(SkippedFile(found.path, result))
        pending.append(record)
        if len(pending) >= _WRITE_BATCH or time.monotonic() - last_write >= _WRITE_INTERVAL:
            catalog.apply(pending)
            pending, last_write = [], time.monotonic()
        if on_progress is not None:
            on_progress(done, len(todo))
    catalog.apply(pending, removed=removed)
    names = {path: found.name for path, found in walk.files.items()}
    refresh_metadata(catalog, folders, names, walk.nfos, {found.path for found in todo})

    breaks = find_all_breaks(
        catalog, folders, detect=detect_breaks, on_progress=on_progress, on_stage=on_stage,
        workers=workers, executor=executor,
    )  # fmt: skip
    loudness = LoudnessSummary()
    if measure_loudness:
        loudness = measure_all(
            catalog, folders, on_progress=on_progress, on_stage=on_stage, workers=workers,
            executor=executor,
        )  # fmt: skip
    return ScanSummary(
        added=added,
        updated=updated,
        removed=len(removed),
        unchanged=len(walk.files) - len(todo),
        skipped=tuple(skipped),
        total_skipped=catalog.skipped_count(),
        ignored=walk.ignored,
        workers=size if todo else 0,
        executor=kind if todo else "",
        seconds=time.perf_counter() - started,
        breaks=breaks,
        loudness=loudness,
    )


def probe_or_reason(path: str) -> MediaInfo | str:
    """Probe one file, turning any failure into the reason it is skipped.

    Runs in the pool workers. A ProbeError is the expected "unplayable" answer; anything else
    is a bug in PyAV or in us, and one strange file must not abort a scan of ten thousand, so
    it becomes a skip reason too (and a warning with the traceback).
    """
    try:
        return probe(path)
    except ProbeError as exc:
        return exc.reason
    except Exception as exc:  # noqa: BLE001 - the one place a broad catch is the design
        log.warning("unexpected error probing %s", path, exc_info=True)
        return f"probe failed: {type(exc).__name__}: {exc}"


def _probe_chunk(paths: list[str]) -> list[MediaInfo | str]:
    return [probe_or_reason(path) for path in paths]


def _check_root(root: Path | str) -> Path:
    folder = Path(os.path.abspath(os.path.expanduser(root)))
    try:
        with os.scandir(folder):
            pass
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise ScanError(f"media folder not found: {folder}") from exc
    except OSError as exc:
        raise ScanError(f"media folder not readable: {folder} ({exc.strerror or exc})") from exc
    return folder


def _walk_root(root: Path, walk: _Walk) -> None:
    """Depth-first ``os.scandir`` walk, following symlinks but never around a loop."""
    pure_root = PurePath(root)
    stack = [str(root)]
    visited: set[tuple[int, int]] = set()
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as entries:
                listing = list(entries)
        except OSError as exc:
            log.warning("cannot read %s (%s); keeping what the catalog knows of it", folder, exc)
            walk.unreadable.append(folder)
            continue
        for entry in listing:
            if is_hidden(entry.name):
                continue
            try:
                if entry.is_dir():
                    stack.append(entry.path)
                    continue
                if is_nfo_file(entry.name) and entry.is_file():
                    st = entry.stat()
                    walk.nfos[entry.path] = (st.st_size, st.st_mtime_ns)
                    continue
                if not is_video_file(entry.name) or not entry.is_file():
                    continue
                st = entry.stat()
            except OSError as exc:  # a dangling symlink, or a file gone mid-walk
                log.debug("cannot stat %s: %s", entry.path, exc)
                continue
            name = parse_media_path(PurePath(entry.path), pure_root)
            if name is None:
                log.debug("ignoring %s: no naming rule matches", entry.path)
                walk.ignored += 1
                continue
            walk.files[entry.path] = _Found(entry.path, st.st_size, st.st_mtime_ns, name)


def _under_any(path: str, folders: Sequence[str]) -> bool:
    return any(path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _choose_pool(count: int, workers: int | None, executor: ExecutorKind) -> tuple[PoolKind, int]:
    cpus = os.cpu_count() or 1
    kind: PoolKind
    if executor == "auto":
        kind = "process" if count >= PROCESS_POOL_MIN_FILES and cpus > 1 else "thread"
    else:
        kind = executor
    default = cpus if kind == "process" else min(32, 2 * cpus)
    size = max(1, min(workers or default, max(count, 1)))
    return kind, size


def _probe_all(
    todo: Sequence[_Found], kind: PoolKind, size: int
) -> Iterator[tuple[_Found, MediaInfo | str]]:
    """Yield each file with its probe result, in completion order (if the process pool dies,
    the files it had not finished are probed in threads instead)."""
    for index, result in run_in_pool(_probe_chunk, [found.path for found in todo], kind, size):
        yield todo[index], result
