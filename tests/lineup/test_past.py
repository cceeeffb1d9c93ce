"""Replaying published rows: decoding, the channel's own objects, lookups at the edges."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import pytest

from lineup.models import Airing, MediaItem, Segment
from lineup.schedule import ScheduleStore
from lineup.schedule.past import PastAirings, StoredItems
from lineup.schedule.store import item_json, item_key
from tests.lineup.media import episode, filler

CHANNEL = 4
T = 1_767_225_600
SHOW = (episode(1, "Cheers", 1, 1, 1300.0), episode(2, "Cheers", 1, 2, 1310.0))
ADS = (filler(900, 30.0), filler(901, 45.5))

Part = tuple[MediaItem, float, float]  # item, duration, seek


def publish(store: ScheduleStore, rows: Sequence[tuple[int, int, Sequence[Part]]]) -> None:
    """Store ``rows`` of (start, stop, parts) as a publish does; the first part is the programme."""
    items: dict[str, str] = {}
    stored = []
    for start, stop, parts in rows:
        keys = []
        for item, _, _ in parts:
            text = item_json(item)
            keys.append(item_key(text))
            items[keys[-1]] = text
        encoded = json.dumps([[key, d, s] for key, (_, d, s) in zip(keys, parts, strict=True)])
        stored.append((CHANNEL, start, stop, parts[0][0].id, keys[0], encoded))
    store.publish([], items.items(), stored, prune_before=0)


def load(
    store: ScheduleStore, current: Sequence[MediaItem] = SHOW, *, segments: bool = True
) -> PastAirings:
    return PastAirings.load(
        store, StoredItems(store), CHANNEL, T + 3600, current, segments=segments
    )


def two_slots(store: ScheduleStore) -> None:
    publish(
        store,
        [
            (T, T + 1800, [(SHOW[0], 1300.0, 0.0), (ADS[0], 30.0, 0.0), (ADS[1], 45.5, 12.0)]),
            (T + 1800, T + 3600, [(SHOW[1], 1310.0, 0.0), (ADS[0], 30.0, 0.0)]),
            (T + 3600, T + 5400, [(SHOW[0], 1300.0, 0.0)]),  # starts at ``before``: not loaded
        ],
    )


def test_rows_are_replayed_with_their_segments(store: ScheduleStore) -> None:
    two_slots(store)

    past = load(store)

    assert past.first_start == T
    assert past.between(T, T + 99_999) == [
        Airing(
            CHANNEL,
            SHOW[0],
            T,
            T + 1800,
            (
                Segment(SHOW[0], T, 1300.0),
                Segment(ADS[0], T + 1300.0, 30.0),
                Segment(ADS[1], T + 1330.0, 45.5, 12.0),
            ),
        ),
        Airing(
            CHANNEL,
            SHOW[1],
            T + 1800,
            T + 3600,
            (Segment(SHOW[1], T + 1800, 1310.0), Segment(ADS[0], T + 3110.0, 30.0)),
        ),
    ]


def test_the_guide_form_reads_programmes_only(store: ScheduleStore) -> None:
    two_slots(store)

    full = load(store).between(T, T + 3600)
    heads = load(store, segments=False).between(T, T + 3600)

    assert heads == [replace(airing, segments=()) for airing in full]


@pytest.mark.parametrize("segments", [True, False])
def test_a_programme_still_in_the_channel_is_its_own_object(
    store: ScheduleStore, segments: bool
) -> None:
    two_slots(store)
    same = replace(SHOW[0])  # equal, another object
    changed = replace(SHOW[1], title="Renamed")  # same id, other content

    first, second = load(store, [same, changed], segments=segments).between(T, T + 3600)

    assert first.programme is same
    assert second.programme == SHOW[1]
    assert second.programme is not changed


def test_lookups_at_the_edges(store: ScheduleStore) -> None:
    two_slots(store)
    past = load(store)
    first, second = past.between(T, T + 3600)

    assert past.at(T - 1) is None
    assert past.at(T) == first
    assert past.at(T + 1799.9) == first
    assert past.at(T + 1800) == second
    assert past.at(T + 3600) is None  # the last loaded row ends there
    assert past.between(T + 1799, T + 1801) == [first, second]
    assert past.between(T + 1800, T + 3600) == [second]
    assert past.between(T - 100, T) == []


def test_nothing_retained(store: ScheduleStore) -> None:
    past = load(store)

    assert past.first_start is None
    assert past.at(T) is None
    assert past.between(T - 86400, T + 86400) == []


def test_stored_items_decode_each_item_once(store: ScheduleStore, decoded_keys: list[str]) -> None:
    two_slots(store)
    items = StoredItems(store)
    key = item_key(item_json(ADS[0]))

    assert items.fetch([key])[key] == ADS[0]
    assert items.fetch([key, key])[key] == ADS[0]
    assert decoded_keys == [key]
