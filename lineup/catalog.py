"""The media catalog: one SQLite row per file found under the library roots, playable or not.

SQLite because the catalog must survive restarts, be re-scanned in place (row ids are what
channels and the guide hold on to, so a path keeps its id when the file changes) and be shared
with the other modules' tables in the data dir's ``retrovue.db``. Our tables are prefixed
``media_``; our schema version lives in ``media_schema`` under our own key rather than in
``PRAGMA user_version``, which every module writing to the file would fight over.

Unplayable files are kept too (``skipped = 1`` with a reason) so a re-scan does not probe them
again and the user can be told why an episode is missing; ``items()`` never returns them.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineup import colour
from lineup.break_table import BreakTable, migrate_breaks
from lineup.errors import CatalogError
from lineup.loudness_table import LoudnessTable, migrate_loudness
from lineup.models import ARTWORK_PREFIX, ItemKind, MediaInfo, MediaItem, MediaServerRef
from lineup.naming import ParsedName, filler_kind_of
from lineup.sqlite_file import Closing, SqliteFile

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
_COMPONENT = "media_items"

# _MIGRATIONS[n] takes the schema from version n to n + 1; never edit a released step.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE IF NOT EXISTS media_items (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL DEFAULT 'local',
            size INTEGER NOT NULL DEFAULT 0,
            mtime_ns INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            show TEXT,
            season INTEGER,
            episode INTEGER,
            episode_end INTEGER,
            year INTEGER,
            duration REAL,
            container TEXT,
            video_codec TEXT,
            width INTEGER,
            height INTEGER,
            fps REAL,
            audio_codec TEXT,
            audio_channels INTEGER NOT NULL DEFAULT 0,
            summary TEXT,
            genres TEXT NOT NULL DEFAULT '[]',
            icon TEXT,
            skipped INTEGER NOT NULL DEFAULT 0,
            skip_reason TEXT,
            scanned_at REAL NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS media_items_playable "
        "ON media_items (skipped, kind, show, season, episode)",
    ),
    (  # 2: items from media servers (Plex), and the guide metadata they bring
        "ALTER TABLE media_items ADD COLUMN content_rating TEXT",
        "ALTER TABLE media_items ADD COLUMN aired TEXT",
        "ALTER TABLE media_items ADD COLUMN section TEXT",
        "ALTER TABLE media_items ADD COLUMN collections TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE media_items ADD COLUMN server TEXT",
        "ALTER TABLE media_items ADD COLUMN part_key TEXT",
        "ALTER TABLE media_items ADD COLUMN remote_file TEXT",
        "ALTER TABLE media_items ADD COLUMN art_key TEXT",
        "ALTER TABLE media_items ADD COLUMN remote_version TEXT",
        "CREATE INDEX IF NOT EXISTS media_items_server ON media_items (server)",
        # which server (machineIdentifier) answered at which configured URL, last time
        "CREATE TABLE IF NOT EXISTS media_servers "
        "(url TEXT PRIMARY KEY, server_id TEXT NOT NULL, seen_at REAL NOT NULL)",
    ),
    (  # 3: the network/studio (Plex, .nfo), and which .nfo a local file's metadata came from
        "ALTER TABLE media_items ADD COLUMN studio TEXT",
        "ALTER TABLE media_items ADD COLUMN nfo_stamp TEXT",
    ),
    (  # 4: the video's colour, matrix/range/primaries/transfer (lineup.colour.encode)
        "ALTER TABLE media_items ADD COLUMN colour TEXT",
    ),
)

_ITEM_COLUMNS = (
    "id, path, source, kind, title, show, season, episode, episode_end, year, duration, "
    "container, video_codec, width, height, fps, audio_codec, audio_channels, summary, genres, "
    "icon, content_rating, aired, section, collections, server, part_key, remote_file, art_key, "
    "studio, colour"
)
_ORDER = "show IS NULL, show COLLATE NOCASE, show, season, episode, path"


def _upsert(columns: str) -> str:
    """INSERT of ``columns`` (comma-separated) that updates every one of them in place when the
    path is already catalogued, so a path keeps its row id."""
    names = [name.strip() for name in columns.split(",")]
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != "path")
    return (
        f"INSERT INTO media_items ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT (path) DO UPDATE SET {updates}"
    )


_UPSERT = _upsert(
    "path, source, size, mtime_ns, kind, title, show, season, episode, episode_end, year, "
    "duration, container, video_codec, width, height, fps, audio_codec, audio_channels, "
    "skipped, skip_reason, scanned_at, colour"
)
_REMOTE_UPSERT = _upsert(
    "path, source, kind, title, show, season, episode, episode_end, year, duration, container, "
    "video_codec, width, height, fps, audio_codec, audio_channels, summary, genres, "
    "content_rating, aired, section, collections, server, part_key, remote_file, art_key, "
    "remote_version, skipped, skip_reason, scanned_at, studio"
)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file the library found but cannot play, and why (``no video stream``, ...)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class SkippedEpisode:
    """An episode file the scan skipped, with the numbers its name gives, so that asking for
    that episode (``retrovue play``) can be answered with why it is not there."""

    show: str
    season: int | None
    episode: int | None
    episode_end: int | None
    file: SkippedFile


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What a scan learned about one file: its fingerprint, its name and either info or a reason.

    Exactly one of ``info`` (playable) and ``skip_reason`` (unplayable) is set.
    """

    path: str
    size: int
    mtime_ns: int
    name: ParsedName
    info: MediaInfo | None = None
    skip_reason: str | None = None
    source: str = "local"

    def __post_init__(self) -> None:
        if (self.info is None) == (self.skip_reason is None):
            raise ValueError("a FileRecord needs exactly one of info and skip_reason")


