"""Damage a ``retrovue.db`` the way a failing disk or a stray write would, deterministically."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path


def smash_table(db: Path, table: str, seed: int = 10) -> None:
    """Write random bytes over the page at the root of ``table`` (after folding the WAL into the
    file), so the damage always lands in that table and nowhere else."""
    page_size, root = _root_page(db, table)
    with open(db, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(random.Random(seed).randbytes(page_size))


def _root_page(db: Path, table: str) -> tuple[int, int]:
    """(page size, root page number) of ``table``, with the WAL folded into the file first."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    finally:
        connection.close()
    return int(page_size), int(root)


def smash_header(db: Path, seed: int = 11) -> None:
    """Random bytes over the first 100 bytes: SQLite no longer recognises the file."""
    with open(db, "r+b") as file:
        file.write(random.Random(seed).randbytes(100))


def garble_in_table(db: Path, table: str, needle: bytes, seed: int = 12) -> None:
    """Overwrite ``needle`` inside ``table``'s root page (a small table's only page) with random
    letters: the row still reads, silently wrong, and no longer matches its index entry."""
    page_size, root = _root_page(db, table)
    rng = random.Random(seed)
    with open(db, "r+b") as file:
        file.seek((root - 1) * page_size)
        page = file.read(page_size)
        at = page.index(needle)  # ValueError: the needle is not in this page
        file.seek((root - 1) * page_size + at)
        file.write(bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in needle))
