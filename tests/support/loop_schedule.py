"""A schedule built by hand: one channel whose segments repeat in a loop from an epoch.

For playout tests of segments the real schedule does not make yet, or makes only with a whole
library (an up-next card between two programmes): it answers the calls a session makes
(``channel``, ``channels``, ``at``, ``airings``) like :class:`lineup.schedule.Schedule`, with
one airing per loop holding every segment.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from lineup.errors import UnknownChannelError
from lineup.models import Airing, Channel, MediaItem, Segment, Tune


@dataclass(frozen=True)
class LoopSchedule:
    """``parts`` (item, seconds) air in order from ``epoch``, then again, forever."""

    channel_: Channel
    parts: Sequence[tuple[MediaItem, float]]
    epoch: float

    @property
    def channels(self) -> tuple[Channel, ...]:
        return (self.channel_,)

    @property
    def period(self) -> float:
        return sum(seconds for _, seconds in self.parts)

    def channel(self, number: int) -> Channel:
        if number != self.channel_.number:
            raise UnknownChannelError(number)
        return self.channel_

    def starts(self, item: MediaItem, t0: float, t1: float) -> list[float]:
        """When ``item``'s segments start in [t0, t1)."""
        return [
            s.start
            for airing in self.airings(self.channel_.number, t0, t1)
            for s in airing.segments
            if s.item == item and t0 <= s.start < t1
        ]

    def _airing(self, loop: int) -> Airing:
        start = self.epoch + loop * self.period
        segments, at = [], start
        for item, seconds in self.parts:
            segments.append(Segment(item, at, seconds))
            at += seconds
        programme = self.parts[0][0]
        stop = start + self.period
        return Airing(self.channel_.number, programme, int(start), int(stop), tuple(segments))

    def at(self, number: int, t: float) -> Tune:
        airing = self._airing(math.floor((t - self.epoch) / self.period))
        segments = airing.segments
        index = max(0, bisect.bisect_right([s.start for s in segments], t) - 1)
        segment = segments[index]
        return Tune(airing, segment, segment.seek + (t - segment.start))

    def airings(self, number: int, t0: float, t1: float, *, segments: bool = True) -> list[Airing]:
        self.channel(number)
        first = math.floor((t0 - self.epoch) / self.period)
        last = math.ceil((t1 - self.epoch) / self.period)
        return [self._airing(loop) for loop in range(first, last)]
