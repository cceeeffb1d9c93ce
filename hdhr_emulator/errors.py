"""The device's leaves of Retrovue's one exception tree (the root is in :mod:`lineup.errors`).

The whole tree, with where each error is turned into an exit code (``cli/main.py``) and an HTTP
status (``server/app.py``)::

    RetrovueError                     exit 1, HTTP 500
     ├── ConfigError                  exit 2: bad config file or command-line value (file:line)
     ├── CatalogError                 the SQLite catalog or schedule cannot be used
     ├── ScanError                    a library source (folder, Plex server) cannot be scanned
     ├── ProbeError                   one file cannot be played (lineup.probe; a skip reason)
     ├── UnknownChannelError          HTTP 404: no channel has the requested number
     ├── FFmpegError                  the ffmpeg binary is missing or unusable
     ├── TunerBusyError               HTTP 503: no tuner free (HDHomeRun error 804/805)
     ├── TokenFileError               the API token file cannot be read or written
     ├── LogoBugError                 a channel's logo cannot be read or scaled for its bug
     └── ApiError                     HTTP 4xx: an API request refused, its status chosen by the
          │                           route (a JSON ``{"error","detail"}`` at api/errors.py)
          └── OverrideError           an emergency override that cannot be honoured
"""

from __future__ import annotations

from typing import Any

from lineup.errors import RetrovueError


class FFmpegError(RetrovueError):
    """Raised when no usable ffmpeg binary can be found, or it fails a render or start-up check."""


class TunerBusyError(RetrovueError):
    """Raised when a channel needs a tuner and none is free.

    ``code`` and ``reason`` are the HDHomeRun ``X-HDHomeRun-Error`` values clients understand:
    805 "All Tuners In Use" for ``/auto``, 804 "Tuner In Use" for a specific ``/tunerN``.
    """

    http_status = 503

    def __init__(self, code: int = 805, reason: str = "All Tuners In Use"):
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}")


class ApiError(RetrovueError):
    """Raised when the REST API refuses a request: the route gives the status (400 bad input,
    404 unknown channel or item, 409 conflict) and a one-line reason; JSON at the API's boundary,
    exit 1 if a command hits it."""

    def __init__(self, status: int, message: str, detail: Any = None):
        super().__init__(message)
        self.http_status = status
        self.detail = detail
