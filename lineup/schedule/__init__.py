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

This module is the facade, :class:`Schedule`: which era each channel is in, publishing, and
locking. The rest is one concept a module: :mod:`~lineup.schedule.timeline` (a channel's
airings as arithmetic), :mod:`~lineup.schedule.past` (the published airings of eras before
the current one, replayed) and :mod:`~lineup.schedule.store` (the tables in SQLite).
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from lineup.cycle import Cycle, ItemDigests, Slot, fingerprint
from lineup.errors import UnknownChannelError
from lineup.models import Airing, Channel, MediaItem, Tune
from lineup.schedule.decorate import decorate
from lineup.schedule.past import StoredItems
from lineup.schedule.slotted import BASE_KEY, SlottedTimeline, Sources
from lineup.schedule.store import ChannelState, ScheduleStore, item_json, item_key
from lineup.schedule.timeline import Timeline

__all__ = ["DEFAULT_HORIZON", "KEEP_PAST", "Schedule", "ScheduleStore"]

log = logging.getLogger(__name__)

DEFAULT_HORIZON = 72 * 3600.0
KEEP_PAST = 24 * 3600  # published rows are kept this long after they end
#: a slotted channel's era is moved up to a recent airing once it is older than this, so a
#: restart simulates a day or two of airings rather than everything since the era began
REANCHOR_AFTER = 2 * 24 * 3600

