"""Emergency overrides as a layer over the schedule: pure arithmetic, no I/O.

While an override is active on a channel its item airs there instead of the scheduled segments,
looped from the override's start; the instant it ends the channel is exactly where its schedule
says, mid-item if need be (the item entered at the right offset). Playout and the API both read
the schedule through :class:`OverlaidSchedule`, so what the API lists is what goes on air.

The rule for any instant ``t`` on a channel: the newest override covering ``t`` wins, else the
schedule's segment; either is then cut at every override start or end around ``t``, so pieces
never straddle a switch (a piece that begins at a switch enters its item at the offset its
schedule had reached).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lineup.models import Airing, Channel, MediaItem, Segment, Tune
from lineup.schedule import Schedule


@dataclass(frozen=True, slots=True)
class OverrideWindow:
    """One override as the schedule sees it: ``item`` (looped) on ``channels`` from ``start``
    until ``end`` (None: until it is ended). ``channels`` None means every channel."""

    start: float
    end: float | None
    item: MediaItem  # the loop unit; a message card has no path (playout draws it)
    channels: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.item.duration <= 0:
            raise ValueError("an override's item must have a positive duration")
        if self.end is not None and self.end <= self.start:
            raise ValueError("an override must end after it starts")

    def applies_to(self, number: int) -> bool:
        return self.channels is None or number in self.channels

    def covers(self, number: int, t: float) -> bool:
        return self.applies_to(number) and self.start <= t and (self.end is None or t < self.end)

    def segment_at(self, t: float) -> Segment:
        """The loop of the item airing at ``t`` (cut at the window's end)."""
        length = self.item.duration
        start = self.start + math.floor((t - self.start) / length) * length
        stop = start + length if self.end is None else min(start + length, self.end)
        return Segment(self.item, start, stop - start, 0.0)


def active_window(
    windows: Sequence[OverrideWindow], number: int, t: float
) -> OverrideWindow | None:
    """The newest window covering channel ``number`` at ``t`` (None: the schedule airs)."""
    covering = [w for w in windows if w.covers(number, t)]
    return max(covering, key=lambda w: w.start) if covering else None


def piece_at(
    scheduled: Segment, windows: Sequence[OverrideWindow], number: int, t: float
) -> Segment:
    """What airs at ``t`` on channel ``number``, given the schedule's segment at ``t``."""
    window = active_window(windows, number, t)
    segment = window.segment_at(t) if window is not None else scheduled
    switches = [
        edge
        for w in windows
        if w.applies_to(number)
        for edge in (w.start, w.end)
        if edge is not None and segment.start < edge < segment.stop
    ]
    begin = max((edge for edge in switches if edge <= t), default=segment.start)
    stop = min((edge for edge in switches if edge > t), default=segment.stop)
    return Segment(segment.item, begin, stop - begin, segment.seek + (begin - segment.start))


def layered_segments(
    airing: Airing, windows: Sequence[OverrideWindow], number: int
) -> tuple[Segment, ...]:
    """``airing``'s time span as it airs under ``windows``: pieces within its start and stop."""
    segments = airing.segments
    if not segments or not any(w.applies_to(number) for w in windows):
        return segments
    pieces: list[Segment] = []
    t = float(airing.start)
    while t < airing.stop:
        index = max(0, bisect.bisect_right(segments, t, key=lambda s: s.start) - 1)
        piece = piece_at(segments[index], windows, number, t)
        if piece.start < t:  # a loop that began in the previous airing: from this one's start
            piece = Segment(piece.item, t, piece.stop - t, piece.seek + (t - piece.start))
        if piece.stop > airing.stop:
            piece = replace(piece, duration=airing.stop - piece.start)
        pieces.append(piece)
        t = piece.stop
    return tuple(pieces)


class OverlaidSchedule(Schedule):
    """A :class:`Schedule` with override windows laid over it.

    A subclass so that everything typed ``Schedule`` (playout, the API, the guide) takes it
    unchanged; it holds no state of its own but the base schedule and the windows, and answers
    every public question by asking the base.
    """

    def __init__(  # the base's state is the base's: no super().__init__
        self, base: Schedule, windows: Sequence[OverrideWindow]
    ) -> None:
        self._base = base
        self._windows = tuple(windows)

    @property
    def base(self) -> Schedule:
        return self._base

    @property
    def windows(self) -> tuple[OverrideWindow, ...]:
        return self._windows

    @property
    def channels(self) -> tuple[Channel, ...]:
        return self._base.channels

    @property
    def horizon(self) -> float:
        return self._base.horizon

    def channel(self, number: int) -> Channel:
        return self._base.channel(number)

    def published_until(self, number: int) -> int | None:
        return self._base.published_until(number)

    def publish(self, now: float) -> None:
        self._base.publish(now)

    def at(self, number: int, t: float) -> Tune:
        tune = self._base.at(number, t)
        piece = piece_at(tune.segment, self._windows, number, t)
        window = active_window(self._windows, number, t)
        airing = tune.airing
        if window is not None:  # the override is the "programme" while it airs
            stop = math.ceil(piece.stop if window.end is None else window.end)
            airing = Airing(number, window.item, math.floor(window.start), stop, (piece,))
        return Tune(airing, piece, piece.seek + (t - piece.start))

    def airings(self, number: int, t0: float, t1: float, *, segments: bool = True) -> list[Airing]:
        found = self._base.airings(number, t0, t1, segments=segments)
        if not segments:
            return found
        return [
            replace(airing, segments=layered_segments(airing, self._windows, number))
            for airing in found
        ]
