"""The root of Retrovue's one exception tree, and the leaves the library (lineup) raises.

Every error a user can cause or meet is a :class:`RetrovueError`; the CLI turns it into one line
and ``exit_code``, the HTTP app into ``http_status``, each at a single boundary, with a traceback
only under --debug. The root lives here because lineup is the lowest layer; the device adds its
own leaves in :mod:`hdhr_emulator.errors`, whose docstring draws the whole tree.
"""

from __future__ import annotations

from pathlib import Path


class RetrovueError(Exception):
    """Root of every error Retrovue raises on purpose."""

    exit_code: int = 1
    http_status: int = 500


class ConfigError(RetrovueError):
    """Raised when a config file or command-line value is invalid (exit code 2).

    ``path`` and ``line`` point at the offending spot when known, so the message can read
    ``retrovue.toml:12: unknown key 'nmae' in [[channel]] (did you mean 'name'?)``.
    """

    exit_code = 2

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class CatalogError(RetrovueError):
    """Raised when the SQLite catalog cannot be opened, migrated or read."""


class ScanError(RetrovueError):
    """Raised when a library source (a folder, a Plex server) cannot be scanned at all."""


class UnknownChannelError(RetrovueError):
    """Raised when a channel number is not in the lineup."""

    http_status = 404

    def __init__(self, number: int | str):
        self.number = number
        super().__init__(f"no channel {number} in the lineup")