_JSON = json.JSONEncoder(separators=(",", ":"))
_Row = tuple[int, int, int, int, str, str]  # channel, start, stop, programme id, key, parts
#: a slot's row columns: length, programme id, programme key, parts JSON, and every item key
#: a slot's rows as (offset, length, programme id, programme key, parts JSON), and every item
#: key they name
_RowColumns = tuple[tuple[tuple[int, int, int, str, str], ...], tuple[str, ...]]


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
    ) -> None:
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
        self._timelines: dict[int, Timeline | SlottedTimeline] = {}
        # per channel, its timeline's slots as row columns (by slot index), built on publishing
        self._row_columns: dict[int, dict[int, _RowColumns]] = {}
        self._digests = ItemDigests()
        self._item_keys: dict[int, str] = {}  # id(item) → the item's content key
        self._keyed_items: list[MediaItem] = []  # every item keyed, so that no id is reused
        self._json: dict[str, str] = {}  # content key → item JSON
        self._saved: set[str] = set()  # keys known to be in the store (since its last GC)
        self._stored_items = StoredItems(store)  # published items decoded, shared by channels

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

    def airings(self, number: int, t0: float, t1: float, *, segments: bool = True) -> list[Airing]:
        """The slots of channel ``number`` overlapping [t0, t1), in order, without gaps.

        With ``segments=False`` every airing comes with ``segments=()`` and is otherwise the
        same: what a guide needs (programme, start, stop) at a fraction of the cost, since the
        ~7 segments of a half-hour slot are most of what a week of airings allocates.
        """
        if t1 <= t0:
            return []
        return self._timeline(number).airings(t0, t1, segments)

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
        with self._lock:
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
                state = timeline.state
                if until != state.published_until:
                    state = replace(state, published_until=until)
                if isinstance(timeline, SlottedTimeline) and until is not None:
                    state = _slotted_state(timeline, state, until, now)
                if state != timeline.state:
                    states[channel.number] = state
            items = [(key, self._json[key]) for key in needed - self._saved]
            collected = self._store.publish(states.values(), items, rows, keep_from)
            self._saved = needed if collected else self._saved | needed
            for state in states.values():
                timeline = self._timelines[state.channel]
                if state.era_start != timeline.state.era_start:
                    del self._timelines[state.channel]  # re-anchored: rebuilt on next use
                else:
                    timeline.state = state
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
        timeline: Timeline | SlottedTimeline,
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
        known = self._row_columns[number]
        # a slotted or decorated channel's airings each differ: laid out anew, not kept
        reuse = isinstance(timeline, Timeline) and not timeline.decorates
        for index, start in timeline.slot_starts(begin, end):
            columns = known.get(index) if reuse else None
            if columns is None:
                filler_entry = None
                if isinstance(timeline, Timeline):
                    filler_entry = timeline.cycle.filler_entry
                    slot = timeline.aired_slot(index, start, keep=False)  # read once
                else:
                    slot = timeline.slot(index, keep=False)
                columns = self._row_columns_of(slot, filler_entry)
                if reuse:
                    known[index] = columns
            slot_rows, keys = columns
            needed.update(keys)
            for offset, length, programme_id, key, parts in slot_rows:
                until = start + offset + length
                rows.append((number, start + offset, until, programme_id, key, parts))
        return until

    def _state_map(self) -> dict[int, ChannelState]:
        if self._states is None:
            self._states = self._store.states()
        return self._states

    def _timeline(
        self, number: int, now: float | None = None, created: list[ChannelState] | None = None
    ) -> Timeline | SlottedTimeline:
        found = self._timelines.get(number)
        if found is not None:
            return found
        channel = self.channel(number)
        with self._lock:
            found = self._timelines.get(number)
            if found is not None:
                return found
            old = self._state_map().get(number)
            timeline: Timeline | SlottedTimeline
            if channel.slots:
                sources = Sources(channel, self._digests)
                state = self._reconcile_slotted(channel, sources, old, now)
                self._save_state(state, old, created)
                timeline = SlottedTimeline(
                    number, channel, state, self._store, self._stored_items, sources, decorate
                )
            else:
                cycle = Cycle(channel, self._digests)
                state = self._reconcile(cycle, old, now)
                self._save_state(state, old, created)
                timeline = Timeline(number, cycle, state, self._store, self._stored_items)
            self._row_columns[number] = {}  # slot indexes are the new cycle's
            self._timelines[number] = timeline
            return timeline

    def _save_state(
        self, state: ChannelState, old: ChannelState | None, created: list[ChannelState] | None
    ) -> None:
        if state != old:
            if created is None:
                self._store.save_states([state])
            else:
                created.append(state)
            self._state_map()[state.channel] = state

    def _reconcile_slotted(
        self, channel: Channel, sources: Sources, state: ChannelState | None, now: float | None
    ) -> ChannelState:
        """A slotted channel's state for its current programming: the same era, or a new one
        from where its published guide ends, each slot resuming its own progression."""
        number = channel.number
        content = fingerprint(channel, self._digests)
        if state is None:
            epoch = math.floor(self._clock() if now is None else now) // 3600 * 3600
            if number in self._epochs:
                epoch = math.floor(self._epochs[number])
            log.info("channel %d: first seen, schedule starts at %d", number, epoch)
            plan = _plan(sources.start_positions(None), sources, {})
            return ChannelState(number, epoch, epoch, 0, content, None, plan)
        if state.fingerprint == content and state.plan is not None:
            return state
        join = state.era_start if state.published_until is None else state.published_until
        following: dict[str, int] = {}
        if state.plan is not None:
            following = dict(json.loads(state.plan).get("next", {}))
        elif state.published_until is not None:  # it was a looped channel
            last = self._store.last_programme_id(number, state.published_until)
            base = sources.all[0].cycle
            if last is not None and not base.empty:
                order, _ = base.loop(0)
                after = base.slot_programmes[order[base.position_after(last)]]
                following = {BASE_KEY: after.id}
        positions = sources.resume_positions(following)
        log.info(
            "channel %d: programming changed; the guide published up to %s is kept, the new "
            "schedule starts there",
            number,
            time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(join)),
        )
        return replace(
            state,
            era_start=join,
            era_first=0,
            fingerprint=content,
            plan=_plan(positions, sources, following),
        )

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

    def _row_columns_of(self, slot: Slot, filler_entry: MediaItem | None = None) -> _RowColumns:
        """A slot as its rows' columns (two when its padding is its own guide entry: from
        ``slot.split`` on, with ``filler_entry`` as its programme), plus the item keys named."""
        known = self._item_keys
        keys: list[str] = []
        split = slot.split if filler_entry is not None else 0
        bounds = [(0, split or slot.length, slot.programme)]
        if split and filler_entry is not None:
            bounds.append((split, slot.length - split, filler_entry))
        rows: list[tuple[int, int, int, str, str]] = []
        for offset, length, programme in bounds:
            parts: list[tuple[str, float, float]] = []
            for item, at, duration, seek in slot.parts:
                if offset - 1e-6 <= at < offset + length - 1e-6:
                    key = known.get(id(item)) or self._key(item)
                    keys.append(key)
                    parts.append((key, duration, seek))
            programme_key = known.get(id(programme)) or self._key(programme)
            keys.append(programme_key)
            rows.append((offset, length, programme.id, programme_key, _JSON.encode(parts)))
        return tuple(rows), tuple(keys)

    def _key(self, item: MediaItem) -> str:
        """The content key of ``item``, computed (with its JSON) once per item object."""
        text = item_json(item)
        key = item_key(text)
        self._item_keys[id(item)] = key
        self._keyed_items.append(item)
        self._json[key] = text
        return key


def _plan(positions: Sequence[int], sources: Sources, following: Mapping[str, int]) -> str:
    """A slotted era's plan JSON (see :class:`ChannelState`)."""
    plan = {"p": dict(zip(sources.keys, positions, strict=True)), "next": dict(following)}
    return _JSON.encode(plan)


def _slotted_state(
    timeline: SlottedTimeline, state: ChannelState, until: int, now: float
) -> ChannelState:
    """After publishing up to ``until``: remember what each slot airs next (for a new era),
    and move an old era up to a recent airing (identical airings, a shorter simulation)."""
    plan = json.loads(state.plan) if state.plan else {}
    plan["next"] = timeline.following(until)
    era_start = state.era_start
    if era_start < now - REANCHOR_AFTER:
        found = timeline.checkpoint(math.floor(now) - 3600)
        if found is not None and found[0] > era_start:
            era_start, anchored = found
            plan["p"] = json.loads(anchored)["p"]
    return replace(state, era_start=era_start, plan=_JSON.encode(plan))
