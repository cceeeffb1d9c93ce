"""What the library holds, for people: items per kind, when it was last scanned, and every file
found but not playable with the reason (read from the catalog, where the scan records them)."""

from __future__ import annotations

from dataclasses import dataclass

from lineup.catalog import Catalog, SkippedFile
from lineup.models import ItemKind


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    episodes: int = 0
    movies: int = 0
    filler: int = 0
    shows: int = 0

    @property
    def total(self) -> int:
        """Playable items (shows are groups of episodes, not items)."""
        return self.episodes + self.movies + self.filler


@dataclass(frozen=True, slots=True)
class LibraryReport:
    counts: LibraryCounts
    last_scan: float | None  # time.time() when a scan last finished (None: not in this run)
    skipped: tuple[SkippedFile, ...]


def library_report(catalog: Catalog, last_scan: float | None) -> LibraryReport:
    """The catalog's counts and skipped files (blocking: SQLite queries)."""
    by_kind = catalog.counts()
    counts = LibraryCounts(
        episodes=by_kind.get(ItemKind.EPISODE, 0),
        movies=by_kind.get(ItemKind.MOVIE, 0),
        filler=by_kind.get(ItemKind.FILLER, 0),
        shows=len(catalog.shows()),
    )
    return LibraryReport(counts, last_scan, tuple(catalog.skipped()))
