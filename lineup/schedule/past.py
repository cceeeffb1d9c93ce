"""The airings a channel published before its current era, replayed from the store.

When a channel's content changes, the new content starts as a new era where its published guide
ends. What was published before that instant was promised to clients, so it is not recomputed:
it is read back from the store's rows, items and all, even once those items have left the
catalog. :class:`PastAirings` is that replay for one channel, in two forms: whole airings with
their segments (for tuning in) or only programme, start and stop (for the guide, which must not
pay for reading and decoding the filler of every break).
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lineup.models import Airing, MediaItem, Segment
from lineup.schedule.store import ScheduleStore, StoredAiring

__all__ = ["PastAirings", "StoredItems"]

log = logging.getLogger(__name__)


class StoredItems:
    """Published items decoded from the store, once per :class:`~lineup.schedule.Schedule`.

    Every channel's rows name the same shared filler pool, so decoding per channel would
    decode it once per channel. Lookups may race: both decode, either result is kept (equal).
    """

    def __init__(self, store: ScheduleStore) -> None:
        self._store = store
        self._items: dict[str, MediaItem] = {}

    def fetch(self, keys: Iterable[str]) -> Mapping[str, MediaItem]:
        """A mapping holding (at least) every key of ``keys``."""
        items = self._items
        missing = {key for key in keys if key not in items}
        if missing:
            items.update(self._store.items(missing))
        return items


class PastAirings:
    """One channel's published airings before its current era, in start order, without gaps.

    Built by :meth:`load`. A published programme that is still in the channel, unchanged, is
    replaced by the channel's own object, so callers that work per item object (the guide
    writer) treat it as one item before and after the join.
    """

    __slots__ = ("_airings", "_starts", "first_start")

    def __init__(self, airings: list[Airing]) -> None:
        self._airings = airings
        self._starts = [airing.start for airing in airings]
        #: where the retained rows begin (None: nothing retained); before it, nothing is known
        self.first_start: int | None = self._starts[0] if self._starts else None

    @classmethod
    def load(
        cls,
        store: ScheduleStore,
        items: StoredItems,
        channel: int,
        before: int,
        current: Iterable[MediaItem],
        *,
        segments: bool,
    ) -> PastAirings:
        """The rows ``channel`` published that start before ``before``, decoded.

        ``current`` are the channel's programmes now; with ``segments=False`` every airing has
        ``segments=()`` and neither the rows' parts nor their filler are read.
        """
        if segments:
            rows = store.airings_before(channel, before)
            return cls(_with_segments(channel, rows, items, current))
        heads = store.airing_heads_before(channel, before)
        replayed = _replayed_items({key for _, _, key in heads}, items, current)
        return cls([Airing(channel, replayed[key], start, stop, ()) for start, stop, key in heads])

    def at(self, t: float) -> Airing | None:
        """The airing containing ``t``, if a retained row does."""
        index = bisect.bisect_right(self._starts, t) - 1
        if index >= 0 and t < self._airings[index].stop:
            return self._airings[index]
        return None

    def between(self, t0: float, t1: float) -> list[Airing]:
        """The retained airings overlapping [t0, t1), in order."""
        first = max(0, bisect.bisect_right(self._starts, t0) - 1)
        return [
            airing
            for airing in self._airings[first : bisect.bisect_left(self._starts, t1)]
            if airing.stop > t0
        ]


def _with_segments(
    channel: int, rows: Sequence[StoredAiring], items: StoredItems, current: Iterable[MediaItem]
) -> list[Airing]:
    parts = [json.loads(row.parts) for row in rows]
    keys = {row.programme for row in rows}
    keys.update(part[0] for row_parts in parts for part in row_parts)
    replayed = _replayed_items(keys, items, current)
    return [
        Airing(
            channel,
            replayed[row.programme],
            row.start,
            row.stop,
            _segments(row.start, row_parts, replayed),
        )
        for row, row_parts in zip(rows, parts, strict=True)
    ]


def _replayed_items(
    keys: Iterable[str], items: StoredItems, current: Iterable[MediaItem]
) -> dict[str, MediaItem]:
    """Each key's published item, or the channel's own object where it is equal to it."""
    wanted = set(keys)
    stored = items.fetch(wanted)
    by_id = {item.id: item for item in current}
    replayed: dict[str, MediaItem] = {}
    for key in wanted:
        item = stored[key]
        same = by_id.get(item.id)
        replayed[key] = same if same is not None and same == item else item
    return replayed


def _segments(
    start: int, parts: Sequence[Sequence[Any]], items: Mapping[str, MediaItem]
) -> tuple[Segment, ...]:
    """A stored row's segments; offsets are re-summed exactly as the slot layout summed them."""
    segments = []
    at = 0.0
    for key, duration, seek in parts:
        segments.append(Segment(items[key], start + at, duration, seek))
        at += duration
    return tuple(segments)
