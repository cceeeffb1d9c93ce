"""Rendered cards on disk: one file per content key, the least recently used removed beyond a
bound, so that a channel announcing a new episode every half hour never fills the disk.

A card's text changes with every programme, so unlike the slate (one per channel, kept forever)
the folder would grow without end. Each use touches the file's modification time; after each
new file the oldest beyond ``keep`` are deleted. Blocking file calls: run them in a thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".ts"


class ClipShelf:
    """``keep`` clips at most in ``directory``, named ``<key>.ts``."""

    def __init__(self, directory: Path, keep: int):
        if keep < 1:
            raise ValueError("a card shelf keeps at least one clip")
        self.directory = directory
        self.keep = keep

    def path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def load(self, key: str) -> bytes | None:
        """The clip stored under ``key`` (marked as just used), or None."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if not data:
            return None
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)
        return data

    def scratch(self, key: str) -> Path:
        """A private folder for one render's work files (its text files, the partial clip)."""
        folder = self.directory / f".{key}.work"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def store(self, key: str, partial: Path) -> bytes:
        """Move a finished render into place, drop the oldest beyond the bound; its bytes."""
        path = self.path(key)
        partial.replace(path)
        self.prune()
        return path.read_bytes()

    def keys(self) -> list[str]:
        """The stored keys, least recently used first."""
        clips = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                    with contextlib.suppress(FileNotFoundError):
                        clips.append((entry.stat().st_mtime_ns, entry.name))
        return [name.removesuffix(SUFFIX) for _, name in sorted(clips)]

    def prune(self) -> int:
        """Delete the least recently used clips beyond ``keep``; how many were deleted."""
        stale = self.keys()[: -self.keep]
        for key in stale:
            self.path(key).unlink(missing_ok=True)
        if stale:
            log.debug("removed %d old card clip(s) from %s", len(stale), self.directory)
        return len(stale)
