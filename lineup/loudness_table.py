"""The catalog's ``media_loudness`` table: each local file's loudness, by file identity.

Its own table, like ``media_breaks`` (:mod:`lineup.break_table`), because it caches work done on
one version of a file: a row holds the fingerprint (size, mtime) it was measured on, so an
unchanged file is never measured twice and a changed one is measured again. Items read from the
catalog get ``loudness``/``true_peak`` only from a row matching their current fingerprint.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from lineup.break_table import BreakJob
from lineup.loudness import Loudness
from lineup.models import MediaItem
from lineup.sqlite_file import SqliteFile

log = logging.getLogger(__name__)

_COMPONENT = "media_loudness"  # its own key in media_schema
SCHEMA_VERSION = 1
_CREATE = """
    CREATE TABLE IF NOT EXISTS media_loudness (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        integrated REAL,
        true_peak REAL,
        measured_at REAL NOT NULL
    )
"""


def migrate_loudness(tx: sqlite3.Connection) -> None:
    """Create ``media_loudness`` inside the catalog's migration transaction (a newer version's
    table is left as it is)."""
    found = tx.execute(
        "SELECT version FROM media_schema WHERE component = ?", (_COMPONENT,)
    ).fetchone()
    if found and found[0] >= SCHEMA_VERSION:
        return
    tx.execute(_CREATE)
    tx.execute(
        "INSERT INTO media_schema (component, version) VALUES (?, ?) "
        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (_COMPONENT, SCHEMA_VERSION),
    )


class LoudnessTable:
    """Reads and writes ``media_loudness`` over the catalog's connection."""

    def __init__(self, db: SqliteFile):
        self._db = db

    def todo(self, roots: Sequence[Path | str]) -> list[BreakJob]:
        """Local playable files under ``roots`` with no measurement of their current version."""
        jobs: list[BreakJob] = []
        for root in roots:
            prefix = str(root).rstrip(os.sep) + os.sep
            upper = prefix[:-1] + chr(ord(os.sep) + 1)
            rows = self._db.execute(
                "SELECT m.path, m.size, m.mtime_ns FROM media_items m "
                "LEFT JOIN media_loudness l ON l.path = m.path "
                "WHERE m.source = 'local' AND m.skipped = 0 AND m.path >= ? AND m.path < ? "
                "AND (l.path IS NULL OR l.size != m.size OR l.mtime_ns != m.mtime_ns) "
                "ORDER BY m.path",
                (prefix, upper),
            )
            jobs.extend(BreakJob(path, size, mtime_ns) for path, size, mtime_ns in rows)
        return jobs

    def record(self, results: Iterable[tuple[BreakJob, Loudness]]) -> None:
        """Store each measurement under the fingerprint it was made on, in one transaction."""
        now = time.time()
        rows = [
            (job.path, job.size, job.mtime_ns, found.integrated, found.true_peak, now)
            for job, found in results
        ]
        if not rows:
            return
        with self._db.transaction() as tx:
            tx.executemany(
                "INSERT INTO media_loudness "
                "(path, size, mtime_ns, integrated, true_peak, measured_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "integrated = excluded.integrated, true_peak = excluded.true_peak, "
                "measured_at = excluded.measured_at",
                rows,
            )

    def prune(self) -> None:
        """Forget the files the catalog no longer has."""
        with self._db.transaction() as tx:
            tx.execute(
                "DELETE FROM media_loudness WHERE path NOT IN (SELECT path FROM media_items)"
            )

    def fill(self, items: list[MediaItem]) -> list[MediaItem]:
        """``items`` with ``loudness``/``true_peak`` from the rows matching their files."""
        if not items:
            return items
        where, args = ("", ()) if len(items) > 1 else ("AND m.id = ? ", (items[0].id,))
        rows = self._db.execute(
            "SELECT m.id, l.integrated, l.true_peak FROM media_loudness l JOIN media_items m "
            "ON m.path = l.path AND m.size = l.size AND m.mtime_ns = l.mtime_ns "
            f"WHERE l.integrated IS NOT NULL {where}",
            args,
        )
        found = {item_id: (integrated, peak) for item_id, integrated, peak in rows}
        if not found:
            return items
        return [
            replace(item, loudness=found[item.id][0], true_peak=found[item.id][1])
            if item.id in found
            else item
            for item in items
        ]
