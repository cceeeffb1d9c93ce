"""One SQLite connection to the data dir's ``retrovue.db``, shared safely across threads.

The numbering and schedule stores keep their own tables in the same file as the catalog, so
they use the same conventions: WAL (the HTTP app reads while a publish writes), a busy timeout
(several modules hold connections to one file), autocommit with explicit ``BEGIN IMMEDIATE``
transactions, and sqlite3 errors turned into :class:`~lineup.errors.CatalogError` naming the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from lineup.errors import CatalogError


class Closing:
    """``with thing:`` for anything that has ``close()``: one place for the context protocol."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SqliteFile(Closing):
    """A thread-safe connection; ``what`` names the user of the file in error messages."""

    def __init__(self, path: Path, connection: sqlite3.Connection, what: str):
        self.path = path
        self.what = what
        self._db = connection
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        db_path: Path | str,
        what: str,
        schema: Iterable[str] = (),
        migrate: Callable[[SqliteFile], None] | None = None,
    ) -> SqliteFile:
        """Open (creating if needed) ``db_path``, run ``schema`` (idempotent DDL) in one go,
        then ``migrate``; the file is closed again if any of it fails.
        """
        path = Path(db_path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise CatalogError(f"cannot open the {what} in {path}: {exc}") from exc
        db = cls(path, connection, what)
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            with db.transaction() as tx:
                for statement in schema:
                    tx.execute(statement)
            if migrate is not None:
                migrate(db)
        except BaseException:
            connection.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock for the whole block; commit on success, roll back on error."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise CatalogError(f"{self.what} in {self.path}: {exc}") from exc

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise CatalogError(f"{self.what} in {self.path}: {exc}") from exc
