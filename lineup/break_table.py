"""The catalog's ``media_breaks`` table: each programme file's break points, by file identity.

Its own table (not columns of ``media_items``) because it is a cache of work done on one version
of a file: a row holds the fingerprint (size, mtime) of the file it was found in, so a re-scan of
an unchanged file never looks again, and a changed file, whose ``media_items`` row gets the new
fingerprint, no longer matches and is looked at again. Items read from the catalog get their
``breaks``/``chapters`` only from a row that matches their current fingerprint.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lineup.breaks import BreakScan
from lineup.models import ItemKind, MediaItem
from lineup.sqlite_file import SqliteFile

log = logging.getLogger(__name__)

_COMPONENT = "media_breaks"  # its own key in media_schema: versioned apart from media_items
SCHEMA_VERSION = 1
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE IF NOT EXISTS media_breaks (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            points TEXT NOT NULL DEFAULT '[]',
            chapters INTEGER NOT NULL DEFAULT 0,
            detected INTEGER NOT NULL DEFAULT 0,
            scanned_at REAL NOT NULL
        )
        """,
    ),
)
PROGRAMME_KINDS = (ItemKind.EPISODE, ItemKind.MOVIE)  # filler is never cut


@dataclass(frozen=True, slots=True)
class BreakJob:
    """A programme file to look at, with the fingerprint its result will be stored under."""

    path: str
    size: int
    mtime_ns: int


def migrate_breaks(tx: sqlite3.Connection) -> None:
    """Create or upgrade ``media_breaks`` inside the catalog's migration transaction."""
    found = tx.execute(
        "SELECT version FROM media_schema WHERE component = ?", (_COMPONENT,)
    ).fetchone()
    version = found[0] if found else 0
    for step in range(version, SCHEMA_VERSION):  # a newer version's table is left as it is
        for statement in _MIGRATIONS[step]:
            tx.execute(statement)
    if version < SCHEMA_VERSION:
        tx.execute(
            "INSERT INTO media_schema (component, version) VALUES (?, ?) "
            "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (_COMPONENT, SCHEMA_VERSION),
        )


class BreakTable:
    """Reads and writes ``media_breaks`` over the catalog's connection."""

    def __init__(self, db: SqliteFile):
        self._db = db

    def todo(self, roots: Sequence[Path | str], *, detect: bool) -> list[BreakJob]:
        """Local programme files under ``roots`` with no result for their current version; with
        ``detect``, also those only looked at for chapters before (detection was off)."""
        jobs: list[BreakJob] = []
        kinds = [kind.value for kind in PROGRAMME_KINDS]
        for root in roots:
            prefix = str(root).rstrip(os.sep) + os.sep
            upper = prefix[:-1] + chr(ord(os.sep) + 1)
            rows = self._db.execute(
                "SELECT m.path, m.size, m.mtime_ns FROM media_items m "
                "LEFT JOIN media_breaks b ON b.path = m.path "
                "WHERE m.source = 'local' AND m.skipped = 0 AND m.kind IN (?, ?) "
                "AND m.path >= ? AND m.path < ? "
                "AND (b.path IS NULL OR b.size != m.size OR b.mtime_ns != m.mtime_ns "
                "OR (? AND b.detected = 0 AND b.chapters = 0)) ORDER BY m.path",
                (*kinds, prefix, upper, int(detect)),
            )
            jobs.extend(BreakJob(path, size, mtime_ns) for path, size, mtime_ns in rows)
        return jobs

    def record(self, results: Iterable[tuple[BreakJob, BreakScan]]) -> None:
        """Store each job's result under the fingerprint it was found in, in one transaction."""
        now = time.time()
        rows = [
            (
                job.path, job.size, job.mtime_ns, json.dumps(list(scan.points)),
                int(scan.chapters), int(scan.detected), now,
            )
            for job, scan in results
        ]  # fmt: skip
        if not rows:
            return
        with self._db.transaction() as tx:
            tx.executemany(
                "INSERT INTO media_breaks "
                "(path, size, mtime_ns, points, chapters, detected, scanned_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, points = excluded.points, "
                "chapters = excluded.chapters, detected = excluded.detected, "
                "scanned_at = excluded.scanned_at",
                rows,
            )

    def prune(self) -> None:
        """Forget the files the catalog no longer has."""
        with self._db.transaction() as tx:
            tx.execute("DELETE FROM media_breaks WHERE path NOT IN (SELECT path FROM media_items)")

    def fill(self, items: list[MediaItem]) -> list[MediaItem]:
        """``items`` with ``breaks``/``chapters`` set from the rows matching their files."""
        if not items:
            return items
        where, args = ("", ()) if len(items) > 1 else ("AND m.id = ? ", (items[0].id,))
        rows = self._db.execute(
            "SELECT m.id, b.points, b.chapters FROM media_breaks b JOIN media_items m "
            "ON m.path = b.path AND m.size = b.size AND m.mtime_ns = b.mtime_ns "
            f"WHERE b.points != '[]' {where}",
            args,
        )
        found = {
            item_id: (tuple(json.loads(points)), bool(chapters))
            for item_id, points, chapters in rows
        }
        if not found:
            return items
        return [_with(item, *found[item.id]) if item.id in found else item for item in items]


def _with(item: MediaItem, points: tuple[float, ...], chapters: bool) -> MediaItem:
    return replace(item, breaks=points, chapters=chapters)
