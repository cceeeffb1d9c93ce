"""XMLTV timestamps: ``YYYYMMDDhhmmss +0000``, always UTC.

That exact shape (14 digits, one space, a numeric offset) is the only one every consumer parses:
named zones, ``+00:00``, a missing space or ISO 8601 each break Kodi, Jellyfin or the validator.
A guide repeats the same few boundaries thousands of times (every channel changes programme on
the half hour), so :class:`TimestampFormatter` caches whole strings and per-day date prefixes
instead of building a ``datetime`` per call.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["TimestampFormatter", "format_timestamp"]

_DAY = 86_400


def _date_prefix(day: int) -> str:
    return datetime.fromtimestamp(day * _DAY, UTC).strftime("%Y%m%d")


def _format(prefix: str, second_of_day: int) -> str:
    hours, rest = divmod(second_of_day, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{prefix}{hours:02d}{minutes:02d}{seconds:02d} +0000"


def format_timestamp(ts: int) -> str:
    """Format POSIX seconds ``ts`` (UTC) as an XMLTV time, e.g. ``20240101120000 +0000``."""
    day, second_of_day = divmod(int(ts), _DAY)
    return _format(_date_prefix(day), second_of_day)


class TimestampFormatter:
    """:func:`format_timestamp` with memory, for one render.

    Caches grow with the number of distinct instants formatted, so make one per guide rather than
    keeping one for the life of the process.
    """

    __slots__ = ("_days", "cache")

    def __init__(self) -> None:
        #: ts -> formatted string; the writer reads it directly on its hot path.
        self.cache: dict[int, str] = {}
        self._days: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        text = self.cache.get(ts)
        if text is None:
            text = self.miss(ts)
        return text

    def miss(self, ts: int) -> str:
        """Format ``ts`` (not in :attr:`cache`) and remember it."""
        day, second_of_day = divmod(int(ts), _DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = _date_prefix(day)
        text = self.cache[ts] = _format(prefix, second_of_day)
        return text
