"""One channel's airings at any instant, as arithmetic on its cycle.

The current *era* plays the channel's :class:`~lineup.cycle.Cycle` in a loop: from the era's
start a slate *bridge* runs up to the next instant on the cycle's grid (only when the era does
not start on it), then loop after loop of slots from ``era_first``. Every loop has the same
length, so the slot airing at any instant is a division (which loop) and a bisect over the
loop's offsets (which slot), even a year ahead.

Before the era: the rows published for the eras before it (:mod:`lineup.schedule.past`), and
before anything retained, the era extrapolated backwards, a best effort for instants nobody
will tune to. This module owns that arithmetic and nothing else: no writing, no locking.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import math
from collections.abc import Callable
from typing import Any

from lineup.cycle import Cycle, Slot
from lineup.models import Airing, MediaItem, Segment
from lineup.schedule.decorate import decorate, station_ids
from lineup.schedule.past import PastAirings, StoredItems
from lineup.schedule.store import ChannelState, ScheduleStore

__all__ = ["BRIDGE", "Timeline", "segments_of"]

log = logging.getLogger(__name__)

#: the slot index of an era's slate bridge in :meth:`Timeline.slot_starts` (and as a Python
#: index, the last entry of a timeline's slot tables, which is where the bridge is)
BRIDGE = -1


class Timeline:
    """One channel: its current era as arithmetic, plus the published rows of the eras before.

    ``state`` is the channel's persisted state; the era it describes is fixed for the life of
    the timeline (a new era means a new timeline), only ``published_until`` may be updated.
    """

    def __init__(
        self,
        number: int,
        cycle: Cycle,
        state: ChannelState,
        store: ScheduleStore,
        stored_items: StoredItems,
    ) -> None:
        self.number = number
        self.cycle = cycle
        self.state = state
        self._store = store
        self._stored_items = stored_items
        self._loop_length = cycle.length
        self._era_start = state.era_start
        grid = cycle.grid
        self._grid_start = -(-state.era_start // grid) * grid
        _, offsets = cycle.loop(0)
        self._origin = self._grid_start - offsets[state.era_first]  # where loop 0 starts
        bridge_length = self._grid_start - self._era_start
        self._bridge = Slot(
            cycle.slate, bridge_length, ((cycle.slate, 0.0, float(bridge_length), 0.0),)
        )
        # programme and length by slot index, the bridge last (BRIDGE): what a guide needs
        self._programmes = (*cycle.slot_programmes, cycle.slate)
        self._lengths = (*cycle.slot_lengths, bridge_length)
        self._splits = (*cycle.slot_splits, 0)
        self._split_any = any(cycle.slot_splits)
        self._filler_entry = cycle.filler_entry
        channel = cycle.channel
        #: station IDs and up-next cards depend on when a slot airs and what follows it, so a
        #: channel with either lays each airing out anew (see :func:`decorate`)
        self.decorates = not cycle.empty and (channel.up_next or bool(station_ids(channel)))
        self._past: dict[bool, PastAirings] = {}  # by ``segments``, loaded on first use

    # -- lookups ---------------------------------------------------------------------------

    def airing_at(self, t: float) -> Airing:
        """The airing (with its segments) containing ``t``."""
        if t < self._era_start:
            replayed = self._past_airings(segments=True).at(t)
            if replayed is not None:
                return replayed
        elif t < self._grid_start:
            return self._airings([BRIDGE], [self._era_start], segments=True)[0]
        loop, position = self._locate(t)
        order, offsets = self.cycle.loop(loop)
        start = self._origin + loop * self._loop_length + offsets[position]
        found = self._airings([order[position]], [start], segments=True)
        return found[-1] if len(found) > 1 and t >= found[-1].start else found[0]

    def airings(self, t0: float, t1: float, segments: bool = True) -> list[Airing]:
        """The airings overlapping [t0, t1), in order; with ``segments=False`` each has ()."""
        out: list[Airing] = []
        if t0 < self._era_start:
            past = self._past_airings(segments=segments)
            retained = past.first_start if past.first_start is not None else self._era_start
            if t0 < retained:
                grid = self._grid(t0, min(t1, retained), [], [])
                out.extend(self._airings(*grid, segments=segments))
            out.extend(past.between(t0, min(t1, self._era_start)))
        if t1 > self._era_start:
            out.extend(self._airings(*self._era(max(t0, self._era_start), t1), segments=segments))
        if self._split_any:  # a split slot's other entry may lie outside the window
            out = [airing for airing in out if airing.stop > t0 and airing.start < t1]
        return out

    def slot_starts(self, t0: float, t1: float) -> list[tuple[int, int]]:
        """(slot index, start) of the era's slots overlapping [t0, t1), for t0 ≥ the era start.

        The index is the slot's in the cycle (see :meth:`slot`), or :data:`BRIDGE`.
        """
        return list(zip(*self._era(t0, t1), strict=True))

    def slot_start(self, t: float) -> int:
        """Start of the era's slot containing ``t``, or of its first slot if ``t`` is before it."""
        t = max(t, self._era_start)
        return self.slot_starts(t, t + 1)[0][1]

    def aired_slot(self, index: int, start: int, *, keep: bool = True) -> Slot:
        """Slot ``index`` as it airs from ``start``: with its station IDs and up-next card."""
        slot = self.slot(index, keep=keep)
        if not self.decorates or index == BRIDGE:
            return slot
        parts = decorate(self.cycle.channel, slot.parts, start, self._upcoming(start + slot.length))
        return slot if parts is slot.parts else Slot(slot.programme, slot.length, parts, slot.split)

    def _upcoming(self, t: int) -> tuple[MediaItem, MediaItem]:
        """The programmes of the slot starting at ``t`` and of the one after it."""
        loop, position = self._locate(t)
        order, _ = self.cycle.loop(loop)
        after = (
            order[position + 1] if position + 1 < len(order) else self.cycle.loop(loop + 1)[0][0]
        )
        return self._programmes[order[position]], self._programmes[after]

    def slot(self, index: int, *, keep: bool = True) -> Slot:
        """Slot ``index`` of the cycle, or the era's slate bridge for :data:`BRIDGE`.

        ``keep=False`` lays a cycle slot out without keeping it (see :meth:`Cycle.lay_out`).
        """
        if index == BRIDGE:
            return self._bridge
        return self.cycle.slot(index) if keep else self.cycle.lay_out(index)

    # -- the era's arithmetic --------------------------------------------------------------

    def _locate(self, t: float) -> tuple[int, int]:
        """(loop, position) of the grid slot containing ``t`` (any ``t``, even before the era)."""
        loop = math.floor((t - self._origin) / self._loop_length)
        _, offsets = self.cycle.loop(loop)
        within = t - self._origin - loop * self._loop_length
        position = bisect.bisect_right(offsets, within) - 1
        return loop, min(max(position, 0), len(offsets) - 2)

    def _grid(
        self, t0: float, t1: float, indexes: list[int], starts: list[int]
    ) -> tuple[list[int], list[int]]:
        """Append the slot indexes and starts of the grid slots overlapping [t0, t1).

        The grid is extrapolated in both directions as needed.
        """
        loop, first = self._locate(t0)
        while True:
            order, offsets = self.cycle.loop(loop)
            base = self._origin + loop * self._loop_length
            # the loop's positions from ``first`` whose slots start before t1
            last = bisect.bisect_left(offsets, t1 - base, first, len(order))
            indexes.extend(order[first:last])
            starts.extend([base + offset for offset in offsets[first:last]])
            if base + offsets[-1] >= t1:  # the next loop starts at or after t1
                return indexes, starts
            loop += 1
            first = 0

    def _era(self, t0: float, t1: float) -> tuple[list[int], list[int]]:
        """:meth:`_grid` for the era's slots, for t0 ≥ the era start: the bridge, then the grid."""
        indexes: list[int] = []
        starts: list[int] = []
        if self._grid_start > self._era_start and t0 < self._grid_start:
            indexes.append(BRIDGE)
            starts.append(self._era_start)
        if t1 > self._grid_start:
            self._grid(max(t0, self._grid_start), t1, indexes, starts)
        return indexes, starts

    def _airings(self, indexes: list[int], starts: list[int], *, segments: bool) -> list[Airing]:
        """The airings of these slots. The guide's hot path (a week of 500 channels is 168 000
        airings): keep it flat, and lay no slot out unless ``segments`` are wanted.
        """
        number = self.number
        programmes = self._programmes
        lengths = self._lengths
        airings: list[Airing] = []
        append = airings.append
        if self._split_any:
            return self._split_airings(indexes, starts, segments=segments)
        for index, start in zip(indexes, starts, strict=True):
            airing = _new(Airing)
            _airing_channel(airing, number)
            _airing_programme(airing, programmes[index])
            _airing_start(airing, start)
            _airing_stop(airing, start + lengths[index])
            _airing_segments(airing, ())
            append(airing)
        if segments:
            for airing, index, start in zip(airings, indexes, starts, strict=True):
                _airing_segments(airing, segments_of(self.aired_slot(index, start), start))
        return airings

    def _split_airings(
        self, indexes: list[int], starts: list[int], *, segments: bool
    ) -> list[Airing]:
        """:meth:`_airings` for a cycle with long padding: such a slot is two guide entries,
        the programme and then its "Paid Programming" filler (see :meth:`Cycle.slot`)."""
        airings: list[Airing] = []
        for index, start in zip(indexes, starts, strict=True):
            stop = start + self._lengths[index]
            split = self._splits[index]
            whole = segments_of(self.aired_slot(index, start), start) if segments else ()
            if not split:
                airings.append(Airing(self.number, self._programmes[index], start, stop, whole))
                continue
            middle = start + split
            head = tuple(s for s in whole if s.start < middle)
            tail = tuple(s for s in whole if s.start >= middle)
            airings.append(Airing(self.number, self._programmes[index], start, middle, head))
            airings.append(Airing(self.number, self._filler_entry, middle, stop, tail))
        return airings

    def _past_airings(self, *, segments: bool) -> PastAirings:
        found = self._past.get(segments)
        if found is None:
            found = PastAirings.load(
                self._store,
                self._stored_items,
                self.number,
                self._era_start,
                self._programmes[:BRIDGE],
                segments=segments,
            )
            self._past[segments] = found
        return found


