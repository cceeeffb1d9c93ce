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

from lineup.models import Channel, FillerPolicy, ItemKind, MediaInfo, MediaItem, Order

log = logging.getLogger(__name__)

PLAN_VERSION = 1  # bump when the slot layout changes, so persisted eras are not misread
SLATE_SECONDS = 1800  # slot length of an empty channel: the guide shows :00 / :30 blocks
MIN_FILLER_SECONDS = 1.0  # shorter filler would make padding loops pathological
#: filler up to this long stays folded into the programme's guide entry; a longer run is an
#: entry of its own, so the guide never claims a show is on while commercials loop
FOLD_SECONDS = 300
_LOOP_CACHE = 8  # shuffled loops kept (a guide window spans one or two loops)

Part = tuple[MediaItem, float, float, float]  # item, offset in slot, duration, seek into file


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
        self._pool = [
            item
            for item in channel.filler
            if _playable(item, channel, "filler", minimum=MIN_FILLER_SECONDS)
        ]
        self._pool_durations = [float(item.duration) for item in self._pool]
        self._cursors: list[int] = []
        lengths: list[int] = []
        splits: list[int] = []
        cursor = 0
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
        self, programme: MediaItem, cursor: int, *, build: bool
    ) -> tuple[int, int, tuple[Part, ...], int]:
        """(slot length, filler cursor after it, parts if ``build``, split) for one programme.

        ``split`` > 0 when the padding is long (over :data:`FOLD_SECONDS`): from that offset
        (a whole second; the slate fills the fraction before it) the slot is a guide entry of
        its own, "Paid Programming", so the guide does not claim the show while filler airs.

        The one place the slot layout is decided: run once without ``build`` for every
        programme to learn the lengths, and again with it when the slot first airs.
        """
        pool = self._pool
        durations = self._pool_durations
        size = len(pool)
        parts: list[Part] = []
        at = float(programme.duration)
        if build:
            parts.append((programme, 0.0, at, 0.0))
        if size:
            for _ in range(_break_count(durations, cursor, self.channel.policy)):
                duration = durations[cursor % size]
                if build:
                    parts.append((pool[cursor % size], at, duration, 0.0))
                cursor += 1
                at += duration
        length = math.ceil(round(at, 6))
        pad = self.pad_seconds
        split = 0
        if pad:
            padded = -(-length // pad) * pad
            if padded - length > FOLD_SECONDS:
                split = length
                if build and length - at > 1e-9:
                    parts.append((self.slate, at, length - at, 0.0))
                at = float(length)
            length = padded
            while size and length - at >= MIN_FILLER_SECONDS:
                used = min(durations[cursor % size], length - at)
                if build:
                    parts.append((pool[cursor % size], at, used, 0.0))
                cursor += 1
                at += used
        if build and length - at > 1e-9:
            parts.append((self.slate, at, length - at, 0.0))
        return length, cursor, tuple(parts), split


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
    text = repr(
        (
            head,
            str(channel.order),
            channel.seed,
            digests(channel.programmes),
            digests(channel.filler),
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
