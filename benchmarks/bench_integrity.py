"""What the catalog check at open costs: ``python -m benchmarks.bench_integrity``.

Builds a catalog of ``--items`` files (100 000 by default: a very large library) plus a published
schedule of the same shape as ``bench_schedule`` (``--channels`` channels, 72 h), then times
SQLite's ``PRAGMA quick_check`` and ``PRAGMA integrity_check`` on it, each ``--repeat`` times
with the file in the page cache (the usual case at start: the scan has just read it) and once
after dropping it from the cache with ``posix_fadvise`` (best effort; a cold start).
``integrity_check`` also verifies that every index matches its table, which is what catches
random bytes written over a row's payload; ``quick_check`` checks only the pages' structure.

Then, on a copy of a small catalog (3 000 items, 5 channels), ``--trials`` times: write
``--damage`` random bytes at a random place in the middle half of the file and count how often
each check notices (neither can notice bytes that land in a row's text and leave it valid).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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


def detects(path: Path, pragma: str) -> bool:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {pragma}").fetchall() != [("ok",)]
    except sqlite3.DatabaseError:
        return True
    finally:
        connection.close()


def damage_trials(folder: Path, trials: int, length: int) -> dict[str, int]:
    base = folder / "small.db"
    build(base, 3000, 5)
    with sqlite3.connect(base) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = base.stat().st_size
    noticed = {"quick_check": 0, "integrity_check": 0}
    for seed in range(trials):
        rng = random.Random(seed)
        copy = folder / "damaged.db"
        shutil.copyfile(base, copy)
        with open(copy, "r+b") as file:
            file.seek(rng.randrange(size // 4, 3 * size // 4))
            file.write(rng.randbytes(length))
        for pragma in noticed:
            noticed[pragma] += detects(copy, pragma)
    return noticed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--damage", type=int, default=16, metavar="BYTES")
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
        noticed = damage_trials(Path(folder), args.trials, args.damage)
        print(
            f"{args.damage} random bytes, {args.trials} places: noticed by "
            + ", ".join(f"{pragma} {count}" for pragma, count in noticed.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