@dataclass(frozen=True, slots=True)
class RemoteRecord:
    """One item as a media server (Plex) describes it, ready to be catalogued.

    ``item`` carries everything but the row id (its ``id`` is ignored; its ``path`` is the
    item's locator on the server). ``version`` is what a re-scan compares to decide whether the
    item changed (Plex's ``updatedAt`` and the like), so unchanged items are not rewritten.
    """

    item: MediaItem
    version: str

    def __post_init__(self) -> None:
        if self.item.remote is None:
            raise ValueError("a RemoteRecord needs item.remote")


@dataclass(frozen=True, slots=True)
class LocalMetadata:
    """A local file's metadata from its ``.nfo`` (or none: ``stamp`` ""), merged with what its
    name says (``year``), and the stamp of the ``.nfo`` it came from."""

    path: str
    stamp: str
    studio: str | None = None
    genres: tuple[str, ...] = ()
    content_rating: str | None = None
    year: int | None = None


Fingerprint = tuple[int, int]  # (size in bytes, mtime in ns): unchanged means "do not probe"


class Catalog(Closing):
    """The ``media_items`` table of one SQLite file. Use :meth:`open`; safe across threads.

    The connection comes from :class:`~lineup.sqlite_file.SqliteFile`, the data dir's shared
    conventions (WAL, busy timeout, explicit transactions, errors as CatalogError).
    """

    def __init__(self, db: SqliteFile):
        self.path = db.path
        self._db = db
        self.breaks = BreakTable(db)  # each programme's break points, by file identity
        self.loudness = LoudnessTable(db)  # each local file's loudness, by file identity

    @classmethod
    def open(cls, db_path: Path | str) -> Catalog:
        """Open (creating or migrating as needed) the catalog in ``db_path``.

        Raises CatalogError naming the file if it is not a usable SQLite database.
        """
        return cls(SqliteFile.open(db_path, "media catalog", migrate=_migrate))

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"Catalog({str(self.path)!r})"

    # -- reading ---------------------------------------------------------------------------

    def items(self, kind: ItemKind | None = None) -> list[MediaItem]:
        """Playable items, by show, season, episode then path (shows first, the rest after)."""
        where, args = ("skipped = 0", ()) if kind is None else ("skipped = 0 AND kind = ?", (kind,))
        sql = f"SELECT {_ITEM_COLUMNS} FROM media_items WHERE {where} ORDER BY {_ORDER}"
        rows = self._db.execute(sql, args)
        return self._filled([_to_item(row) for row in rows])

    def get(self, item_id: int) -> MediaItem | None:
        """The playable item with this id, or None (unknown id, or a skipped file)."""
        rows = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM media_items WHERE id = ? AND skipped = 0", (item_id,)
        )
        return self._filled([_to_item(rows[0])])[0] if rows else None

    def current(self, item: MediaItem) -> MediaItem | None:
        """The catalog's present version of ``item``, which the published schedule may hold in
        an older form: the same locator (a Plex item whose file was upgraded has a new part),
        else the same episode of the same show (a renamed file, a re-added Plex item), else
        the same movie (title and year), from the same kind of source. None if gone."""
        found = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM media_items WHERE path = ? AND skipped = 0",
            (item.path,),
        )
        if not found and item.kind == ItemKind.EPISODE and item.show and item.episode is not None:
            found = self._db.execute(
                f"SELECT {_ITEM_COLUMNS} FROM media_items WHERE skipped = 0 AND kind = ? "
                "AND show = ? COLLATE NOCASE AND season IS ? AND episode = ? AND source = ? "
                "ORDER BY id LIMIT 1",
                (item.kind, item.show, item.season, item.episode, item.source),
            )
        elif not found and item.kind == ItemKind.MOVIE:
            found = self._db.execute(
                f"SELECT {_ITEM_COLUMNS} FROM media_items WHERE skipped = 0 AND kind = ? "
                "AND title = ? COLLATE NOCASE AND year IS ? AND source = ? ORDER BY id LIMIT 1",
                (item.kind, item.title, item.year, item.source),
            )
        return self._filled([_to_item(found[0])])[0] if found else None

    def _filled(self, items: list[MediaItem]) -> list[MediaItem]:
        """``items`` with what the scan's later stages found (break points, loudness)."""
        return self.loudness.fill(self.breaks.fill(items))

    def skipped(self) -> list[SkippedFile]:
        """Every file found but not playable, by path."""
        rows = self._db.execute(
            "SELECT path, skip_reason FROM media_items WHERE skipped = 1 ORDER BY path"
        )
        return [SkippedFile(path, reason or "unknown") for path, reason in rows]

    def skipped_episodes(self) -> list[SkippedEpisode]:
        """Every skipped file named as an episode of a show, by path."""
        rows = self._db.execute(
            "SELECT show, season, episode, episode_end, path, skip_reason FROM media_items "
            "WHERE skipped = 1 AND kind = ? AND show IS NOT NULL ORDER BY path",
            (ItemKind.EPISODE.value,),
        )
        return [
            SkippedEpisode(show, season, episode, end, SkippedFile(path, reason or "unknown"))
            for show, season, episode, end, path, reason in rows
        ]

    def skipped_count(self) -> int:
        """How many unplayable files the catalog holds."""
        rows = self._db.execute("SELECT count(*) FROM media_items WHERE skipped = 1")
        return int(rows[0][0])

    def counts(self) -> dict[ItemKind, int]:
        """Playable items per kind (kinds without any are absent)."""
        rows = self._db.execute(
            "SELECT kind, count(*) FROM media_items WHERE skipped = 0 GROUP BY kind"
        )
        return {ItemKind(kind): int(count) for kind, count in rows}

    def shows(self) -> list[str]:
        """Names of the shows with at least one playable episode, alphabetically."""
        rows = self._db.execute(
            "SELECT DISTINCT show FROM media_items WHERE skipped = 0 AND show IS NOT NULL "
            "ORDER BY show COLLATE NOCASE, show"
        )
        return [show for (show,) in rows]

    def fingerprints(self, root: Path | str) -> dict[str, Fingerprint]:
        """``{path: (size, mtime_ns)}`` for every local file recorded under ``root``.

        One indexed range query on the path (``root/`` ≤ path < ``root0``), so a re-scan of
        ten thousand files costs milliseconds here.
        """
        rows = self._db.execute(
            "SELECT path, size, mtime_ns FROM media_items "
            "WHERE source = 'local' AND path >= ? AND path < ?",
            _path_range(root),
        )
        return {path: (size, mtime_ns) for path, size, mtime_ns in rows}

    def nfo_stamps(self, root: Path | str) -> dict[str, str]:
        """``{path: stamp}`` of every local file under ``root``: which ``.nfo`` (path, size and
        mtime) its metadata was last read from, "" for none. A row from before ``.nfo`` support
        counts as none, which is true of its metadata: so upgrading rewrites only the rows an
        ``.nfo`` describes, not the whole library."""
        rows = self._db.execute(
            "SELECT path, coalesce(nfo_stamp, '') FROM media_items "
            "WHERE source = 'local' AND path >= ? AND path < ?",
            _path_range(root),
        )
        return {path: stamp for path, stamp in rows}

    def server_ids(self) -> dict[str, str]:
        """``{configured URL: server identity}`` as the last successful import saw them."""
        rows = self._db.execute("SELECT url, server_id FROM media_servers")
        return {url: server_id for url, server_id in rows}

    def remember_server(self, url: str, server_id: str) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO media_servers (url, server_id, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET server_id = excluded.server_id, "
                "seen_at = excluded.seen_at",
                (url, server_id, time.time()),
            )

    def remote_versions(self, server: str) -> dict[str, str]:
        """``{path: version}`` of every item recorded from the media server ``server`` (its
        identity, e.g. Plex's machineIdentifier)."""
        rows = self._db.execute(
            "SELECT path, remote_version FROM media_items WHERE server = ?", (server,)
        )
        return {path: version or "" for path, version in rows}

    # -- writing ---------------------------------------------------------------------------

    def apply_remote(
        self, records: Iterable[RemoteRecord] = (), removed: Iterable[str] = ()
    ) -> None:
        """Insert or update media-server items and delete ``removed`` paths, in one transaction."""
        now = time.time()
        self._write(_REMOTE_UPSERT, [_to_remote_row(record, now) for record in records], removed)

    def apply(self, records: Iterable[FileRecord] = (), removed: Iterable[str] = ()) -> None:
        """Insert or update ``records`` and delete the ``removed`` paths, in one transaction.

        An existing path is updated in place, so its row id (and anything pointing at it)
        survives the file being replaced.
        """
        now = time.time()
        self._write(_UPSERT, [_to_row(record, now) for record in records], removed)

    def apply_metadata(self, updates: Iterable[LocalMetadata]) -> None:
        """Set the ``.nfo`` metadata of local files already catalogued, in one transaction.

        Separate from :meth:`apply` because an edited ``.nfo`` changes the metadata of files
        that need no probing (their own size and mtime did not change).
        """
        rows = [
            (
                update.studio, json.dumps(list(update.genres)), update.content_rating,
                update.year, update.stamp, update.path,
            )
            for update in updates
        ]  # fmt: skip
        if not rows:
            return
        with self._db.transaction() as tx:
            tx.executemany(
                "UPDATE media_items SET studio = ?, genres = ?, content_rating = ?, year = ?, "
                "nfo_stamp = ? WHERE path = ? AND source = 'local'",
                rows,
            )
        log.debug("catalog: metadata of %d local files updated", len(rows))

    def _write(self, upsert: str, rows: list[tuple[object, ...]], removed: Iterable[str]) -> None:
        gone = [(path,) for path in removed]
        if not rows and not gone:
            return
        with self._db.transaction() as tx:
            tx.executemany(upsert, rows)
            tx.executemany("DELETE FROM media_items WHERE path = ?", gone)
        log.debug("catalog: %d written, %d removed", len(rows), len(gone))


