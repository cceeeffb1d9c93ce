"""Retrovue's one exception tree.

Every error a user can cause or meet is a :class:`RetrovueError`; the CLI and the HTTP app turn it
into one clear line (or an HTTP status) at a single boundary, with a traceback only under --debug::

    RetrovueError
     ├── ConfigError          bad configuration or command-line input (exit code 2)
     ├── FFmpegError          the ffmpeg binary is missing or unusable
     ├── CatalogError         the media catalog database cannot be used
     ├── ScanError            a library source cannot be scanned
     ├── UnknownChannelError  no channel has the requested number
     └── TunerBusyError       no tuner is free for a new channel (HDHomeRun error 804/805)
"""

from __future__ import annotations

from pathlib import Path


class RetrovueError(Exception):
    """Root of every error Retrovue raises on purpose."""

    exit_code: int = 1


class ConfigError(RetrovueError):
    """Raised when a config file or command-line value is invalid.

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


class FFmpegError(RetrovueError):
    """Raised when no usable ffmpeg binary can be found or it fails its start-up check."""


class CatalogError(RetrovueError):
    """Raised when the SQLite catalog cannot be opened, migrated or read."""


class ScanError(RetrovueError):
    """Raised when a library source (a folder, a Plex server) cannot be scanned at all."""


class UnknownChannelError(RetrovueError):
    """Raised when a channel number is not in the lineup."""

    def __init__(self, number: int | str):
        self.number = number
        super().__init__(f"no channel {number} in the lineup")


class TunerBusyError(RetrovueError):
    """Raised when a channel needs a tuner and none is free.

    ``code`` and ``reason`` are the HDHomeRun ``X-HDHomeRun-Error`` values clients understand:
    805 "All Tuners In Use" for ``/auto``, 804 "Tuner In Use" for a specific ``/tunerN``.
    """

    def __init__(self, code: int = 805, reason: str = "All Tuners In Use"):
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}")
