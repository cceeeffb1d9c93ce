"""A channel with time slots: its airings, simulated forward from a persisted checkpoint.

A slotted channel is not one loop: the 9 pm movie starts at 9 pm whatever ran before it, and a
weeknight slot continues its own episode progression from where it last left off. So the
airings are *simulated*: from the era's start, interval by interval, each interval being a slot
occurrence or the base rotation between two of them (:mod:`lineup.slots` turns the slots into
UTC occurrences through the zone's rules, so daylight-saving nights need nothing special).

Each *source* (the base rotation, and every slot) is a :class:`~lineup.cycle.Cycle` of its
programmes, read at a position that only moves forward: chronological and shuffle read loop
after loop, random picks independently per position, a marathon restarts at each occurrence.
An interval is filled greedily: the next programme of its source goes in if its whole slot
(programme and break) fits before the interval's hard end (the next fixed start), otherwise the
rest of the interval is filler; up to five minutes of it is folded into the airing before it,
more is published as its own guide entry, so the guide never claims a show while filler airs.

Determinism: the simulation depends only on the era's start, the source positions stored with
it (the *plan*), the channel's content and the zone, all of which are persisted or
fingerprinted. Publishing re-anchors the era at a recent airing (see
:meth:`SlottedTimeline.checkpoint`), so a restart simulates days, not months.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from lineup.cycle import (
    FOLD_SECONDS,
    MIN_FILLER_SECONDS,
    Cycle,
    ItemDigests,
    Part,
    Slot,
    filler_item,
    slate_item,
)
from lineup.models import Airing, Channel, MediaItem, Order
from lineup.schedule.decorate import station_ids
from lineup.schedule.past import PastAirings, StoredItems
from lineup.schedule.store import ChannelState, ScheduleStore
from lineup.schedule.timeline import segments_of
from lineup.slots import LocalClock, Occurrence, SlotCalendar

__all__ = ["BASE_KEY", "FOLD_SECONDS", "SlottedTimeline", "Sources", "filler_item"]

log = logging.getLogger(__name__)

BASE_KEY = "base"
_OPEN_CHUNK = 7 * 86400  # base rotation with no slot ahead: simulated a week at a time
_LOOKAHEAD_ENTRIES = 3  # airings simulated past an instant: finality and "up next"

Decorate = Callable[[Channel, tuple[Part, ...], int, Sequence[MediaItem]], tuple[Part, ...]]


@dataclass(frozen=True, slots=True)
class _Source:
    key: str
    cycle: Cycle
    order: Order
    seed: int


class Sources:
    """The base rotation and each slot as a cycle read by position."""

    def __init__(self, channel: Channel, digests: ItemDigests) -> None:
        base_channel = replace(channel, slots=())
        sources = [_Source(BASE_KEY, Cycle(base_channel, digests), channel.order, channel.seed)]
        for slot in channel.slots:
            sub = replace(
                base_channel,
                programmes=slot.programmes,
                order=Order.SHUFFLE if slot.order == Order.SHUFFLE else Order.CHRONOLOGICAL,
                seed=slot.seed,
            )
            sources.append(_Source(slot.key, Cycle(sub, digests), slot.order, slot.seed))
        self.all = tuple(sources)
        self.keys = tuple(source.key for source in sources)

    def pick(self, source: int, position: int) -> int:
        """The cycle slot index that source ``source`` airs at ``position``."""
        found = self.all[source]
        cycle = found.cycle
        if found.order == Order.RANDOM and cycle.size > 1:
            return random.Random(f"retrovue:{found.seed}:{found.key}:{position}").randrange(
                cycle.size
            )
        loop, at = divmod(position, cycle.size)
        order, _ = cycle.loop(loop)
        return order[at]

    def start_positions(self, plan: dict[str, object] | None) -> list[int]:
        """Positions at an era's start: the plan's, or each source's first."""
        stored = plan.get("p", {}) if plan else {}
        assert isinstance(stored, dict)
        return [int(stored.get(key, 0)) for key in self.keys]

    def resume_positions(self, following: dict[str, int]) -> list[int]:
        """Positions for a new era: each source at the programme that was to air next from it
        (by id, so an edited slot keeps its place in its show), else at its start."""
        positions = []
        for source in self.all:
            wanted = following.get(source.key)
            position = 0
            if wanted and not source.cycle.empty:
                position = source.cycle.position_of(wanted)
            positions.append(position)
        return positions


