"""Who gets the console at ``/``: only a client that names ``text/html`` in its ``Accept``.

A real HDHomeRun answers ``/`` with its own HTML page for people; emulators' clients read
``device.xml`` there. Browsers always list ``text/html`` explicitly; no tuner client does (Plex
sends no ``Accept`` at all, so its HTTP library's ``*/*`` applies; ffmpeg/Lavf sends ``*/*``;
Jellyfin, Emby and Channels DVR fetch ``discover.json``, ``lineup.json`` and ``device.xml`` by
name). A wildcard therefore never selects the console: anything short of an explicit
``text/html`` keeps the XML every one of them got before.
"""

from __future__ import annotations

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def wants_html(accept: str | None) -> bool:
    """True when ``accept`` names an HTML type explicitly with a quality above 0."""
    if not accept:
        return False
    for entry in accept.split(","):
        media_type, *params = entry.split(";")
        if media_type.strip().lower() in HTML_TYPES and _quality(params) > 0:
            return True
    return False
