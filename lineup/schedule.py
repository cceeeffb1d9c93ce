"""What is on every channel at any instant: deterministic, persisted, and never rewritten.

A channel's time is a sequence of *eras*. An era plays the channel's :class:`~lineup.cycle.Cycle`
in a loop from a persisted instant and loop position, so the airing at any instant is arithmetic
(a division for the loop, a bisect for the slot). As long as the channel's content fingerprint
is unchanged the era never changes, so a restart reproduces exactly the same airings.

``publish(now)`` writes every channel's airings up to ``now + horizon`` into SQLite. That is the
guide clients have been promised: when the content changes (a re-scan, an edited config) the new
content starts as a new era exactly where the published guide ends — with the programme after
the last published one, if it is still there — and the published airings are replayed from the
database, items and all, even if those items have left the catalog. Nothing already published
ever moves, and there is never a gap or an overlap at the join.

Lookups: at or after the current era's start → arithmetic; before it → the published rows of
the superseded era; before anything retained (rows are pruned a day after they end) → the
current era extrapolated backwards, a best effort for instants nobody will tune to.

Threads: lookups may run on any thread while ``publish`` runs on another. Several Schedule
objects may share one file (each ``publish`` re-reads the stored states first), but the guide
is only as steady as its single publisher, so a server should keep one.
"""

from __future__ import annotations

import bisect
import dataclasses
import gc
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from lineup.cycle import Cycle, ItemDigests, Slot
from lineup.errors import UnknownChannelError
from lineup.models import Airing, Channel, MediaItem, Segment, Tune
from lineup.schedule_store import (
    ChannelState,
    ScheduleStore,
    StoredAiring,
    item_json,
    item_key,
)

log = logging.getLogger(__name__)

DEFAULT_HORIZON = 72 * 3600.0
KEEP_PAST = 24 * 3600  # published rows are kept this long after they end

_JSON = json.JSONEncoder(separators=(",", ":"))
_Row = tuple[int, int, int, int, str, str]  # channel, start, stop, programme id, key, parts
_Encoded = tuple[int, str, str, tuple[str, ...]]  # programme id, key, parts JSON, item keys


