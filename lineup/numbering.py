"""Stable channel numbers for the automatic lineup.

Plex and other DVR clients cache guide data and channel mappings per channel number, so a number
must keep meaning the same channel forever: once ``show:cheers`` is channel 4 it stays 4 across
restarts, re-scans and library edits, even after other shows disappear. New channels get the
next number never handed out before (max + 1, starting at 1), so a number is never reused for
different content either — a show that leaves and comes back gets its old number back. Numbers
stop at 9999 (:data:`lineup.models.MAX_CHANNEL_NUMBER`); past it a new channel is an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from lineup.errors import CatalogError
from lineup.models import MAX_CHANNEL_NUMBER
from lineup.sqlite_file import Closing, SqliteFile

log = logging.getLogger(__name__)

MOVIES_KEY = "movies"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS channel_numbers ("
    " key TEXT PRIMARY KEY,"
    " number INTEGER NOT NULL UNIQUE,"
    " assigned REAL NOT NULL)",
)


def show_key(show: str) -> str:
    """The numbering key of a show's channel; case and surrounding spaces do not matter."""
    return "show:" + " ".join(show.split()).casefold()


class ChannelNumbers(Closing):
    """The ``channel_numbers`` table: channel key → number, append-only."""

    def __init__(self, db: SqliteFile):
        self._db = db

    @classmethod
    def open(cls, db_path: Path | str) -> ChannelNumbers:
        return cls(SqliteFile.open(db_path, "channel numbers", _SCHEMA))

    def close(self) -> None:
        self._db.close()

    def all(self) -> dict[str, int]:
        """Every key ever numbered, including channels whose content is gone."""
        return dict(self._db.execute("SELECT key, number FROM channel_numbers"))

    def assign(self, keys: Sequence[str]) -> dict[str, int]:
        """The number of each key; keys never seen before are numbered in the order given."""
        with self._db.transaction() as tx:
            known = dict(tx.execute("SELECT key, number FROM channel_numbers").fetchall())
            highest = max(known.values(), default=0)
            now = time.time()
            for key in keys:
                if key in known:
                    continue
                highest += 1
                if highest > MAX_CHANNEL_NUMBER:  # the transaction rolls back: nothing assigned
                    raise CatalogError(
                        f"no channel number left for {key}: automatic numbers go up to "
                        f"{MAX_CHANNEL_NUMBER} and are never reused; number the channels "
                        "yourself with [[channel]] tables in the config"
                    )
                known[key] = highest
                tx.execute(
                    "INSERT INTO channel_numbers (key, number, assigned) VALUES (?, ?, ?)",
                    (key, highest, now),
                )
                log.info("new channel %d for %s", highest, key)
        return {key: known[key] for key in keys}
