"""The web console: a one-page app (plain ES modules, no build step) for a person with a browser.

Its files ship inside the package (``static/``) so ``pip install`` is all a user needs; the
console reads and steers the station only through ``/api/v1`` and ``/api/v1/events``, like any
other API client. :mod:`hdhr_emulator.server.routes.console` serves it.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
INDEX_FILE = "index.html"