class Schedule:
    """The schedule of a lineup, over a :class:`ScheduleStore`.

    ``channels`` is the current lineup (numbers unique). Construction only assigns: each
    channel's persisted state is read (and reconciled with its current content) the first time
    it is used. ``clock`` dates the epoch of a channel first seen by a lookup rather than by
    :meth:`publish`. A channel first seen is aligned to the hour (or its pad grid), unless
    ``epochs`` gives it an exact start (``retrovue play`` starts its episode right now).
    """

    def __init__(
        self,
        store: ScheduleStore,
        channels: Sequence[Channel],
        horizon: float = DEFAULT_HORIZON,
        clock: Callable[[], float] = time.time,
        epochs: Mapping[int, float] | None = None,
    ):
        by_number = {channel.number: channel for channel in channels}
        if len(by_number) != len(channels):
            raise ValueError("channel numbers must be unique")
        self._store = store
        self._channels = tuple(sorted(channels, key=lambda channel: channel.number))
        self._by_number = by_number
        self._horizon = horizon
        self._clock = clock
        self._epochs = dict(epochs or {})  # exact start for channels first seen (``play``)
        self._lock = threading.RLock()
        self._states: dict[int, ChannelState] | None = None
        self._timelines: dict[int, _Timeline] = {}
        self._digests = ItemDigests()
        self._keys: dict[int, tuple[MediaItem, str]] = {}  # id(item) → item, its content key
        self._json: dict[str, str] = {}  # content key → item JSON
        self._saved: set[str] = set()  # keys known to be in the store (since its last GC)
        self._stored = _StoredItems(store)  # published items decoded, shared by every channel

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The lineup, by channel number."""
        return self._channels

    @property
    def horizon(self) -> float:
        return self._horizon

    def channel(self, number: int) -> Channel:
        try:
            return self._by_number[number]
        except KeyError:
            raise UnknownChannelError(number) from None

    def at(self, number: int, t: float) -> Tune:
        """The slot airing on channel ``number`` at ``t``, the segment playing and its offset."""
        airing = self._timeline(number).airing_at(t)
        segments = airing.segments
        index = max(0, bisect.bisect_right(segments, t, key=lambda s: s.start) - 1)
        segment = segments[index]
        return Tune(airing, segment, segment.seek + (t - segment.start))

    def airings(
        self, number: int, t0: float, t1: float, *, segments: bool = True
    ) -> list[Airing]:
        """The slots of channel ``number`` overlapping [t0, t1), in order, without gaps.

        With ``segments=False`` every airing comes with ``segments=()`` and is otherwise the
        same: what a guide needs (programme, start, stop) at a fraction of the cost, since the
        ~7 segments of a half-hour slot are most of what a week of airings allocates.
        """
        if t1 <= t0:
            return []
        timeline = self._timeline(number)
        with _collector_paused():
            return timeline.airings(t0, t1, segments)

    def published_until(self, number: int) -> int | None:
        """Where the published guide of channel ``number`` ends (None: never published)."""
        return self._timeline(number).state.published_until

    def publish(self, now: float) -> None:
        """Fix every channel's airings up to ``now + horizon`` and forget those long past.

        Only appends: slots already published are never recomputed, which is what keeps the
        guide stable while the library changes under it.
        """
        started = time.perf_counter()
        end = math.ceil(now + self._horizon)
        keep_from = math.floor(now) - KEEP_PAST
        with self._lock, _collector_paused():
            # Another Schedule over the same file may have published or started an era since
            # this one read the states: rebuild those channels from what is stored now.
            self._states = self._store.states()
            for number, timeline in list(self._timelines.items()):
                if self._states.get(number) != timeline.state:
                    del self._timelines[number]
            created: list[ChannelState] = []
            for channel in self._channels:
                if channel.number not in self._timelines:
                    self._timeline(channel.number, now=now, created=created)
            states: dict[int, ChannelState] = {state.channel: state for state in created}
            rows: list[_Row] = []
            needed: set[str] = set()
            for channel in self._channels:
                timeline = self._timelines[channel.number]
                until = self._append_rows(timeline, now, keep_from, end, rows, needed)
                if until != timeline.state.published_until:
                    states[channel.number] = replace(timeline.state, published_until=until)
            items = [(key, self._json[key]) for key in needed - self._saved]
            collected = self._store.publish(states.values(), items, rows, keep_from)
            self._saved = needed if collected else self._saved | needed
            for state in states.values():
                self._timelines[state.channel].state = state
                self._state_map()[state.channel] = state
        log.info(
            "published %d airing(s) on %d channel(s) up to %d in %.2fs",
            len(rows),
            len(self._channels),
            end,
            time.perf_counter() - started,
        )

    # -- plumbing --------------------------------------------------------------------------

    def _append_rows(
        self,
        timeline: _Timeline,
        now: float,
        keep_from: int,
        end: int,
        rows: list[_Row],
        needed: set[str],
    ) -> int | None:
        """Append the channel's unpublished rows up to ``end``; returns its new published end.

        Continues from where the last publish stopped (or, after a long downtime, from the slot
        a day ago; on the first publish, from the slot airing now), so rows stay contiguous.
        """
        until = timeline.state.published_until
        begin = timeline.slot_start(now if until is None else max(until, keep_from))
        if until is not None:
            begin = max(begin, until)
        number = timeline.number
        used: dict[int, tuple[str, ...]] = {}
        for slot, start in timeline.slots(begin, end):
            found = timeline.encoded.get(id(slot))
            encoded = found[1] if found is not None and found[0] is slot else self._encode(slot)
            timeline.encoded[id(slot)] = (slot, encoded)
            programme_id, key, parts, used[id(slot)] = encoded
            until = start + slot.length
            rows.append((number, start, until, programme_id, key, parts))
        for keys in used.values():
            needed.update(keys)
        return until

    def _state_map(self) -> dict[int, ChannelState]:
        if self._states is None:
            self._states = self._store.states()
        return self._states

    def _timeline(
        self, number: int, now: float | None = None, created: list[ChannelState] | None = None
    ) -> _Timeline:
        timeline = self._timelines.get(number)
        if timeline is not None:
            return timeline
        channel = self.channel(number)
        with self._lock:
            timeline = self._timelines.get(number)
            if timeline is not None:
                return timeline
            cycle = Cycle(channel, self._digests)
            old = self._state_map().get(number)
            state = self._reconcile(cycle, old, now)
            if state != old:
                if created is None:
                    self._store.save_states([state])
                else:
                    created.append(state)
                self._state_map()[number] = state
            timeline = _Timeline(number, cycle, state, self._store, self._stored)
            self._timelines[number] = timeline
            return timeline

    def _reconcile(
        self, cycle: Cycle, state: ChannelState | None, now: float | None
    ) -> ChannelState:
        """The channel's state for its current content: the same era, or a new one."""
        number = cycle.channel.number
        if state is None:
            step = cycle.epoch_step
            epoch = math.floor(self._clock() if now is None else now) // step * step
            if number in self._epochs:
                epoch = math.floor(self._epochs[number])
            log.info("channel %d: first seen, schedule starts at %d", number, epoch)
            return ChannelState(number, epoch, epoch, 0, cycle.fingerprint)
        if state.fingerprint == cycle.fingerprint and state.era_first < cycle.size:
            return state
        join = state.era_start if state.published_until is None else state.published_until
        last = None
        if state.published_until is not None:
            last = self._store.last_programme_id(number, state.published_until)
        first = cycle.position_after(last)
        log.info("channel %d: content changed, new schedule from %d", number, join)
        return replace(state, era_start=join, era_first=first, fingerprint=cycle.fingerprint)

    def _encode(self, slot: Slot) -> _Encoded:
        """A slot as its row's columns, plus the item keys it names."""
        known = self._keys
        keys: list[str] = []
        parts: list[tuple[str, float, float]] = []
        for item, _, length, seek in slot.parts:
            found = known.get(id(item))
            key = found[1] if found is not None and found[0] is item else self._key(item)
            keys.append(key)
            parts.append((key, length, seek))
        # a slot's first part is its programme, so keys[0] is the programme's key
        return (slot.programme.id, keys[0], _JSON.encode(parts), tuple(keys))

    def _key(self, item: MediaItem) -> str:
        """The content key of ``item`` (its JSON is computed once per item object)."""
        known = self._keys.get(id(item))
        if known is not None and known[0] is item:
            return known[1]
        text = item_json(item)
        key = item_key(text)
        self._keys[id(item)] = (item, key)
        self._json[key] = text
        return key


