"""Times as the API writes and reads them: ISO 8601 in UTC with ``Z`` out; in, ISO with ``Z`` or
an offset, and a time without one read as the server's local time (what a person typing a time
into a query means). A value that is not a time is a 400 with a one-line reason, never a 500."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hdhr_emulator.server.api.errors import ApiError


def iso(ts: float) -> str:
    """``2026-12-07T21:30:00Z`` (milliseconds only when the instant has them)."""
    moment = datetime.fromtimestamp(ts, UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def iso_or_none(ts: float | None) -> str | None:
    return None if ts is None else iso(ts)


def parse_time(name: str, value: str | None, default: float) -> float:
    """The POSIX time of query parameter ``name``, or ``default`` when it is absent."""
    if value is None or value == "":
        return default
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(
            400, f"{name}: {value!r} is not an ISO 8601 time (e.g. 2026-12-07T20:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # naive: the server's local time
    ts = moment.timestamp()
    if not math.isfinite(ts):
        raise ApiError(400, f"{name}: {value!r} is out of range")
    return ts
