"""Notice a damaged ``retrovue.db`` at open, and say how to recover, instead of running on it.

Random bytes written into the middle of the file used to go unnoticed: ``channels`` and
``serve`` ran on rows SQLite read back as whatever the bytes said, and a smashed header ended in
a bare ``file is not a database``. The check is SQLite's ``PRAGMA integrity_check``, not the
cheaper ``quick_check``, because it also compares every index with its table, which is what
catches bytes changed inside a row (a row that still reads, silently wrong): 16 random bytes at
40 places were noticed 22 times by ``integrity_check``, 12 by ``quick_check``. Its cost, on a
100 000-item catalog with 100 channels of published guide (41.5 MB): 0.2-0.4 s with the file
cached on a quiet machine (0.84 s cold), 0.83 s with both cores busy, against 0.05-0.34 s for
``quick_check``; a library of a few thousand files pays tens of milliseconds
(``python -m benchmarks.bench_integrity``; docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from lineup.errors import CatalogError

log = logging.getLogger(__name__)

REBUILD_HINT = "retrovue scan --rebuild"


def damaged(path: Path, detail: str) -> CatalogError:
    """The one-line error for a database that failed the check: the file, what SQLite found,
    and the way out."""
    return CatalogError(
        f"the catalog {path} is damaged ({detail}); run '{REBUILD_HINT}' to move it aside "
        "and build a new one (the published schedule and channel numbers are kept as far "
        "as they can be read)"
    )


def check_database(path: Path) -> None:
    """Raise CatalogError (:func:`damaged`) if ``path`` exists but is not a sound database."""
    if not path.exists():
        return
    started = time.perf_counter()
    try:
        connection = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise CatalogError(f"cannot open the catalog {path}: {exc}") from exc
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed", ...
        raise damaged(path, str(exc)) from exc
    finally:
        connection.close()
    if rows != ["ok"]:
        raise damaged(path, _summary(rows))
    log.debug("integrity check of %s: ok in %.3f s", path, time.perf_counter() - started)


def _summary(rows: list[str]) -> str:
    """The first problem SQLite lists, on one line, and how many more there are."""
    problems = [
        line.strip()
        for row in rows
        for line in row.splitlines()
        if line.strip() and not line.startswith("***")
    ]
    first = problems[0] if problems else "integrity check failed"
    first = first if len(first) <= 100 else first[:97] + "..."
    more = len(problems) - 1
    return first + (f", and {more} more problem{'s' if more != 1 else ''}" if more > 0 else "")