@dataclass(slots=True)
class _Entry:
    """One airing of the simulation (mutable only while it may still absorb a short gap)."""

    start: int
    length: int
    programme: MediaItem
    source: int  # index into Sources.all, or -1 for a filler entry
    index: int  # the cycle slot index (source ≥ 0)
    tail: list[Part]  # filler after the cycle slot's parts, offsets from the entry start
    positions: tuple[int, ...]  # source positions before it
    anchor: bool  # a new era may start here (not inside a counted slot or a marathon)
    part: int = 0  # 0: the whole cycle slot; 1: its programme, 2: its long padding (split)

    @property
    def stop(self) -> int:
        return self.start + self.length


class SlottedTimeline:
    """One slotted channel: the current era simulated on demand, the eras before replayed."""

    def __init__(
        self,
        number: int,
        channel: Channel,
        state: ChannelState,
        store: ScheduleStore,
        stored_items: StoredItems,
        sources: Sources,
        decorate: Decorate | None = None,
    ) -> None:
        self.number = number
        self.channel = channel
        self.state = state
        self._store = store
        self._stored_items = stored_items
        self._sources = sources
        self._decorate = decorate
        self._has_ids = bool(station_ids(channel))
        self._calendar = SlotCalendar(channel.slots, LocalClock(channel.timezone))
        self._slate = slate_item(channel)
        self._gap_item = filler_item(channel)
        self._pool = [
            item
            for item in channel.filler
            if math.isfinite(item.duration) and item.duration > MIN_FILLER_SECONDS
        ]
        self._era_start = state.era_start
        plan = json.loads(state.plan) if state.plan else None
        self._positions = sources.start_positions(plan)
        self._t = state.era_start  # where the simulation has got to
        self._entries: list[_Entry] = []
        self._starts: list[int] = []
        self._marathon_at: dict[int, int] = {}  # occurrence start → marathon count placed
        self._past: dict[bool, PastAirings] = {}
        self._warned: set[int] = set()

    # -- lookups (the Timeline interface the Schedule uses) ----------------------------------

    def airing_at(self, t: float) -> Airing:
        if t < self._era_start:
            replayed = self._past_airings(segments=True).at(t)
            if replayed is not None:
                return replayed
            return self._slate_airing(math.floor(t), self._era_start)
        index = self._entry_index(t)
        return self._airing(index, segments=True)

    def airings(self, t0: float, t1: float, segments: bool = True) -> list[Airing]:
        out: list[Airing] = []
        if t0 < self._era_start:
            past = self._past_airings(segments=segments)
            retained = past.first_start if past.first_start is not None else self._era_start
            if t0 < retained:
                out.append(self._slate_airing(math.floor(t0), retained))
            out.extend(past.between(t0, min(t1, self._era_start)))
        if t1 > self._era_start:
            first = self._entry_index(max(t0, self._era_start))
            self._simulate_past(t1)
            last = bisect.bisect_left(self._starts, t1)
            out.extend(self._airing(i, segments=segments) for i in range(first, last))
        return out

    def slot_starts(self, t0: float, t1: float) -> list[tuple[int, int]]:
        """(entry index, start) of the era's airings overlapping [t0, t1)."""
        first = self._entry_index(max(t0, self._era_start))
        self._simulate_past(t1)
        last = bisect.bisect_left(self._starts, t1)
        return [(i, self._starts[i]) for i in range(first, last)]

    def slot_start(self, t: float) -> int:
        return self.slot_starts(max(t, self._era_start), max(t, self._era_start) + 1)[0][1]

    def slot(self, index: int, *, keep: bool = True) -> Slot:
        """Entry ``index`` as a slot: its programme, length and (decorated) parts."""
        entry = self._entries[index]
        return Slot(entry.programme, entry.length, self._parts(index))

    def upcoming(self, index: int) -> tuple[MediaItem, ...]:
        """The next two programmes after entry ``index`` (filler entries skipped)."""
        found: list[MediaItem] = []
        probe = index + 1
        while len(found) < 2:
            self._simulate_entries(probe + 1)
            entry = self._entries[probe]
            if (
                entry.part != 2
                and entry.source >= 0
                and not self._sources.all[entry.source].cycle.empty
            ):
                found.append(entry.programme)
            probe += 1
            if probe - index > 50:
                break
        return tuple(found)

    # -- checkpoints ---------------------------------------------------------------------

    def checkpoint(self, before: int) -> tuple[int, str] | None:
        """(start, plan JSON) of the latest anchor airing starting at or before ``before``, or
        None: where a new era identical to this one can start."""
        self._simulate_past(before)
        at = bisect.bisect_right(self._starts, before) - 1
        while at > 0:
            entry = self._entries[at]
            if entry.anchor and at + 1 < len(self._entries):
                plan = {"p": dict(zip(self._sources.keys, entry.positions, strict=True))}
                return entry.start, json.dumps(plan, sort_keys=True)
            at -= 1
        return None

    def following(self, at: int) -> dict[str, int]:
        """Per source, the id of the programme that would air next from it after instant
        ``at`` (an airing boundary): how a new era resumes each slot's progression."""
        self._simulate_past(at)
        index = bisect.bisect_left(self._starts, at)
        positions = self._positions_before(index)
        return {
            source.key: self._sources.all[n].cycle.slot_programmes[self._sources.pick(n, p)].id
            for n, (source, p) in enumerate(zip(self._sources.all, positions, strict=True))
            if not source.cycle.empty
        }

    # -- the simulation ------------------------------------------------------------------

    def _positions_before(self, index: int) -> list[int]:
        """Source positions before entry ``index`` (the current ones past the last entry)."""
        if index < len(self._entries):
            return list(self._entries[index].positions)
        return list(self._positions)

    def _entry_index(self, t: float) -> int:
        """Index of the entry containing ``t`` (≥ the era start), simulating as needed."""
        self._simulate_past(t)
        return max(0, bisect.bisect_right(self._starts, t) - 1)

    def _simulate_past(self, t: float) -> None:
        """Simulate until an entry starts after ``t`` and a few more follow: every entry up to
        ``t`` is then final (no later gap can still be folded into it)."""
        while not self._starts or self._starts[-1] <= t:
            self._step()
        self._simulate_entries(bisect.bisect_right(self._starts, t) + _LOOKAHEAD_ENTRIES)

    def _simulate_entries(self, count: int) -> None:
        while len(self._entries) <= count:
            self._step()

    def _step(self) -> None:
        """Simulate one interval from ``self._t``: a slot occurrence, or base rotation up to
        the next one."""
        t = self._t
        inside = self._calendar.containing(t)
        if inside is not None:
            self._occurrence(inside, t)
            return
        upcoming = self._calendar.next_after(t)
        if upcoming is not None and upcoming.start == t:
            self._occurrence(upcoming, t)
            return
        end = upcoming.start if upcoming is not None else None
        self._fill(0, t, end, count=None)

    def _occurrence(self, occurrence: Occurrence, t: int) -> None:
        source = occurrence.slot + 1
        slot = self.channel.slots[occurrence.slot]
        following = self._calendar.next_after(occurrence.start + 1)
        hard_end = following.start if following is not None else None
        if slot.order == Order.MARATHON and t == occurrence.start:
            self._positions[source] = 0
        if occurrence.end is not None:
            hard_end = occurrence.end if hard_end is None else min(hard_end, occurrence.end)
            room = hard_end - occurrence.start
            self._skip_unfit(source, room)
            self._fill(source, t, hard_end, count=None, anchors=True)
            return
        count = slot.count
        if slot.order == Order.MARATHON:
            count = count or self._sources.all[source].cycle.size
        assert count is not None
        end = self._fill(source, t, hard_end, count=count, anchors=False)
        grid = self.channel.policy.pad_minutes * 60
        if grid and end % grid:
            aligned = -(-end // grid) * grid
            if hard_end is not None:
                aligned = min(aligned, hard_end)
            self._gap(end, aligned)
            end = aligned
        self._t = end

    def _skip_unfit(self, source: int, room: int) -> None:
        """A programme longer than its whole slot could never air there: skip it (once a loop
        at most), so one long episode does not block the slot forever."""
        cycle = self._sources.all[source].cycle
        for _ in range(cycle.size):
            index = self._sources.pick(source, self._positions[source])
            if cycle.slot_lengths[index] <= room:
                return
            if source not in self._warned:
                self._warned.add(source)
                log.warning(
                    "channel %d: %s is longer than its slot (%s): skipped there",
                    self.number,
                    cycle.slot_programmes[index].title,
                    self.channel.slots[source - 1].where,
                )
            self._positions[source] += 1

    def _fill(
        self, source: int, t: int, end: int | None, *, count: int | None, anchors: bool = True
    ) -> int:
        """Place programmes of ``source`` from ``t`` while they fit before ``end`` (and up to
        ``count``); the rest up to ``end`` is filler. Returns where placing stopped."""
        cycle = self._sources.all[source].cycle
        limit = end if end is not None else t + _OPEN_CHUNK
        placed = 0
        while count is None or placed < count:
            if cycle.empty:
                break
            index = self._sources.pick(source, self._positions[source])
            length = cycle.slot_lengths[index]
            if end is not None and t + length > end:
                break
            if end is None and t >= limit:
                break
            programme = cycle.slot_programmes[index]
            before = tuple(self._positions)
            self._positions[source] += 1
            split = cycle.slot_splits[index]
            if split:
                self._append(_Entry(t, split, programme, source, index, [], before, anchors, 1))
                padding = _Entry(
                    t + split,
                    length - split,
                    cycle.filler_entry,
                    source,
                    index,
                    [],
                    tuple(self._positions),
                    False,
                    2,
                )
                self._append(padding)
            else:
                self._append(_Entry(t, length, programme, source, index, [], before, anchors))
            t += length
            placed += 1
        if count is not None:
            self._t = t
            return t
        if end is not None:
            self._gap(t, end)
            t = end
        self._t = t
        return t

    def _gap(self, t: int, end: int) -> None:
        """Filler from ``t`` to ``end``: folded into the airing before when short, else its own
        guide entry."""
        if end <= t:
            return
        parts = self._filler_parts(t, end - t)
        last = self._entries[-1] if self._entries else None
        if end - t <= FOLD_SECONDS and last is not None and last.stop == t:
            base = last.length
            last.tail.extend((item, base + at, length, seek) for item, at, length, seek in parts)
            last.length += end - t
            return
        self._append(
            _Entry(t, end - t, self._gap_item, -1, -1, list(parts), tuple(self._positions), False)
        )

    def _filler_parts(self, t: int, seconds: int) -> tuple[Part, ...]:
        """``seconds`` of filler dealt from the pool at a place chosen by ``t`` (the slate when
        there is none, or for the last second)."""
        parts: list[Part] = []
        pool = self._pool
        at = 0.0
        if pool:
            cursor = random.Random(f"retrovue:gap:{self.number}:{t}").randrange(len(pool))
            while seconds - at >= MIN_FILLER_SECONDS:
                item = pool[cursor % len(pool)]
                used = min(float(item.duration), seconds - at)
                parts.append((item, at, used, 0.0))
                at += used
                cursor += 1
        if seconds - at > 1e-9:
            parts.append((self._slate, at, seconds - at, 0.0))
        return tuple(parts)

    def _append(self, entry: _Entry) -> None:
        self._entries.append(entry)
        self._starts.append(entry.start)

    # -- airings -------------------------------------------------------------------------

    def _parts(self, index: int) -> tuple[Part, ...]:
        """Entry ``index``'s parts, with its station IDs and up-next card when it has them
        (decorated as its whole cycle slot, then cut where a long padding is split off)."""
        entry = self._entries[index]
        if entry.source < 0:
            return tuple(entry.tail)
        slot = self._sources.all[entry.source].cycle.slot(entry.index)
        parts = slot.parts
        if entry.part == 0 and entry.tail:
            parts = (*parts, *entry.tail)
        if self._decorate is not None and (self.channel.up_next or self._has_ids):
            slot_start = entry.start - (slot.split if entry.part == 2 else 0)
            parts = self._decorate(self.channel, parts, slot_start, self.upcoming(index))
        if entry.part == 1:
            parts = tuple(part for part in parts if part[1] < slot.split - 1e-6)
        elif entry.part == 2:
            parts = tuple(
                (item, at - slot.split, length, seek)
                for item, at, length, seek in parts
                if at >= slot.split - 1e-6
            )
            if entry.tail:
                parts = (*parts, *entry.tail)
        return parts

    def _airing(self, index: int, *, segments: bool) -> Airing:
        entry = self._entries[index]
        stop = entry.start + entry.length
        if not segments:
            return Airing(self.number, entry.programme, entry.start, stop, ())
        slot = Slot(entry.programme, entry.length, self._parts(index))
        return Airing(
            self.number, entry.programme, entry.start, stop, segments_of(slot, entry.start)
        )

    def _slate_airing(self, start: int, stop: int) -> Airing:
        slot = Slot(self._slate, stop - start, ((self._slate, 0.0, float(stop - start), 0.0),))
        return Airing(self.number, self._slate, start, stop, segments_of(slot, start))

    def _past_airings(self, *, segments: bool) -> PastAirings:
        found = self._past.get(segments)
        if found is None:
            found = PastAirings.load(
                self._store,
                self._stored_items,
                self.number,
                self._era_start,
                self.channel.programmes,
                segments=segments,
            )
            self._past[segments] = found
        return found
