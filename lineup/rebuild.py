"""``retrovue scan --rebuild``: move a damaged ``retrovue.db`` aside and start a fresh one that
keeps what can still be read of the published schedule and the channel numbers.

The catalog itself is not copied: the scan that follows rebuilds it from the media. What cannot
be rebuilt is what was handed out: the channel numbers (clients map them) and the published
guide (``schedule_*``, which names items by their stored JSON, not by catalog row ids, so it
needs no catalog row to replay). Those rows are copied table by table until a table can no
longer be read. Then each channel is checked: its published airings must be contiguous and
name only items that were saved; a channel whose rows stop early keeps the part before the
first hole and starts a new era there (like a library change would), and a channel with nothing
left is forgotten, so it starts afresh.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from lineup.numbering import ChannelNumbers
from lineup.schedule import ScheduleStore

log = logging.getLogger(__name__)

# Tables worth keeping, with the columns copied (in the fresh file's schema), in this order.
_KEPT = (
    ("channel_numbers", "key, number, assigned"),
    ("schedule_meta", "key, value"),
    ("schedule_items", "key, item"),
    ("schedule_channels", "channel, epoch, era_start, era_first, fingerprint, published_until"),
    ("schedule_airings", "channel, start, stop, programme_id, programme, parts"),
)
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What a rebuild did: where the old file went, and what of it the new one keeps."""

    moved_to: Path | None  # None: there was no database to move
    rows: tuple[tuple[str, int], ...] = ()  # (table, rows copied)
    unreadable: tuple[str, ...] = ()  # tables that could not be read to the end
    channels_kept: int = 0  # channels whose whole published guide was kept
    channels_cut: int = 0  # channels that keep their guide up to a hole, then start a new era
    channels_reset: int = 0  # channels with nothing left to keep: they start afresh


def rebuild_database(db_path: Path, now: float | None = None) -> RebuildReport:
    """Move ``db_path`` (and its -wal/-shm) aside to ``<name>.damaged-<UTC time>`` and create a
    fresh database there holding what could be salvaged."""
    if not any(Path(f"{db_path}{suffix}").exists() for suffix in _SIDE_FILES):
        return RebuildReport(None)
    aside = _aside_name(db_path, time.time() if now is None else now)
    for suffix in _SIDE_FILES:
        source = Path(f"{db_path}{suffix}")
        if source.exists():
            os.replace(source, f"{aside}{suffix}")
    log.warning("moved the damaged database %s to %s", db_path, aside)
    with ChannelNumbers.open(db_path), ScheduleStore.open(db_path):
        pass  # the fresh file, with the kept tables' schema
    report = _salvage(aside, db_path)
    log.info("rebuild of %s: %s", db_path, report)
    return RebuildReport(aside, *report)


def _aside_name(db_path: Path, now: float) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    count = 1
    while aside.exists():
        count += 1
        aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{count}")
    return aside


def _salvage(
    old_path: Path, new_path: Path
) -> tuple[tuple[tuple[str, int], ...], tuple[str, ...], int, int, int]:
    copied: list[tuple[str, int]] = []
    unreadable: list[str] = []
    new = sqlite3.connect(new_path, isolation_level=None)
    try:
        old = sqlite3.connect(old_path)
    except sqlite3.Error as exc:
        log.warning("cannot open %s at all: %s", old_path, exc)
        new.close()
        return (), tuple(table for table, _ in _KEPT), 0, 0, 0
    try:
        new.execute("BEGIN IMMEDIATE")
        for table, columns in _KEPT:
            rows, complete = _read(old, table, columns)
            marks = ", ".join("?" * len(columns.split(",")))
            new.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
            copied.append((table, len(rows)))
            if not complete:
                unreadable.append(table)
        kept, cut, reset = _repair_channels(new)
        new.execute("COMMIT")
    finally:
        old.close()
        new.close()
    return tuple(copied), tuple(unreadable), kept, cut, reset


def _read(
    old: sqlite3.Connection, table: str, columns: str
) -> tuple[list[tuple[object, ...]], bool]:
    """The rows of ``table`` up to the first one that cannot be read; and whether that was all."""
    rows: list[tuple[object, ...]] = []
    try:
        for row in old.execute(f"SELECT {columns} FROM {table}"):
            rows.append(tuple(row))
    except sqlite3.DatabaseError as exc:
        log.warning("salvage: %s readable for %d row(s) only: %s", table, len(rows), exc)
        return rows, False
    return rows, True


def _repair_channels(db: sqlite3.Connection) -> tuple[int, int, int]:
    """Make every channel's stored guide one the schedule can continue from (see module doc)."""
    items = {key for (key,) in db.execute("SELECT key FROM schedule_items")}
    kept = cut = reset = 0
    states = db.execute("SELECT channel, published_until FROM schedule_channels").fetchall()
    for channel, published_until in states:
        airings = db.execute(
            "SELECT start, stop, programme, parts FROM schedule_airings WHERE channel = ?"
            " ORDER BY start",
            (channel,),
        ).fetchall()
        if published_until is None and not airings:
            kept += 1  # never published: its epoch is all there is, and it is sound
            continue
        good_until: int | None = None
        for start, stop, programme, parts in airings:
            if good_until is not None and start != good_until:
                break
            if not _names_only(items, programme, parts):
                break
            good_until = stop
        if good_until is None:
            db.execute("DELETE FROM schedule_airings WHERE channel = ?", (channel,))
            db.execute("DELETE FROM schedule_channels WHERE channel = ?", (channel,))
            reset += int(published_until is not None or bool(airings))
            continue
        if good_until == published_until:
            kept += 1
            continue
        db.execute(
            "DELETE FROM schedule_airings WHERE channel = ? AND start >= ?", (channel, good_until)
        )
        # an empty fingerprint matches no content: the schedule starts a new era at the cut,
        # continuing the play order after the last programme kept
        db.execute(
            "UPDATE schedule_channels SET published_until = ?, fingerprint = '' WHERE channel = ?",
            (good_until, channel),
        )
        cut += 1
    orphans = db.execute(
        "DELETE FROM schedule_airings WHERE channel NOT IN (SELECT channel FROM schedule_channels)"
    ).rowcount
    if orphans:
        log.warning("salvage: dropped %d airing(s) of channels whose state was lost", orphans)
    return kept, cut, reset


def _names_only(items: set[str], programme: object, parts: object) -> bool:
    """Whether an airing row is whole: readable parts, every item it names saved."""
    try:
        keys = [part[0] for part in json.loads(str(parts))]
    except (ValueError, TypeError, IndexError, KeyError):
        return False
    return programme in items and all(key in items for key in keys)
