"""The schedule's tables in ``retrovue.db``: channel eras and the published guide.

Three facts per channel survive restarts (``schedule_channels``): when its first slot started
(the epoch), the current *era* (the instant and loop position from which the current content
plays, and the fingerprint of that content), and how far the guide has been published.

The published airings themselves (``schedule_airings``) are kept so the guide already handed
out never changes, even once their items leave the catalog: each row stores its slot's parts
relative to the slot start, naming items by a content hash into ``schedule_items``, which holds
every item as JSON exactly as it was published.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

from lineup.errors import CatalogError
from lineup.models import FillerKind, ItemKind, MediaInfo, MediaItem, MediaServerRef
from lineup.sqlite_file import Closing, SqliteFile

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: schedule_channels.plan (a slotted channel's source positions)
_ITEM_GC_INTERVAL = 24 * 3600
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS schedule_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS schedule_channels ("
    " channel INTEGER PRIMARY KEY,"
    " epoch INTEGER NOT NULL,"
    " era_start INTEGER NOT NULL,"
    " era_first INTEGER NOT NULL,"
    " fingerprint TEXT NOT NULL,"
    " published_until INTEGER,"
    " plan TEXT)",
    "CREATE TABLE IF NOT EXISTS schedule_items (key TEXT PRIMARY KEY, item TEXT NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS schedule_airings ("
    " channel INTEGER NOT NULL,"
    " start INTEGER NOT NULL,"
    " stop INTEGER NOT NULL,"
    " programme_id INTEGER NOT NULL,"
    " programme TEXT NOT NULL,"
    " parts TEXT NOT NULL,"
    " PRIMARY KEY (channel, start)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS schedule_airings_stop ON schedule_airings (stop)",
)


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What must persist about one channel for its schedule to be reproducible.

    ``era_first`` is the position in loop 0's play order that airs at ``era_start`` (after a
    pad-alignment bridge, if any). ``published_until`` is None until the first publish.
    """

    channel: int
    epoch: int
    era_start: int
    era_first: int
    fingerprint: str
    published_until: int | None = None
    #: a slotted channel's era plan, JSON: ``{"p": {source: position at era_start},
    #: "next": {source: programme id due next at published_until}}`` (None: a looped channel)
    plan: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAiring:
    """One published row: ``parts`` is JSON ``[[item key, duration, seek], …]``.

    Parts are contiguous from the slot start, so offsets are not stored: each is the running
    sum of the durations before it, computed in the same order as when the slot was laid out
    (see :meth:`lineup.cycle.Cycle.slot`), which reproduces the very same floats.
    """

    start: int
    stop: int
    programme_id: int
    programme: str
    parts: str


def item_json(item: MediaItem) -> str:
    """An item as JSON (fields in declaration order), enough to replay it without the catalog."""
    values = dict(zip(_FIELD_NAMES, _item_values(item), strict=True))
    values["info"] = dict(zip(_INFO_NAMES, _info_values(item.info), strict=True))
    if item.remote is not None:
        values["remote"] = dict(zip(_REMOTE_NAMES, _remote_values(item.remote), strict=True))
    return _JSON.encode(values)