def segments_of(slot: Slot, start: int) -> tuple[Segment, ...]:
    """The segments of ``slot`` airing from ``start``."""
    segments: list[Segment] = []
    append = segments.append
    for item, at, length, seek in slot.parts:
        segment = _new(Segment)
        _segment_item(segment, item)
        _segment_start(segment, start + at)
        _segment_duration(segment, length)
        _segment_seek(segment, seek)
        append(segment)
    return tuple(segments)


def _field_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of ``cls``'s slots ``names``, which must be all of its fields, in order.

    A guide query builds about a million Segments: the frozen dataclass ``__init__`` (one
    ``object.__setattr__`` per field) would be most of its cost, so airings and segments are
    built with ``object.__new__`` and these setters instead, the very same objects. Should
    either class stop being a plain slotted dataclass with exactly these fields, this fails at
    import rather than building incomplete objects.
    """
    fields = tuple(field.name for field in dataclasses.fields(cls))
    if fields != names or "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not the slotted dataclass {names} timelines build")
    return tuple(cls.__dict__[name].__set__ for name in names)


_new = object.__new__
_segment_item, _segment_start, _segment_duration, _segment_seek = _field_setters(
    Segment, ("item", "start", "duration", "seek")
)
_airing_channel, _airing_programme, _airing_start, _airing_stop, _airing_segments = _field_setters(
    Airing, ("channel", "programme", "start", "stop", "segments")
)