def _migrate(db: SqliteFile) -> None:
    """Bring our tables to SCHEMA_VERSION, refusing a catalog from a newer Retrovue."""
    with db.transaction() as tx:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS media_schema "
            "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        found = tx.execute(
            "SELECT version FROM media_schema WHERE component = ?", (_COMPONENT,)
        ).fetchone()
        version = found[0] if found else 0
        if version > SCHEMA_VERSION:
            raise CatalogError(
                f"the media catalog in {db.path} was written by a newer Retrovue "
                f"(schema {version}; this one knows {SCHEMA_VERSION}): upgrade Retrovue"
            )
        for step in range(version, SCHEMA_VERSION):
            log.info("media catalog %s: schema %d -> %d", db.path, step, step + 1)
            for statement in _MIGRATIONS[step]:
                tx.execute(statement)
        tx.execute(
            "INSERT INTO media_schema (component, version) VALUES (?, ?) "
            "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (_COMPONENT, SCHEMA_VERSION),
        )
        migrate_breaks(tx)
        migrate_loudness(tx)


def _path_range(root: Path | str) -> tuple[str, str]:
    """``(low, high)`` such that ``low <= path < high`` holds for exactly the paths under
    ``root``: one indexed range scan instead of a LIKE."""
    prefix = str(root)
    if not prefix.endswith(os.sep):
        prefix += os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)