class _Timeline:
    """One channel: its current era as arithmetic, plus the published rows of the era before."""

    def __init__(
        self,
        number: int,
        cycle: Cycle,
        state: ChannelState,
        store: ScheduleStore,
        stored: _StoredItems,
    ):
        self.number = number
        self.cycle = cycle
        self.state = state
        # id(slot) → (slot, its row's columns): the slot is kept so an id is never reused
        self.encoded: dict[int, tuple[Slot, _Encoded]] = {}
        self._store = store
        self._length = cycle.length
        self._era_start = state.era_start
        grid = cycle.grid
        self._grid_start = -(-state.era_start // grid) * grid
        _, offsets = cycle.loop(0)
        self._origin = self._grid_start - offsets[state.era_first]
        self._bridge = Slot(
            cycle.slate,
            self._grid_start - self._era_start,
            ((cycle.slate, 0.0, float(self._grid_start - self._era_start), 0.0),),
        )
        self._stored = stored
        self._past: _PastRows | None = None
        self._past_heads: _PastHeads | None = None

    # -- the era's arithmetic --------------------------------------------------------------

    def _locate(self, t: float) -> tuple[int, int]:
        """(loop, position) of the grid slot containing ``t`` (any ``t``, even before the era)."""
        k = math.floor((t - self._origin) / self._length)
        _, offsets = self.cycle.loop(k)
        within = t - self._origin - k * self._length
        position = bisect.bisect_right(offsets, within) - 1
        return k, min(max(position, 0), len(offsets) - 2)

    def _grid(self, t0: float, t1: float) -> Iterator[tuple[Slot, int]]:
        """Grid slots overlapping [t0, t1), extrapolated in both directions as needed."""
        k, position = self._locate(t0)
        slot = self.cycle.slot
        while True:
            order, offsets = self.cycle.loop(k)
            base = self._origin + k * self._length
            for index in range(position, len(order)):
                start = base + offsets[index]
                if start >= t1:
                    return
                yield slot(order[index]), start
            k += 1
            position = 0

    def slots(self, t0: float, t1: float) -> Iterator[tuple[Slot, int]]:
        """The era's slots overlapping [t0, t1) for t0 ≥ era start: the bridge, then the grid."""
        if self._grid_start > self._era_start and t0 < self._grid_start:
            yield self._bridge, self._era_start
        if t1 > self._grid_start:
            yield from self._grid(max(t0, self._grid_start), t1)

    def slot_start(self, t: float) -> int:
        """Start of the era's slot containing ``t``, or of its first slot if ``t`` is before it."""
        t = max(t, self._era_start)
        for _, start in self.slots(t, t + 1):
            return start
        raise AssertionError("an era always has a slot")  # pragma: no cover

    def _airing(self, slot: Slot, start: int) -> Airing:
        if not _FAST:
            return Airing(
                self.number,
                slot.programme,
                start,
                start + slot.length,
                tuple(
                    Segment(item, start + at, length, seek) for item, at, length, seek in slot.parts
                ),
            )
        # The guide asks for ~10^6 segments at a time; the frozen-dataclass __init__ (one
        # object.__setattr__ per field) would be most of its cost. Same objects, built directly.
        segments: list[Segment] = []
        append = segments.append
        for item, at, length, seek in slot.parts:
            segment = _new(Segment)
            _segment_item(segment, item)
            _segment_start(segment, start + at)
            _segment_duration(segment, length)
            _segment_seek(segment, seek)
            append(segment)
        airing = _new(Airing)
        _airing_channel(airing, self.number)
        _airing_programme(airing, slot.programme)
        _airing_start(airing, start)
        _airing_stop(airing, start + slot.length)
        _airing_segments(airing, tuple(segments))
        return airing

    def _bare_airing(self, programme: MediaItem, start: int, length: int) -> Airing:
        return Airing(self.number, programme, start, start + length, ())

    def _bare_grid(self, t0: float, t1: float, out: list[Airing]) -> None:
        """Append :meth:`_grid`'s slots as airings without segments: the guide's hot path.

        Same slots, same order, but straight from the cycle's (programme, length) heads, so no
        slot is laid out and no segment built: a week of 500 channels is 168 000 of these.
        """
        k, position = self._locate(t0)
        heads = self.cycle.heads
        number = self.number
        append = out.append
        loop = self.cycle.loop
        while True:
            order, offsets = loop(k)
            base = self._origin + k * self._length
            for index in range(position, len(order)):
                start = base + offsets[index]
                if start >= t1:
                    return
                programme, length = heads[order[index]]
                if _FAST:
                    airing = _new(Airing)
                    _airing_channel(airing, number)
                    _airing_programme(airing, programme)
                    _airing_start(airing, start)
                    _airing_stop(airing, start + length)
                    _airing_segments(airing, ())
                else:
                    airing = Airing(number, programme, start, start + length, ())
                append(airing)
            k += 1
            position = 0

    # -- lookups ---------------------------------------------------------------------------

    def airing_at(self, t: float) -> Airing:
        if t >= self._era_start:
            for slot, start in self.slots(t, t + 1e-6):
                return self._airing(slot, start)
        past = self._past_rows()
        found = past.at(t)
        if found is not None:
            return found
        k, position = self._locate(t)
        order, offsets = self.cycle.loop(k)
        start = self._origin + k * self._length + offsets[position]
        return self._airing(self.cycle.slot(order[position]), start)

    def airings(self, t0: float, t1: float, segments: bool = True) -> list[Airing]:
        out: list[Airing] = []
        if t0 < self._era_start:
            past = self._past_rows() if segments else self._past_guide()
            retained = past.first_start if past.first_start is not None else self._era_start
            if t0 < retained:
                stop = min(t1, retained)
                if segments:
                    out.extend(self._airing(slot, start) for slot, start in self._grid(t0, stop))
                else:
                    self._bare_grid(t0, stop, out)
            out.extend(past.between(t0, min(t1, self._era_start)))
        if t1 > self._era_start:
            begin = max(t0, self._era_start)
            if segments:
                out.extend(self._airing(slot, start) for slot, start in self.slots(begin, t1))
            else:
                if self._grid_start > self._era_start and begin < self._grid_start:
                    out.append(self._bare_airing(self._bridge.programme, self._era_start,
                                                 self._bridge.length))
                if t1 > self._grid_start:
                    self._bare_grid(max(begin, self._grid_start), t1, out)
        return out

    def _past_rows(self) -> _PastRows:
        if self._past is None:
            self._past = _PastRows(
                self.number, self._store.airings_before(self.number, self._era_start), self._stored
            )
        return self._past

    def _past_guide(self) -> _PastHeads:
        if self._past_heads is None:
            self._past_heads = _PastHeads(
                self.number,
                self._store.airing_heads_before(self.number, self._era_start),
                self._stored,
                self.cycle,
            )
        return self._past_heads


class _StoredItems:
    """Published items decoded from the store, once per :class:`Schedule`.

    Every channel's rows name the same shared filler pool, so decoding per channel would
    decode it once per channel. Lookups may race: both decode, either result is kept (equal).
    """

    def __init__(self, store: ScheduleStore):
        self._store = store
        self._items: dict[str, MediaItem] = {}

    def __call__(self, keys: Iterable[str]) -> dict[str, MediaItem]:
        """A mapping holding (at least) every key of ``keys``."""
        items = self._items
        missing = {key for key in keys if key not in items}
        if missing:
            items.update(self._store.items(missing))
        return items


class _PastRows:
    """The published airings of superseded eras, decoded from the database on first use."""

    def __init__(self, number: int, rows: list[StoredAiring], stored: _StoredItems):
        parts = [json.loads(row.parts) for row in rows]
        keys = {row.programme for row in rows}
        keys.update(part[0] for row_parts in parts for part in row_parts)
        items = stored(keys)
        self.airings = [
            Airing(
                number, items[row.programme], row.start, row.stop, _segments(row, row_parts, items)
            )
            for row, row_parts in zip(rows, parts, strict=True)
        ]
        self._starts = [airing.start for airing in self.airings]
        self.first_start = self._starts[0] if self._starts else None

    def at(self, t: float) -> Airing | None:
        index = bisect.bisect_right(self._starts, t) - 1
        if index >= 0 and t < self.airings[index].stop:
            return self.airings[index]
        return None

    def between(self, t0: float, t1: float) -> list[Airing]:
        first = max(0, bisect.bisect_right(self._starts, t0) - 1)
        return [
            airing
            for airing in self.airings[first : bisect.bisect_left(self._starts, t1)]
            if airing.stop > t0
        ]


class _PastHeads:
    """:class:`_PastRows` for the guide: programme, start and stop only, no segments.

    Neither the rows' parts nor their filler are read or decoded, only the programmes; one
    still in the channel (unchanged) is replaced by the channel's own object, so the guide
    writer, which works per item object, does not render it twice (before and after the join).
    """

    def __init__(
        self, number: int, rows: list[tuple[int, int, str]], stored: _StoredItems, cycle: Cycle
    ):
        items = stored(row[2] for row in rows)
        current = {programme.id: programme for programme, _ in cycle.heads}
        programmes: dict[str, MediaItem] = {}
        for key in {row[2] for row in rows}:
            item = items[key]
            same = current.get(item.id)
            programmes[key] = same if same is not None and same == item else item
        self._airings = [
            Airing(number, programmes[programme], start, stop, ())
            for start, stop, programme in rows
        ]
        self._starts = [row[0] for row in rows]
        self.first_start = self._starts[0] if self._starts else None

    def between(self, t0: float, t1: float) -> list[Airing]:
        first = max(0, bisect.bisect_right(self._starts, t0) - 1)
        return [
            airing
            for airing in self._airings[first : bisect.bisect_left(self._starts, t1)]
            if airing.stop > t0
        ]


def _segments(
    row: StoredAiring, parts: list[list[Any]], items: dict[str, MediaItem]
) -> tuple[Segment, ...]:
    """A stored row's segments; offsets are re-summed exactly as the slot layout summed them."""
    segments = []
    at = 0.0
    for key, duration, seek in parts:
        segments.append(Segment(items[key], row.start + at, duration, seek))
        at += duration
    return tuple(segments)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while building many long-lived objects.

    A guide query builds about a million Segments that all stay alive; with the collector
    running, the allocations trigger gen-1 and gen-2 passes that re-scan every one of them,
    which costs three to four times the building itself. Paused for one call, a single young
    generation pass follows instead. The collector is only re-enabled if it was enabled.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _fast_path_applies() -> bool:
    """Whether Segment and Airing are still the plain frozen, slotted dataclasses built above."""
    expected = {
        Segment: ("item", "start", "duration", "seek"),
        Airing: ("channel", "programme", "start", "stop", "segments"),
    }
    return all(
        tuple(f.name for f in dataclasses.fields(cls)) == names
        and "__slots__" in cls.__dict__
        and not hasattr(cls, "__post_init__")
        for cls, names in expected.items()
    )


_FAST = _fast_path_applies()
_new = object.__new__
_segment_item, _segment_start, _segment_duration, _segment_seek = (
    Segment.__dict__[name].__set__ for name in ("item", "start", "duration", "seek")
)
_airing_channel, _airing_programme, _airing_start, _airing_stop, _airing_segments = (
    Airing.__dict__[name].__set__ for name in ("channel", "programme", "start", "stop", "segments")
)
