"""Benchmark what ``.nfo`` metadata costs a scan: re-scans with nothing changed, with a
``tvshow.nfo`` added to every show, and with one of them edited.

    python -m benchmarks.bench_nfo --files 10000

The library is :func:`benchmarks.bench_scan.build_library`'s (100 episodes per show). Every
re-scan must probe nothing: only metadata rows change.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench_scan import build_library
from lineup.catalog import Catalog
from lineup.scanner import ScanSummary, scan

NFO = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<tvshow><title>{title}</title><year>1982</year>"
    "<mpaa>TV-PG</mpaa><genre>Comedy</genre><genre>Sitcom</genre><studio>{studio}</studio>"
    "</tvshow>\n"
)


def timed_scan(catalog: Catalog, library: Path) -> tuple[ScanSummary, float]:
    started = time.perf_counter()
    summary = scan(catalog, [library])
    return summary, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="where to build the library (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    root = args.dir or Path(tempfile.mkdtemp(prefix="retrovue-bench-nfo-"))
    library = build_library(root, args.files, copy=False)
    for stale in library.glob("*/tvshow.nfo"):
        stale.unlink()
    shows = sorted(path for path in library.iterdir() if path.is_dir())
    print(f"library: {args.files} files, {len(shows)} shows; cpus {os.cpu_count()}, "
          f"python {sys.version.split()[0]}\n")  # fmt: skip
    db = root / "bench-nfo.db"
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    rows: list[tuple[str, ScanSummary, float]] = []
    with Catalog.open(db) as catalog:
        rows.append(("first scan, no .nfo", *timed_scan(catalog, library)))
        rows.append(("re-scan, nothing changed, no .nfo", *timed_scan(catalog, library)))
        for n, show in enumerate(shows):
            (show / "tvshow.nfo").write_text(NFO.format(title=show.name, studio=f"Net {n % 7}"))
        rows.append((f"re-scan, {len(shows)} tvshow.nfo added", *timed_scan(catalog, library)))
        rows.append(("re-scan, nothing changed, with .nfo", *timed_scan(catalog, library)))
        edited = shows[0] / "tvshow.nfo"
        edited.write_text(NFO.format(title=shows[0].name, studio="Edited"))
        stat = edited.stat()
        os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        rows.append(("re-scan, one tvshow.nfo edited", *timed_scan(catalog, library)))
        studios = {item.studio for item in catalog.items()}
    print("| scan | probed | seconds |")
    print("|---|---:|---:|")
    for label, summary, seconds in rows:
        print(f"| {label} | {summary.probed} | {seconds:.3f} |")
    if any(summary.probed for _, summary, _ in rows[1:]):
        raise SystemExit("a re-scan probed files: metadata changes must not re-probe")
    if "Edited" not in studios or len(studios) != 8:
        raise SystemExit(f"metadata not picked up: {sorted(map(str, studios))}")
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
