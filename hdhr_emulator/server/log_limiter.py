"""Log a repeated event once per period with a count, never once per occurrence.

A server out of descriptors fails every accept, every ~second, for as long as the cause lasts; a
per-attempt traceback once filled 5 MB of log in 38 s and buried the one line that mattered. So
the first occurrence of an event is logged at once, later ones within the period are only
counted, and the count is logged when the period ends (from the event loop, if one is running,
else with the next occurrence).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Window:
    started: float
    suppressed: int = 0
    flush_scheduled: bool = False


class OncePerPeriod:
    """Logs each distinct ``key`` at most once per ``period`` seconds, with how many times it
    happened meanwhile."""

    def __init__(
        self,
        logger: logging.Logger,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        level: int = logging.WARNING,
    ):
        self._log = logger
        self._level = level
        self._period = period
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._messages: dict[str, str] = {}

    def event(self, key: str, message: str) -> None:
        """One occurrence of ``key``; ``message`` is the line logged for it (without count)."""
        now = self._clock()
        self._messages[key] = message
        window = self._windows.get(key)
        if window is None or now - window.started >= self._period:
            earlier = window.suppressed if window is not None else 0
            self._windows[key] = _Window(now)
            if earlier:
                self._log.log(self._level, "%s (%d more times before this)", message, earlier)
            else:
                self._log.log(self._level, "%s", message)
            return
        window.suppressed += 1
        if not window.flush_scheduled:
            window.flush_scheduled = self._schedule_flush(key, window.started + self._period - now)

    def flush(self) -> None:
        """Log every count not logged yet (at shutdown, or when a period ends)."""
        for key in list(self._windows):
            self._flush(key)

    def _schedule_flush(self, key: str, delay: float) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        loop.call_later(max(delay, 0.0), self._flush, key)
        return True

    def _flush(self, key: str) -> None:
        window = self._windows.get(key)
        if window is None or not window.suppressed:
            return
        self._log.log(
            self._level,
            "%s (%d times in the last %.0f s)",
            self._messages[key],
            window.suppressed,
            self._period,
        )
        self._windows[key] = _Window(self._clock())