def item_key(text: str) -> str:
    """Content address of an item's JSON: equal items share one row."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def item_from_json(text: str) -> MediaItem:
    """Inverse of :func:`item_json`; fields unknown to this version are ignored."""
    values = json.loads(text)
    info = values.pop("info")
    known = {name: values[name] for name in _FIELD_NAMES if name in values and name != "info"}
    known["kind"] = ItemKind(known["kind"])
    known["genres"] = tuple(known.get("genres", ()))
    known["collections"] = tuple(known.get("collections", ()))
    known["breaks"] = tuple(known.get("breaks", ()))
    if known.get("filler_kind") is not None:
        known["filler_kind"] = FillerKind(known["filler_kind"])
    if known.get("remote") is not None:
        remote = known["remote"]
        known["remote"] = MediaServerRef(
            **{name: remote[name] for name in _REMOTE_NAMES if name in remote}
        )
    return MediaItem(
        info=MediaInfo(**{name: info[name] for name in _INFO_NAMES if name in info}), **known
    )


_FIELD_NAMES = tuple(field.name for field in fields(MediaItem))
_INFO_NAMES = tuple(field.name for field in fields(MediaInfo))
_REMOTE_NAMES = tuple(field.name for field in fields(MediaServerRef))
_item_values = attrgetter(*_FIELD_NAMES)
_remote_values = attrgetter(*_REMOTE_NAMES)
_info_values = attrgetter(*_INFO_NAMES)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class ScheduleStore(Closing):
    """The ``schedule_*`` tables of one SQLite file. Use :meth:`open`; safe across threads."""

    def __init__(self, db: SqliteFile):
        self._db = db

    @classmethod
    def open(cls, db_path: Path | str) -> ScheduleStore:
        return cls(SqliteFile.open(db_path, "schedule", _SCHEMA, migrate=_migrate))

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"ScheduleStore({str(self._db.path)!r})"

    # -- reading ---------------------------------------------------------------------------

    def states(self) -> dict[int, ChannelState]:
        rows = self._db.execute(
            "SELECT channel, epoch, era_start, era_first, fingerprint, published_until, plan"
            " FROM schedule_channels"
        )
        return {row[0]: ChannelState(*row) for row in rows}

    def last_programme_id(self, channel: int, until: int) -> int | None:
        """The programme of the published slot that ends at ``until``, if there is one."""
        rows = self._db.execute(
            "SELECT programme_id FROM schedule_airings WHERE channel = ? AND stop = ?"
            " ORDER BY start DESC LIMIT 1",
            (channel, until),
        )
        return rows[0][0] if rows else None

    def airings_before(self, channel: int, before: int) -> list[StoredAiring]:
        rows = self._db.execute(
            "SELECT start, stop, programme_id, programme, parts FROM schedule_airings"
            " WHERE channel = ? AND start < ? ORDER BY start",
            (channel, before),
        )
        return [StoredAiring(*row) for row in rows]

    def airing_heads_before(self, channel: int, before: int) -> list[tuple[int, int, str]]:
        """(start, stop, programme key) of :meth:`airings_before`'s rows: what a guide needs."""
        return self._db.execute(
            "SELECT start, stop, programme FROM schedule_airings"
            " WHERE channel = ? AND start < ? ORDER BY start",
            (channel, before),
        )

    def items(self, keys: Iterable[str]) -> dict[str, MediaItem]:
        wanted = sorted(set(keys))
        found: dict[str, MediaItem] = {}
        for first in range(0, len(wanted), 500):
            chunk = wanted[first : first + 500]
            marks = ",".join("?" * len(chunk))
            for key, text in self._db.execute(
                f"SELECT key, item FROM schedule_items WHERE key IN ({marks})", chunk
            ):
                found[key] = item_from_json(text)
        missing = set(wanted) - set(found)
        if missing:
            raise CatalogError(
                f"schedule in {self._db.path}: {len(missing)} published item(s) are missing"
            )
        return found

    # -- writing ---------------------------------------------------------------------------

    def save_states(self, states: Iterable[ChannelState]) -> None:
        with self._db.transaction() as tx:
            self._upsert_states(tx, states)

    def publish(
        self,
        states: Iterable[ChannelState],
        items: Iterable[tuple[str, str]],
        airings: Iterable[tuple[int, int, int, int, str, str]],
        prune_before: int,
    ) -> bool:
        """One transaction: new states, items (key, json), airing rows, and pruning.

        Rows are ``(channel, start, stop, programme_id, programme key, parts json)``; a row that
        already exists is left untouched, because the published guide is never rewritten.
        Returns True when unreferenced items were dropped (callers caching which items are
        stored must forget all but those these rows name).
        """
        with self._db.transaction() as tx:
            self._upsert_states(tx, states)
            tx.executemany("INSERT OR IGNORE INTO schedule_items (key, item) VALUES (?, ?)", items)
            tx.executemany(
                "INSERT OR IGNORE INTO schedule_airings"
                " (channel, start, stop, programme_id, programme, parts)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                airings,
            )
            pruned = tx.execute(
                "DELETE FROM schedule_airings WHERE stop < ?", (prune_before,)
            ).rowcount
            if pruned:
                log.debug("schedule: pruned %d airing(s) ending before %d", pruned, prune_before)
                return self._collect_items(tx)
        return False

    @staticmethod
    def _upsert_states(tx: sqlite3.Connection, states: Iterable[ChannelState]) -> None:
        tx.executemany(
            "INSERT INTO schedule_channels"
            " (channel, epoch, era_start, era_first, fingerprint, published_until, plan)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel) DO UPDATE SET epoch = excluded.epoch,"
            " era_start = excluded.era_start, era_first = excluded.era_first,"
            " fingerprint = excluded.fingerprint, published_until = excluded.published_until,"
            " plan = excluded.plan",
            [
                (
                    s.channel,
                    s.epoch,
                    s.era_start,
                    s.era_first,
                    s.fingerprint,
                    s.published_until,
                    s.plan,
                )
                for s in states
            ],
        )

    @staticmethod
    def _collect_items(tx: sqlite3.Connection) -> bool:
        """Drop items no published row names any more, at most once a day (it scans every row)."""
        now = time.time()
        found = tx.execute(
            "SELECT value FROM schedule_meta WHERE key = 'items_collected'"
        ).fetchone()
        if found and now - float(found[0]) < _ITEM_GC_INTERVAL:
            return False
        tx.execute(
            "DELETE FROM schedule_items WHERE key NOT IN ("
            " SELECT programme FROM schedule_airings"
            " UNION SELECT json_extract(part.value, '$[0]')"
            " FROM schedule_airings, json_each(schedule_airings.parts) AS part)"
        )
        tx.execute(
            "INSERT OR REPLACE INTO schedule_meta (key, value) VALUES ('items_collected', ?)",
            (repr(now),),
        )
        return True


def _migrate(db: SqliteFile) -> None:
    """Record the schema version, refusing a schedule written by a newer Retrovue."""
    found = db.execute("SELECT value FROM schedule_meta WHERE key = 'schema'")
    version = int(found[0][0]) if found else 0
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"the schedule in {db.path} was written by a newer Retrovue (schema "
            f"{version}, this one knows {SCHEMA_VERSION}); upgrade Retrovue"
        )
    if version < SCHEMA_VERSION:
        with db.transaction() as tx:
            columns = {row[1] for row in tx.execute("PRAGMA table_info(schedule_channels)")}
            if "plan" not in columns:  # schema 1
                tx.execute("ALTER TABLE schedule_channels ADD COLUMN plan TEXT")
            tx.execute(
                "INSERT OR REPLACE INTO schedule_meta (key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )
