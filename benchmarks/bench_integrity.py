"""What the catalog check at open costs: ``python -m benchmarks.bench_integrity``.

Builds a catalog of ``--items`` files (100 000 by default: a very large library) plus a published
schedule of the same shape as ``bench_schedule`` (``--channels`` channels, 72 h), then times
SQLite's ``PRAGMA quick_check`` and ``PRAGMA integrity_check`` on it, each ``--repeat`` times
with the file in the page cache (the usual case at start: the scan has just read it) and once
after dropping it from the cache with ``posix_fadvise`` (best effort; a cold start).
``integrity_check`` also verifies that every index matches its table, which is what catches
random bytes written over a row's payload; ``quick_check`` checks only the pages' structure.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_schedule import NOW, build_lineup
from lineup.catalog import Catalog, FileRecord
from lineup.models import ItemKind, MediaInfo
from lineup.naming import ParsedName
from lineup.schedule import Schedule, ScheduleStore


def build(path: Path, items: int, channels: int) -> None:
    info = MediaInfo(1320.5, "matroska", "h264", 1280, 720, 29.97, "aac", 2)
    records = [
        FileRecord(
            f"/media/tv/Show {n // 100}/Season 01/Show {n // 100} - S01E{n % 100:02d}.mkv",
            700_000_000 + n,
            1_700_000_000_000_000_000 + n,
            ParsedName(ItemKind.EPISODE, f"Episode {n}", f"Show {n // 100}", 1, n % 100),
            info=info,
        )
        for n in range(items)
    ]
    with Catalog.open(path) as catalog:
        for first in range(0, items, 5000):
            catalog.apply(records[first : first + 5000])
    with ScheduleStore.open(path) as store:
        lineup = build_lineup(channels, 100, 300)
        Schedule(store, lineup, horizon=72 * 3600).publish(NOW)


def time_check(path: Path, pragma: str, *, cold: bool) -> float:
    if cold:
        with open(path, "rb") as file:
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    assert rows == [("ok",)], rows
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "retrovue.db"
        started = time.perf_counter()
        build(path, args.items, args.channels)
        with sqlite3.connect(path) as connection:  # fold the WAL in: measure the file itself
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size / 1e6
        print(
            f"catalog: {args.items} items, {args.channels} channels x 72 h published, "
            f"{size:.1f} MB (built in {time.perf_counter() - started:.1f} s)"
        )
        for pragma in ("quick_check", "integrity_check"):
            cold = time_check(path, pragma, cold=True)
            warm = [time_check(path, pragma, cold=False) for _ in range(args.repeat)]
            print(
                f"{pragma:>16}: warm median {statistics.median(warm) * 1000:7.1f} ms "
                f"(min {min(warm) * 1000:.1f}, max {max(warm) * 1000:.1f}), "
                f"cold {cold * 1000:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