def _to_row(record: FileRecord, now: float) -> tuple[object, ...]:
    name, info = record.name, record.info
    return (
        record.path,
        record.source,
        record.size,
        record.mtime_ns,
        name.kind.value,
        name.title,
        name.show,
        name.season,
        name.episode,
        name.episode_end,
        name.year,
        info.duration if info else None,
        info.container if info else None,
        info.video_codec if info else None,
        info.width if info else None,
        info.height if info else None,
        info.fps if info else None,
        info.audio_codec if info else None,
        info.audio_channels if info else 0,
        0 if info else 1,
        record.skip_reason,
        now,
        _colour_column(info),
    )


def _to_remote_row(record: RemoteRecord, now: float) -> tuple[object, ...]:
    item, info, remote = record.item, record.item.info, record.item.remote
    assert remote is not None
    return (
        item.path, item.source, item.kind.value, item.title, item.show, item.season,
        item.episode, item.episode_end, item.year, info.duration, info.container,
        info.video_codec, info.width, info.height, info.fps, info.audio_codec,
        info.audio_channels, item.summary, json.dumps(list(item.genres)),
        item.content_rating, item.aired, item.section, json.dumps(list(item.collections)),
        remote.server, remote.part_key, remote.file, remote.art_key, record.version, 0, None,
        now, item.studio,
    )  # fmt: skip


