"""Real-time pacing as arithmetic: when may media with a given timestamp be sent?

The caller supplies the clock (``time.monotonic()`` in production, a plain number in tests).
The first timestamp asked about is anchored to the time it was asked; from then on media at
timestamp ``ts`` may be released once ``now >= t0 + (ts - ts0) / 90 kHz - lead``. So a new
session sends ``lead`` seconds at once (the tune-in burst) and then stays ``lead`` seconds
ahead of real time; if production falls behind, everything due is released at once.
"""

from __future__ import annotations

from hdhr_emulator.playout.ts.packets import PTS_HZ, wrap_delta


class Pacer:
    """Releases media no faster than real time plus ``lead`` seconds."""

    def __init__(self, lead: float = 3.0):
        if lead < 0:
            raise ValueError("lead must be >= 0")
        self.lead = lead
        self._t0: float | None = None
        self._ts0 = 0  # unwrapped anchor timestamp
        self._last_raw = 0  # the last timestamp passed in, to unwrap the next one
        self._last = 0  # ... unwrapped

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def start(self, ts: int, now: float) -> None:
        """Anchor media timestamp ``ts`` (90 kHz ticks) to clock time ``now``."""
        self._t0 = now
        self._ts0 = self._last = self._last_raw = ts

    def reset(self) -> None:
        """Forget the anchor: the next call starts a new burst."""
        self._t0 = None

    def release_limit(self, now: float) -> int:
        """The largest timestamp (unwrapped ticks) that may be sent at ``now``."""
        if self._t0 is None:
            raise RuntimeError("the pacer has no anchor yet: call start() or delay_until_release()")
        return self._ts0 + int((now - self._t0 + self.lead) * PTS_HZ)

    def delay_until_release(self, ts: int, now: float) -> float:
        """Seconds to wait before media at timestamp ``ts`` may be sent (0.0: send now).

        ``ts`` is in 90 kHz ticks, either unwrapped (:attr:`Splicer.timeline_end`) or as
        written in packets (33-bit, wrapping); consecutive calls must be less than 13 h apart
        in media time. The first call anchors the pacer and returns 0.
        """
        if self._t0 is None:
            self.start(ts, now)
            return 0.0
        self._last += wrap_delta(ts, self._last_raw)
        self._last_raw = ts
        due = self._t0 + (self._last - self._ts0) / PTS_HZ - self.lead
        return max(0.0, due - now)

    def ahead(self, now: float) -> float | None:
        """How far the newest media asked about is ahead of real time at ``now`` (None before
        the anchor): about ``lead`` while production keeps up, falling below it (and under 0)
        while production is slower than real time. Arithmetic only: cheap to ask any time."""
        if self._t0 is None:
            return None
        return (self._last - self._ts0) / PTS_HZ - (now - self._t0)

    def delay(self, seconds: float, now: float) -> float:
        """:meth:`delay_until_release` for a media position in seconds."""
        return self.delay_until_release(round(seconds * PTS_HZ), now)
