"""One loop of a channel's programmes, laid out as guide slots with their breaks and padding.

The schedule is arithmetic on this: a slot's length depends only on its programme, so a loop has
the same length L whatever order it plays in, the loop that contains an instant is a division
and the slot inside it a bisect over cumulative offsets (O(log n), even a year ahead).

That is why a programme's break belongs to the programme: filler is dealt round-robin through
the pool in chronological programme order once, when the cycle is built, and an episode takes
the same break with it every time it airs (also when the loop is shuffled). A loop of a real
show is weeks long, so nobody sees the repetition, and no state is needed to compute the guide.

Slot = programme + break (``items`` filler items, or filler until ``seconds`` is reached) +
padding up to a whole second, or with ``pad_minutes`` up to the next N-minute boundary. Padding
is filled with more filler (the last item cut short); anything under a second, or all of it
when there is no filler, is the channel's slate. There is never dead air.

Mid-roll breaks: a programme with natural break points (chapter marks, or black-with-silence
found at scan; :func:`break_points` picks which per the channel's :class:`BreakPolicy`) airs as
several parts of the same item, each later part entering the file (``seek``) exactly where the
one before was cut, with about ``BreakPolicy.seconds`` of filler at each cut. Breaks are composed
by role (:mod:`lineup.roles`): a bumper out of the show, commercials and plain filler, and in a
mid-roll a bumper back in; station IDs are never dealt here (where they go depends on the clock:
:mod:`lineup.schedule.decorate`). Each role has its own round-robin cursor.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields
from operator import attrgetter

from lineup.models import (
    BreakPolicy,
    BreakSource,
    Channel,
    FillerKind,
    FillerPolicy,
    ItemKind,
    MediaInfo,
    MediaItem,
    Order,
)
from lineup.roles import role_of

log = logging.getLogger(__name__)

PLAN_VERSION = 2  # bump when the slot layout changes, so persisted eras are not misread
SLATE_SECONDS = 1800  # slot length of an empty channel: the guide shows :00 / :30 blocks
MIN_FILLER_SECONDS = 1.0  # shorter filler would make padding loops pathological
#: filler up to this long stays folded into the programme's guide entry; a longer run is an
#: entry of its own, so the guide never claims a show is on while commercials loop
FOLD_SECONDS = 300
_LOOP_CACHE = 8  # shuffled loops kept (a guide window spans one or two loops)
EDGE_SECONDS = 60.0  # no mid-roll cut this close to a programme's start or end
MIN_CUT_GAP = 180.0  # mid-roll cuts at least this far apart
MIN_CUT_PROGRAMME = 600.0  # a programme this long gets a mid-roll even below one per half-hour
_MAIN_ROLES = (FillerKind.COMMERCIAL, FillerKind.FILLER)

Part = tuple[MediaItem, float, float, float]  # item, offset in slot, duration, seek into file
Cursor = tuple[int, int]  # items dealt so far from the main pool and from the bumpers


def slate_item(channel: Channel) -> MediaItem:
    """The channel's stand-in picture: what airs when there is nothing (else) to show.

    Kind SLATE, no path: the playout engine renders it itself. Its nominal duration is one
    empty-channel slot; the Segment that airs it always says how long it actually runs.
    """
    return MediaItem(
        id=0,
        path="",
        kind=ItemKind.SLATE,
        title=f"{channel.name} — off air",
        info=MediaInfo(
            duration=float(SLATE_SECONDS), container="", video_codec="", width=0, height=0, fps=0.0
        ),
    )


def filler_item(channel: Channel) -> MediaItem:
    """The guide entry of a long run of filler: what a station calls paid programming."""
    return MediaItem(
        id=0,
        path="",
        kind=ItemKind.FILLER,
        title="Paid Programming",
        info=MediaInfo(duration=0.0, container="", video_codec="", width=0, height=0, fps=0.0),
        show=channel.name,
    )


@dataclass(frozen=True, slots=True)
class Slot:
    """One programme's guide slot, relative to the slot's start (``parts`` never overlap)."""

    programme: MediaItem
    length: int
    parts: tuple[Part, ...]
    split: int = 0  # > 0: from this offset the slot is its own filler guide entry


class Cycle:
    """A channel's slots for one loop, plus each loop's play order and cumulative offsets.

    Building a cycle only computes slot lengths (a walk over durations); a slot's parts are
    laid out the first time it airs, from the filler position saved for it.
    """

    def __init__(self, channel: Channel, digests: ItemDigests | None = None):
        self.channel = channel
        self.slate = slate_item(channel)
        self.pad_seconds = channel.policy.pad_minutes * 60
        self.fingerprint = fingerprint(channel, digests or ItemDigests())
        self._programmes = [p for p in channel.programmes if _playable(p, channel, "programme")]
        pool = [
            item
            for item in channel.filler
            if _playable(item, channel, "filler", minimum=MIN_FILLER_SECONDS)
        ]
        self._pool, self._bumpers = _deal_pools(pool, bool(channel.filler_kinds))
        self._pool_durations = [float(item.duration) for item in self._pool]
        self._deck = _Deck(
            self._pool,
            self._pool_durations,
            self._bumpers,
            [float(item.duration) for item in self._bumpers],
        )
        self._cursors: list[Cursor] = []
        lengths: list[int] = []
        splits: list[int] = []
        cursor: Cursor = (0, 0)
        for programme in self._programmes:
            self._cursors.append(cursor)
            length, cursor, _, split = self._lay_out(programme, cursor, build=False)
            lengths.append(length)
            splits.append(split)
        self.empty = not self._programmes
        if self.empty:
            lengths = [SLATE_SECONDS]
        self.size = len(lengths)
        self.length = sum(lengths)
        self._lengths = lengths
        #: the programme and the length of each slot in chronological order: all a guide needs,
        #: known without laying the slot out (its parts are built only when it airs). Two flat
        #: tuples rather than a pair per slot, which the garbage collector would track.
        self.slot_programmes: tuple[MediaItem, ...] = (
            (self.slate,) if self.empty else tuple(self._programmes)
        )
        self.slot_lengths: tuple[int, ...] = tuple(lengths)
        #: per slot, where its own "Paid Programming" guide entry starts (0: none)
        self.slot_splits: tuple[int, ...] = tuple(splits) if not self.empty else (0,)
        #: the programme of a long padding's own guide entry (the slate when there is no filler)
        self.filler_entry = filler_item(channel) if self._pool else self.slate
        self._slots: list[Slot | None] = [None] * self.size
        self._chronological = (tuple(range(self.size)), [0, *itertools.accumulate(lengths)])
        self._loops: dict[int, tuple[tuple[int, ...], list[int]]] = {}
        self._lock = threading.Lock()

    @property
    def grid(self) -> int:
        """Slot starts fall on multiples of this many seconds (of POSIX time) once aligned."""
        if self.empty:
            return SLATE_SECONDS
        return self.pad_seconds or 1

    @property
    def epoch_step(self) -> int:
        """A new channel's first slot starts on the hour (or on the pad boundary before it)."""
        grid = self.grid
        return 3600 if 3600 % grid == 0 else grid

    def slot(self, index: int) -> Slot:
        """Slot ``index`` of the chronological order, laid out on first use and kept."""
        found = self._slots[index]
        if found is None:
            found = self.lay_out(index)
            # another thread may have laid it out meanwhile: equal, but keep one object
            found = self._slots[index] or found
            self._slots[index] = found
        return found

    def lay_out(self, index: int) -> Slot:
        """Slot ``index`` laid out anew and not kept: for a caller that reads it once.

        A kept slot is about ten objects for the garbage collector to scan for as long as the
        cycle lives; publishing a lineup's guide reads every slot of every channel once.
        """
        if self.empty:
            parts: tuple[Part, ...] = ((self.slate, 0.0, float(SLATE_SECONDS), 0.0),)
            return Slot(self.slate, SLATE_SECONDS, parts)
        programme = self._programmes[index]
        length, _, parts, split = self._lay_out(programme, self._cursors[index], build=True)
        return Slot(programme, length, parts, split)

    def loop(self, k: int) -> tuple[tuple[int, ...], list[int]]:
        """Loop ``k``'s play order (slot indexes) and the offset of each position in it.

        Shuffled loops use a permutation seeded by (seed, k) alone, so any loop can be
        rebuilt on demand without playing the ones before it.
        """
        if self.channel.order != Order.SHUFFLE or self.size < 2:
            return self._chronological
        found = self._loops.get(k)
        if found is None:
            order = list(range(self.size))
            random.Random(f"retrovue:{self.channel.seed}:{k}").shuffle(order)
            offsets = [0, *itertools.accumulate(self._lengths[i] for i in order)]
            found = (tuple(order), offsets)
            with self._lock:
                if len(self._loops) >= _LOOP_CACHE:
                    self._loops.pop(next(iter(self._loops)))
                self._loops[k] = found
        return found

    def position_after(self, programme_id: int | None) -> int:
        """Where in loop 0 to resume after ``programme_id`` (0 when it is no longer here)."""
        if programme_id is None or programme_id <= 0 or self.empty:
            return 0
        order, _ = self.loop(0)
        for position, index in enumerate(order):
            if self._programmes[index].id == programme_id:
                return (position + 1) % len(order)
        return 0

    def position_of(self, programme_id: int) -> int:
        """Where in loop 0 ``programme_id`` airs (0 when it is no longer here)."""
        if programme_id <= 0 or self.empty:
            return 0
        order, _ = self.loop(0)
        for position, index in enumerate(order):
            if self._programmes[index].id == programme_id:
                return position
        return 0

    def _lay_out(
        self, programme: MediaItem, cursor: Cursor, *, build: bool
    ) -> tuple[int, Cursor, tuple[Part, ...], int]:
        """(slot length, filler cursors after it, parts if ``build``, split) for one programme.

        ``split`` > 0 when the padding is long (over :data:`FOLD_SECONDS`): from that offset
        (a whole second; the slate fills the fraction before it) the slot is a guide entry of
        its own, "Paid Programming", so the guide does not claim the show while filler airs.

        The one place the slot layout is decided: run once without ``build`` for every
        programme to learn the lengths, and again with it when the slot first airs.
        """
        lay = _Layout(self._deck, cursor, build)
        breaks = self.channel.breaks
        seek = 0.0
        if self._pool and breaks.seconds > 0 and programme.breaks:
            for cut in break_points(programme, breaks):
                lay.add(programme, cut - seek, seek)
                seek = cut
                lay.mid_roll(breaks.seconds)
        lay.add(programme, float(programme.duration) - seek, seek)
        if self._pool:
            count = _break_count(self._pool_durations, lay.main, self.channel.policy)
            if count and self._bumpers:  # the break after the show opens with a bumper too
                lay.bumper()
            lay.deal(count)
        length = math.ceil(round(lay.at, 6))
        pad = self.pad_seconds
        split = 0
        if pad:
            padded = -(-length // pad) * pad
            if padded - length > FOLD_SECONDS:
                split = length
                if length - lay.at > 1e-9:
                    lay.add(self.slate, length - lay.at)
            length = padded
            if self._pool:
                lay.pad(length)
        if build and length - lay.at > 1e-9:
            lay.add(self.slate, length - lay.at)
        return length, (lay.main, lay.bumper_cursor), tuple(lay.parts), split


@dataclass(frozen=True, slots=True)
class _Deck:
    """What breaks are dealt from: the main pool and the bumpers, with their durations."""

    pool: Sequence[MediaItem]
    durations: Sequence[float]
    bumpers: Sequence[MediaItem]
    bumper_durations: Sequence[float]


class _Layout:
    """A slot being laid out: its parts so far (when building), where the next part starts,
    and how far each filler role has been dealt. Its loops run for every slot of every
    channel when a lineup is built: they keep their state in locals."""

    __slots__ = ("at", "build", "bumper_cursor", "deck", "main", "parts")

    def __init__(self, deck: _Deck, cursor: Cursor, build: bool) -> None:
        self.deck = deck
        self.main, self.bumper_cursor = cursor
        self.build = build
        self.parts: list[Part] = []
        self.at = 0.0

    def add(self, item: MediaItem, duration: float, seek: float = 0.0) -> None:
        if self.build:
            self.parts.append((item, self.at, duration, seek))
        self.at += duration

    def filler(self) -> float:
        """Deal the next item of the main pool; its duration."""
        deck = self.deck
        index = self.main % len(deck.pool)
        self.add(deck.pool[index], deck.durations[index])
        self.main += 1
        return deck.durations[index]

    def deal(self, count: int) -> None:
        """``count`` items of the main pool."""
        pool, durations, parts, build = self.deck.pool, self.deck.durations, self.parts, self.build
        size, at, main = len(pool), self.at, self.main
        for _ in range(count):
            index = main % size
            if build:
                parts.append((pool[index], at, durations[index], 0.0))
            main += 1
            at += durations[index]
        self.at, self.main = at, main

    def pad(self, length: float) -> None:
        """Main-pool items up to ``length`` (the last one cut short), down to under a second."""
        pool, durations, parts, build = self.deck.pool, self.deck.durations, self.parts, self.build
        size, at, main = len(pool), self.at, self.main
        while length - at >= MIN_FILLER_SECONDS:
            index = main % size
            used = min(durations[index], length - at)
            if build:
                parts.append((pool[index], at, used, 0.0))
            main += 1
            at += used
        self.at, self.main = at, main

    def bumper(self) -> float:
        deck = self.deck
        index = self.bumper_cursor % len(deck.bumpers)
        self.add(deck.bumpers[index], deck.bumper_durations[index])
        self.bumper_cursor += 1
        return deck.bumper_durations[index]

    def mid_roll(self, seconds: float) -> None:
        """A break inside the programme: a bumper out, filler (at least one item) until the
        break, bumpers included, lasts ``seconds``, and a bumper back into the show."""
        target = seconds
        deck = self.deck
        if deck.bumpers:
            back = deck.bumper_durations[(self.bumper_cursor + 1) % len(deck.bumpers)]
            target -= self.bumper() + back
        spent = 0.0
        while not spent or spent < target:
            spent += self.filler()
        if deck.bumpers:
            self.bumper()


def break_points(programme: MediaItem, policy: BreakPolicy) -> tuple[float, ...]:
    """Where ``programme`` is cut for mid-roll breaks under ``policy`` (seconds into the file).

    Candidates are the file's natural break points (chapter marks, or the detected ones;
    ``detected`` takes only the latter) at least :data:`EDGE_SECONDS` from either end. At most
    ``floor(duration / 1800 * per_half_hour)`` cuts (one for a programme of 10 minutes or more
    that would get none), spread evenly: for each ideal position (the programme divided in equal
    parts) the nearest candidate at least :data:`MIN_CUT_GAP` from the cuts already chosen.
    """
    points = programme.breaks
    if not points or policy.per_half_hour <= 0 or policy.source == BreakSource.NONE:
        return ()
    if policy.source == BreakSource.DETECTED and programme.chapters:
        return ()
    duration = float(programme.duration)
    candidates = [p for p in points if EDGE_SECONDS <= p <= duration - EDGE_SECONDS]
    if not candidates:
        return ()
    most = math.floor(duration / 1800 * policy.per_half_hour)
    if most == 0 and duration >= MIN_CUT_PROGRAMME:
        most = 1
    chosen: list[float] = []
    for k in range(1, most + 1):
        ideal = duration * k / (most + 1)
        spaced = [p for p in candidates if all(abs(p - c) >= MIN_CUT_GAP for c in chosen)]
        if not spaced:
            break
        chosen.append(min(spaced, key=lambda p: (abs(p - ideal), p)))
    return tuple(sorted(chosen))


def _deal_pools(
    pool: Sequence[MediaItem], by_role: bool
) -> tuple[list[MediaItem], list[MediaItem]]:
    """(what breaks are filled with, the bumpers that open and close them).

    Without roles (``Channel.filler_kinds`` empty) every item is plain filler, as before roles
    existed. With them, commercials and filler fill breaks and station IDs are left to
    :mod:`lineup.schedule.decorate`; a pool with nothing else falls back to its bumpers, then
    its IDs, so a channel with filler never pads with the slate.
    """
    if not by_role:
        return list(pool), []
    main = [item for item in pool if role_of(item) in _MAIN_ROLES]
    bumpers = [item for item in pool if role_of(item) == FillerKind.BUMPER]
    if not main:
        main, bumpers = bumpers, []
    if not main:
        main = [item for item in pool if role_of(item) == FillerKind.STATION_ID]
    return main, bumpers


def _break_count(durations: Sequence[float], cursor: int, policy: FillerPolicy) -> int:
    """How many filler items, dealt from ``cursor``, make the break after a programme."""
    if policy.items:
        return policy.items
    count = 0
    spent = 0.0
    while spent < policy.seconds:
        spent += durations[(cursor + count) % len(durations)]
        count += 1
    return count


def _playable(item: MediaItem, channel: Channel, role: str, minimum: float = 0.0) -> bool:
    duration = item.duration
    if math.isfinite(duration) and duration > minimum:
        return True
    log.warning(
        "channel %d: %s %r skipped: its duration %r is too short",
        channel.number,
        role,
        item.path or item.title,
        duration,
    )
    return False


_ITEM_FIELDS = tuple(f.name for f in fields(MediaItem))
_INFO_FIELDS = tuple(f.name for f in fields(MediaInfo))
_item_values = attrgetter(*_ITEM_FIELDS)
_info_values = attrgetter(*_INFO_FIELDS)


class ItemDigests:
    """Digests of item sequences, memoised per sequence object.

    Auto-lineup channels share one filler tuple; hashing it once instead of once per channel
    is most of the cost of fingerprinting a large lineup.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Sequence[MediaItem], str]] = {}

    def __call__(self, items: Sequence[MediaItem]) -> str:
        found = self._memo.get(id(items))
        if found is not None and found[0] is items:
            return found[1]
        digest = hashlib.sha256()
        for item in items:
            digest.update(repr((_item_values(item), _info_values(item.info))).encode())
        text = digest.hexdigest()
        self._memo[id(items)] = (items, text)
        return text


def fingerprint(channel: Channel, digests: ItemDigests) -> str:
    """Changes whenever anything that shapes the channel's airings changes."""
    policy = channel.policy
    head = (PLAN_VERSION, channel.name, policy.items, policy.seconds, policy.pad_minutes)
    breaks = channel.breaks
    decor = (
        (str(breaks.source), breaks.per_half_hour, breaks.seconds),
        channel.up_next,
        tuple(str(kind) for kind in channel.filler_kinds),
        channel.id_window_minutes,
        channel.logo,  # an up-next card shows it
    )
    text = repr(
        (
            head,
            str(channel.order),
            channel.seed,
            digests(channel.programmes),
            digests(channel.filler),
            decor,
            _slots_digest(channel, digests),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _slots_digest(channel: Channel, digests: ItemDigests) -> str:
    """A channel's time slots and zone, as they shape its airings ("" without slots)."""
    if not channel.slots:
        return ""
    return repr(
        (
            channel.timezone,
            [
                (
                    slot.key,
                    sorted(slot.weekdays),
                    sorted(slot.dates),
                    slot.start,
                    slot.end,
                    slot.count,
                    str(slot.order),
                    slot.seed,
                    digests(slot.programmes),
                )
                for slot in channel.slots
            ],
        )
    )
