"""The timeline's arithmetic on its own: loops, the era's first position, the bridge, the past."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

import pytest

from lineup.cycle import SLATE_SECONDS, Cycle
from lineup.models import Airing, Channel, FillerPolicy, ItemKind, Order
from lineup.schedule import ScheduleStore
from lineup.schedule.past import StoredItems
from lineup.schedule.store import ChannelState
from lineup.schedule.timeline import BRIDGE, Timeline
from tests.lineup.media import episode, filler

ERA = 1_767_225_600  # on the hour, so on every grid
# unpadded and without filler, a slot is its programme rounded up to the second
THREE = Channel(
    number=5,
    name="Three",
    programmes=(
        episode(1, "A", 1, 1, duration=600.0),
        episode(2, "A", 1, 2, duration=899.5),
        episode(3, "A", 1, 3, duration=1200.0),
    ),
)
LOOP = 600 + 900 + 1200


def timeline_of(
    store: ScheduleStore, channel: Channel, era_start: int = ERA, era_first: int = 0
) -> Timeline:
    cycle = Cycle(channel)
    state = ChannelState(channel.number, ERA, era_start, era_first, cycle.fingerprint)
    return Timeline(channel.number, cycle, state, store, StoredItems(store))


def spans(airings: Sequence[Airing]) -> list[tuple[int, int, int]]:
    """(programme id, start, stop) of each airing."""
    return [(airing.programme.id, airing.start, airing.stop) for airing in airings]


def test_the_era_loops_the_cycle_from_its_first_position(store: ScheduleStore) -> None:
    timeline = timeline_of(store, THREE, era_first=1)

    airings = timeline.airings(ERA, ERA + 2 * LOOP)

    assert spans(airings) == [
        (2, ERA, ERA + 900),
        (3, ERA + 900, ERA + 2100),
        (1, ERA + 2100, ERA + 2700),
        (2, ERA + 2700, ERA + 3600),
        (3, ERA + 3600, ERA + 4800),
        (1, ERA + 4800, ERA + 5400),
    ]
    # a slot's segments tile it: the programme, then slate for the fraction of a second
    assert [(s.item.kind, s.start, s.duration) for s in airings[0].segments] == [
        (ItemKind.EPISODE, ERA, 899.5),
        (ItemKind.SLATE, ERA + 899.5, 0.5),
    ]


def test_a_window_gets_every_slot_it_overlaps_and_no_other(store: ScheduleStore) -> None:
    timeline = timeline_of(store, THREE)

    assert spans(timeline.airings(ERA + 599, ERA + 601)) == [
        (1, ERA, ERA + 600),
        (2, ERA + 600, ERA + 1500),
    ]
    assert spans(timeline.airings(ERA + 600, ERA + 1500)) == [(2, ERA + 600, ERA + 1500)]
    a_year_on = ERA + 365 * 86400 + 1500  # 11 680 loops, then the first two slots
    assert spans(timeline.airings(a_year_on, a_year_on + 1)) == [(3, a_year_on, a_year_on + 1200)]


def test_before_the_era_and_anything_published_the_loop_runs_backwards(
    store: ScheduleStore,
) -> None:
    timeline = timeline_of(store, THREE, era_first=1)

    before = timeline.airings(ERA - LOOP - 600, ERA)

    assert spans(before) == [
        (1, ERA - LOOP - 600, ERA - LOOP),
        (2, ERA - LOOP, ERA - LOOP + 900),
        (3, ERA - LOOP + 900, ERA - 600),
        (1, ERA - 600, ERA),
    ]
    assert timeline.airing_at(ERA - 1) == before[-1]


def test_an_era_off_the_grid_starts_with_a_slate_bridge(store: ScheduleStore) -> None:
    padded = replace(THREE, policy=FillerPolicy(pad_minutes=30))  # every slot 1800 s
    join = ERA + 700
    timeline = timeline_of(store, padded, era_start=join, era_first=2)

    airings = timeline.airings(join, ERA + 3 * 1800)

    assert spans(airings) == [
        (0, join, ERA + 1800),  # the slate, id 0
        (3, ERA + 1800, ERA + 3000),
        (0, ERA + 3000, ERA + 3600),  # padding over five minutes is an entry of its own
        (1, ERA + 3600, ERA + 4200),
        (0, ERA + 4200, ERA + 5400),
    ]
    bridge = airings[0]
    assert bridge.programme.kind == ItemKind.SLATE
    assert [(s.item, s.start, s.duration) for s in bridge.segments] == [
        (bridge.programme, join, 1100.0)
    ]
    assert timeline.slot_starts(join, ERA + 1801) == [(BRIDGE, join), (2, ERA + 1800)]
    assert timeline.slot(BRIDGE).length == 1100
    assert timeline.slot(2) == timeline.cycle.slot(2)


def test_a_slot_is_laid_out_the_same_whether_kept_or_not(store: ScheduleStore) -> None:
    channel = replace(THREE, filler=(filler(900, 45.0), filler(901, 61.5)))
    timeline = timeline_of(store, channel)

    for index in range(timeline.cycle.size):
        kept = timeline.slot(index)
        assert timeline.slot(index) is kept
        once = timeline.slot(index, keep=False)
        assert once == kept
        assert once is not kept


def test_slot_start_is_the_start_of_the_slot_containing_an_instant(
    store: ScheduleStore,
) -> None:
    timeline = timeline_of(store, THREE)

    assert timeline.slot_start(ERA) == ERA
    assert timeline.slot_start(ERA + 599.9) == ERA
    assert timeline.slot_start(ERA + 600) == ERA + 600
    assert timeline.slot_start(ERA + LOOP + 1000.5) == ERA + LOOP + 600
    assert timeline.slot_start(ERA - 5000) == ERA  # before the era: its first slot


def test_an_empty_channel_is_slate_blocks_on_the_half_hour(store: ScheduleStore) -> None:
    empty = Channel(number=6, name="Nothing", programmes=(), filler=(filler(9, 30.0),))
    timeline = timeline_of(store, empty)

    airings = timeline.airings(ERA - 1, ERA + 3600)

    assert [a.start - ERA for a in airings] == [-SLATE_SECONDS, 0, SLATE_SECONDS]
    assert {a.programme.kind for a in airings} == {ItemKind.SLATE}


def test_each_loop_of_a_shuffled_channel_plays_its_own_order(store: ScheduleStore) -> None:
    programmes = tuple(episode(10 + n, "S", 1, n + 1, duration=600.0 + n) for n in range(7))
    shuffled = Channel(number=7, name="S", programmes=programmes, order=Order.SHUFFLE, seed=4)
    timeline = timeline_of(store, shuffled)
    cycle = timeline.cycle

    for loop in (-2, 0, 1, 50):
        order, offsets = cycle.loop(loop)
        start = ERA + loop * cycle.length
        airings = timeline.airings(start, start + cycle.length)
        assert [a.programme for a in airings] == [programmes[index] for index in order]
        assert [a.start - start for a in airings] == offsets[:-1]


@pytest.mark.parametrize("era_first", [0, 2])
def test_airing_at_agrees_with_the_listing(store: ScheduleStore, era_first: int) -> None:
    channel = replace(
        THREE,
        filler=tuple(filler(900 + n, 20.0 + 7.5 * n) for n in range(3)),
        policy=FillerPolicy(items=2, pad_minutes=15),
        order=Order.SHUFFLE,
        seed=3,
    )
    timeline = timeline_of(store, channel, era_start=ERA + 333, era_first=era_first)
    rng = random.Random(1)

    for t in [ERA + 333, ERA + 900, *(ERA + rng.uniform(-2, 400) * 3600 for _ in range(200))]:
        airing = timeline.airing_at(t)
        assert airing.start <= t < airing.stop
        if t >= ERA + 333:  # before the era a grid slot may overlap the bridge: best effort
            assert airing in timeline.airings(t - 3600, t + 3600)
        assert airing.segments[0].start == airing.start
        assert airing.segments[-1].stop == pytest.approx(airing.stop)


def test_the_guide_form_is_the_airings_without_segments(store: ScheduleStore) -> None:
    channel = replace(THREE, filler=(filler(900, 45.0),), policy=FillerPolicy(pad_minutes=30))
    timeline = timeline_of(store, channel, era_start=ERA + 60, era_first=1)

    for t0, t1 in [(ERA - 86400, ERA), (ERA, ERA + 86400), (ERA + 61, ERA + 62)]:
        full = timeline.airings(t0, t1)
        assert timeline.airings(t0, t1, segments=False) == [
            replace(airing, segments=()) for airing in full
        ]