def _colour_column(info: MediaInfo | None) -> str | None:
    if info is None:
        return None
    return colour.encode(
        info.colour_matrix, info.colour_range, info.colour_primaries, info.colour_transfer
    )


def artwork_path(item_id: int) -> str:
    """Where this server publishes a media-server item's artwork (root-relative)."""
    return f"{ARTWORK_PREFIX}{item_id}"


def _to_item(row: tuple[Any, ...]) -> MediaItem:
    (
        item_id, path, source, kind, title, show, season, episode, episode_end, year, duration,
        container, video_codec, width, height, fps, audio_codec, audio_channels, summary,
        genres, icon, content_rating, aired, section, collections, server, part_key,
        remote_file, art_key, studio, colour_text,
    ) = row  # fmt: skip
    remote = None
    if server is not None and part_key is not None:
        remote = MediaServerRef(server, part_key, remote_file or "", art_key)
        if art_key:  # served through us: a media server's artwork URL would carry its token
            icon = artwork_path(item_id)
    matrix, colour_range, primaries, transfer = colour.decode(colour_text)
    info = MediaInfo(
        duration=duration,
        container=container,
        video_codec=video_codec,
        width=width,
        height=height,
        fps=fps,
        audio_codec=audio_codec,
        audio_channels=audio_channels,
        colour_matrix=matrix,
        colour_range=colour_range,
        colour_primaries=primaries,
        colour_transfer=transfer,
    )
    return MediaItem(
        id=item_id,
        path=path,
        kind=ItemKind(kind),
        title=title,
        info=info,
        show=show,
        season=season,
        episode=episode,
        episode_end=episode_end,
        year=year,
        summary=summary,
        genres=tuple(json.loads(genres)) if genres else (),
        icon=icon,
        source=source,
        content_rating=content_rating,
        aired=aired,
        section=section,
        collections=tuple(json.loads(collections)) if collections else (),
        remote=remote,
        studio=studio,
        filler_kind=filler_kind_of(path) if kind == ItemKind.FILLER else None,
    )
