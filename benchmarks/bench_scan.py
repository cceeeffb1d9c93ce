"""Benchmark the library scan: a first scan of N files, then a re-scan with nothing changed.

    python -m benchmarks.bench_scan --files 10000
    python -m benchmarks.bench_scan --files 10000 --executor compare   # threads vs processes
    python -m benchmarks.bench_scan --files 10000 --copy --cold --executor compare
    python -m benchmarks.bench_scan --files 10000 --executor compare --busy

The library is N hard links (``--copy``: real copies) to a few real clips rendered with ffmpeg,
laid out as ``Show NNN/Season NN/Show NNN - SxxEyy - Title.ext``. Hard links share one page-cache
entry, so by default the first scan measures probing on a warm cache (CPU-bound). ``--cold``
(Linux, root) drops the page cache before each first scan so probes wait on the disk, as they do
on a real library; it needs ``--copy`` to mean anything. ``--busy`` keeps one pure-Python
thread spinning during the scans, as a server's event loop would next to a background scan.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from lineup.catalog import Catalog
from lineup.scanner import ExecutorKind, ScanSummary, scan

_CLIPS = (
    ("mp4", ClipSpec(duration=2.0, width=160, height=120)),
    ("mkv", ClipSpec(duration=2.0, width=160, height=120, tone_hz=660)),
    ("ts", ClipSpec(duration=2.0, width=160, height=120, video_codec="mpeg2video")),
)
_EPISODES_PER_SEASON = 25
_SEASONS_PER_SHOW = 4


def build_library(root: Path, files: int, copy: bool) -> Path:
    """Lay out ``files`` episodes under ``root/library`` (reused if already complete)."""
    library = root / ("library-copies" if copy else "library")
    marker = library / f".complete-{files}"
    if marker.exists():
        return library
    shutil.rmtree(library, ignore_errors=True)
    ffmpeg = find_ffmpeg()
    sources = [
        render_clip(ffmpeg.path, root / "clips" / f"clip.{ext}", spec) for ext, spec in _CLIPS
    ]
    per_show = _EPISODES_PER_SEASON * _SEASONS_PER_SHOW
    for n in range(files):
        show, rest = divmod(n, per_show)
        season, episode = divmod(rest, _EPISODES_PER_SEASON)
        source = sources[n % len(sources)]
        name = f"Show {show:03d} - S{season + 1:02d}E{episode + 1:02d} - Episode {n}{source.suffix}"
        target = library / f"Show {show:03d}" / f"Season {season + 1:02d}" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if copy:
            shutil.copyfile(source, target)
            continue
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    marker.touch()
    return library


def drop_page_cache() -> None:
    """Make the next reads come from the disk (Linux, root only)."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as exc:
        raise SystemExit(f"--cold needs Linux and root: {exc}") from exc


@contextmanager
def busy_python_thread(enabled: bool) -> Iterator[None]:
    """A thread that never releases the GIL of its own accord, like a busy event loop."""
    stop = threading.Event()

    def spin() -> None:
        count = 0
        while not stop.is_set():
            count += 1

    thread = threading.Thread(target=spin, name="busy", daemon=True)
    if enabled:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if enabled:
            thread.join()


def run(
    library: Path, db: Path, executor: ExecutorKind, workers: int | None, cold: bool, busy: bool
) -> tuple[ScanSummary, ScanSummary]:
    db.unlink(missing_ok=True)
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    if cold:
        drop_page_cache()
    with Catalog.open(db) as catalog, busy_python_thread(busy):
        first = scan(catalog, [library], workers=workers, executor=executor)
        again = scan(catalog, [library], workers=workers, executor=executor)
    if again.probed or again.unchanged != first.added + len(first.skipped):
        raise SystemExit(f"re-scan was not a no-op: {again}")
    return first, again


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="where to build the library (default: a temp dir)")
    parser.add_argument(
        "--executor", choices=("auto", "thread", "process", "compare"), default="auto"
    )
    parser.add_argument("--workers", type=int, nargs="*", help="pool sizes to try (default: auto)")
    parser.add_argument("--copy", action="store_true", help="copy the clips, not hard links")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each run")
    parser.add_argument("--busy", action="store_true", help="spin a Python thread while scanning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    root = args.dir or Path(tempfile.mkdtemp(prefix="retrovue-bench-"))
    started = time.perf_counter()
    library = build_library(root, args.files, args.copy)
    built = time.perf_counter() - started
    print(f"library: {args.files} files under {library} (built in {built:.1f} s)")
    cache = "cold page cache" if args.cold else "warm page cache"
    busy = ", one busy Python thread" if args.busy else ""
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, {cache}{busy}\n")

    executors: tuple[ExecutorKind, ...] = (
        ("thread", "process") if args.executor == "compare" else (args.executor,)
    )
    print("| executor | workers | first scan (s) | files/s | re-scan unchanged (s) |")
    print("|---|---:|---:|---:|---:|")
    for executor in executors:
        for workers in args.workers or [None]:
            first, again = run(library, root / "bench.db", executor, workers, args.cold, args.busy)
            rate = first.probed / first.seconds if first.seconds else 0.0
            print(
                f"| {first.executor} | {first.workers} | {first.seconds:.2f} | {rate:,.0f} "
                f"| {again.seconds:.3f} |"
            )
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
