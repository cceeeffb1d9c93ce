"""The deterministic schedule: slot layout, lookups, persistence across restarts and edits."""

from __future__ import annotations

import gc
import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import pytest

from lineup.cycle import Slot
from lineup.errors import UnknownChannelError
from lineup.models import Airing, Channel, FillerPolicy, ItemKind, MediaItem, Order, Segment
from lineup.schedule import KEEP_PAST, Schedule, ScheduleStore
from lineup.schedule.store import item_from_json, item_json
from tests.lineup.media import episode, filler, season

HOUR = 3600
DAY = 24 * HOUR
HORIZON = 6 * HOUR  # short, so tests can cross it cheaply
NOW = 1_767_225_600 + 17 * 60 + 0.25  # 2026-01-01 00:17:00.25 UTC


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "retrovue.db"


class OpenSchedule(Protocol):
    def __call__(self, channels: Sequence[Channel], horizon: float = HORIZON) -> Schedule: ...


@pytest.fixture
def open_schedule(db: Path) -> Iterator[OpenSchedule]:
    """``open_schedule(channels, horizon=…)``: a Schedule over a fresh store on the same file.

    Each call is a "restart": a new store connection and a new Schedule object.
    """
    stores: list[ScheduleStore] = []

    def make(channels: Sequence[Channel], horizon: float = HORIZON) -> Schedule:
        store = ScheduleStore.open(db)
        stores.append(store)
        return Schedule(store, channels, horizon=horizon, clock=lambda: pytest.fail("clock used"))

    yield make
    for store in stores:
        store.close()


def sitcom(
    number: int = 3,
    *,
    count: int = 6,
    policy: FillerPolicy | None = None,
    ads: Sequence[MediaItem] | None = None,
    **options: object,
) -> Channel:
    """Half-hour episodes of slightly different lengths (padding under five minutes, so each
    slot is one guide entry), with four ads of 30-60 s."""
    episodes = tuple(
        episode(100 + n, "Cheers", 1, n + 1, duration=1500.0 + 7.25 * n) for n in range(count)
    )
    pool = (
        tuple(ads) if ads is not None else tuple(filler(900 + n, 30.0 + 10 * n) for n in range(4))
    )
    return Channel(
        number=number,
        name="Cheers TV",
        programmes=episodes,
        filler=pool,
        policy=policy if policy is not None else FillerPolicy(items=2, pad_minutes=30),
        **options,  # type: ignore[arg-type]
    )


def assert_contiguous(airings: Sequence[Airing]) -> None:
    """No gaps or overlaps between slots, and each slot's segments tile it exactly."""
    assert airings, "expected airings"
    for before, after in itertools.pairwise(airings):
        assert before.stop == after.start, (before.start, before.stop, after.start)
    for airing in airings:
        assert airing.start < airing.stop
        assert airing.segments[0].start == airing.start
        if airing.programme.kind in (ItemKind.EPISODE, ItemKind.MOVIE):
            assert airing.segments[0].item == airing.programme
        else:  # long padding as its own entry: filler or the slate under a filler title
            assert {s.item.kind for s in airing.segments} <= {ItemKind.FILLER, ItemKind.SLATE}
        for a, b in itertools.pairwise(airing.segments):
            assert b.start == pytest.approx(a.stop, abs=1e-6)
        assert airing.segments[-1].stop == pytest.approx(airing.stop, abs=1e-6)


def titles(airings: Sequence[Airing]) -> list[str]:
    return [airing.programme.title for airing in airings]


def published_until(schedule: Schedule, number: int = 3) -> int:
    until = schedule.published_until(number)
    assert until is not None, "published"
    return until


# -- layout ---------------------------------------------------------------------------------


def test_first_slot_starts_on_the_hour_and_slots_are_padded_to_half_hours(
    open_schedule: OpenSchedule,
) -> None:
    schedule = open_schedule([sitcom()])
    schedule.publish(NOW)

    airings = schedule.airings(3, NOW, NOW + 2 * DAY)

    assert airings[0].start == 1_767_225_600  # the epoch: NOW aligned down to the hour
    assert all(airing.start % 1800 == 0 and airing.duration == 1800 for airing in airings)
    assert titles(airings[:7]) == [f"Cheers 1x{n}" for n in (1, 2, 3, 4, 5, 6, 1)]
    assert_contiguous(airings)


def test_break_has_the_configured_number_of_items_then_padding_filler(
    open_schedule: OpenSchedule,
) -> None:
    ads = [filler(900 + n, 30.0 + 10 * n) for n in range(6)]  # 30, 40, … 80 s
    schedule = open_schedule([sitcom(policy=FillerPolicy(items=3, pad_minutes=30), ads=ads)])
    schedule.publish(NOW)

    first = schedule.airings(3, NOW, NOW + 1)[0]
    second = schedule.airings(3, first.stop, first.stop + 1)[0]

    assert first.segments[0].item.kind == ItemKind.EPISODE
    # 1500 s + a break of 30 + 40 + 50 = 1620 s; the 180 s to :30 is more filler, dealt
    # round-robin, the last one cut short (60 + 70 + 50 of 80)
    ids = [s.item.id for s in first.segments[1:]]
    assert ids == [900, 901, 902, 903, 904, 905]
    assert first.segments[-1].duration == pytest.approx(50)
    assert first.duration == 1800
    # the deal continues in the next slot where this one stopped
    assert [s.item.id for s in second.segments[1:4]] == [900, 901, 902]


def test_break_by_seconds_takes_filler_until_the_target_is_reached(
    open_schedule: OpenSchedule,
) -> None:
    schedule = open_schedule([sitcom(policy=FillerPolicy(seconds=100))])
    schedule.publish(NOW)

    for airing in schedule.airings(3, NOW, NOW + 4 * HOUR):
        programme, *rest = airing.segments
        breaks = [s for s in rest if s.item.kind == ItemKind.FILLER]
        seconds = sum(s.duration for s in breaks)
        assert seconds >= 100
        assert seconds - breaks[-1].duration < 100
        # no padding: the slot ends on the next whole second, the fraction is slate
        assert airing.duration == int(-(-(programme.duration + seconds) // 1))
        if rest[-1].item.kind == ItemKind.SLATE:
            assert rest[-1].duration < 1


def test_without_filler_padding_is_slate_and_never_dead_air(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom(ads=())])
    schedule.publish(NOW)

    airing = schedule.airings(3, NOW, NOW + 1)[0]

    assert [s.item.kind for s in airing.segments] == [ItemKind.EPISODE, ItemKind.SLATE]
    assert airing.segments[1].duration == 300
    assert_contiguous(schedule.airings(3, NOW, NOW + DAY))


def test_empty_channel_airs_the_slate_in_half_hour_blocks(open_schedule: OpenSchedule) -> None:
    empty = Channel(number=7, name="Nothing", programmes=(), filler=(filler(1, 30.0),))
    schedule = open_schedule([empty])
    schedule.publish(NOW)

    airings = schedule.airings(7, NOW, NOW + 3 * HOUR)

    assert [a.start % 1800 for a in airings] == [0] * 7
    assert {a.duration for a in airings} == {1800}
    assert {a.programme.kind for a in airings} == {ItemKind.SLATE}
    assert airings[0].programme.title == "Nothing — off air"
    assert airings[0].programme.path == ""
    tune = schedule.at(7, NOW)
    assert tune.segment.item.kind == ItemKind.SLATE
    assert tune.offset == pytest.approx(17 * 60 + 0.25)


def test_unplayable_items_are_skipped(open_schedule: OpenSchedule) -> None:
    broken = sitcom(ads=(filler(1, 0.2), filler(2, 45.0)))
    broken = replace(
        broken, programmes=(episode(5, "Cheers", 1, 9, duration=0.0), *broken.programmes)
    )
    schedule = open_schedule([broken])
    schedule.publish(NOW)

    airings = schedule.airings(3, NOW, NOW + DAY)

    assert "Cheers 1x9" not in titles(airings)
    assert {s.item.id for a in airings for s in a.segments if s.item.kind == ItemKind.FILLER} == {2}


# -- lookups --------------------------------------------------------------------------------


def test_at_finds_the_slot_segment_and_offset(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom()])
    schedule.publish(NOW)
    slot = schedule.airings(3, NOW + HOUR, NOW + HOUR + 1)[0]
    programme, _, second_ad = slot.segments[:3]

    at_start = schedule.at(3, slot.start)
    assert at_start.airing == slot
    assert at_start.segment == programme
    assert at_start.offset == 0

    mid = schedule.at(3, slot.start + 600.5)
    assert mid.segment == programme
    assert mid.offset == pytest.approx(600.5)

    in_break = schedule.at(3, second_ad.start + 12)
    assert in_break.segment == second_ad
    assert in_break.segment.item.kind == ItemKind.FILLER
    assert in_break.offset == pytest.approx(12)

    last = schedule.at(3, slot.stop - 0.001)
    assert last.airing == slot
    assert last.segment == slot.segments[-1]

    after = schedule.at(3, slot.stop)
    assert after.airing.start == slot.stop
    assert after.offset == 0


def test_at_a_year_ahead_agrees_with_the_listing(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom(), sitcom(4, order=Order.SHUFFLE, seed=5)])
    schedule.publish(NOW)
    t = NOW + 365 * DAY + 12345.5

    for number in (3, 4):
        listed = schedule.airings(number, t - 2 * HOUR, t + 2 * HOUR)
        tune = schedule.at(number, t)
        assert tune.airing in listed
        assert tune.airing.start <= t < tune.airing.stop
        assert tune.segment.start <= t < tune.segment.stop
        assert tune.offset == pytest.approx(tune.segment.seek + t - tune.segment.start)
        assert tune.airing.start % 1800 == 0
        assert_contiguous(listed)


def test_unknown_channel(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom()])
    with pytest.raises(UnknownChannelError, match="no channel 99"):
        schedule.at(99, NOW)
    with pytest.raises(UnknownChannelError):
        schedule.airings(99, NOW, NOW + 1)


def test_airings_are_the_slots_overlapping_the_window(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom()])
    schedule.publish(NOW)
    base = 1_767_225_600

    assert [a.start for a in schedule.airings(3, base + 1799, base + 1801)] == [base, base + 1800]
    assert [a.start for a in schedule.airings(3, base + 1800, base + 3600)] == [base + 1800]
    assert schedule.airings(3, base + 10, base + 10) == []


def test_airings_match_segment_objects_built_the_ordinary_way(open_schedule: OpenSchedule) -> None:
    schedule = open_schedule([sitcom()])
    schedule.publish(NOW)
    airing = schedule.airings(3, NOW, NOW + 1)[0]

    rebuilt = Airing(
        airing.channel,
        airing.programme,
        airing.start,
        airing.stop,
        tuple(Segment(s.item, s.start, s.duration, s.seek) for s in airing.segments),
    )
    assert rebuilt == airing
    assert hash(rebuilt) == hash(airing)
    assert repr(rebuilt) == repr(airing)


# -- determinism and persistence ------------------------------------------------------------


def test_a_restart_reproduces_every_airing(open_schedule: OpenSchedule) -> None:
    channels = [sitcom(), sitcom(4, order=Order.SHUFFLE, seed=9)]
    first = open_schedule(channels)
    first.publish(NOW)
    before = {n: first.airings(n, NOW - HOUR, NOW + 3 * DAY) for n in (3, 4)}

    again = open_schedule(channels)
    again.publish(NOW + 5 * HOUR)  # a later publish must not move anything either

    for number in (3, 4):
        assert again.airings(number, NOW - HOUR, NOW + 3 * DAY) == before[number]
        assert again.at(number, NOW + 2 * DAY) == first.at(number, NOW + 2 * DAY)


def test_the_epoch_is_kept_even_when_restarted_much_later(open_schedule: OpenSchedule) -> None:
    open_schedule([sitcom()]).publish(NOW)

    later = open_schedule([sitcom()])
    later.publish(NOW + 10 * DAY + 1234)

    assert later.at(3, 1_767_225_600).airing.start == 1_767_225_600
    assert later.airings(3, NOW + 10 * DAY, NOW + 10 * DAY + 1)[0].start % 1800 == 0


def test_shuffle_is_a_seeded_permutation_per_loop(open_schedule: OpenSchedule) -> None:
    count = 12
    loop = count * 1800
    schedule = open_schedule(
        [
            sitcom(3, count=count, order=Order.SHUFFLE, seed=1),
            sitcom(4, count=count, order=Order.SHUFFLE, seed=1),
            sitcom(5, count=count, order=Order.SHUFFLE, seed=2),
        ]
    )
    schedule.publish(NOW)
    base = 1_767_225_600

    orders = {n: titles(schedule.airings(n, base, base + 3 * loop)) for n in (3, 4, 5)}

    assert orders[3] == orders[4]
    assert orders[3] != orders[5]
    loops = [orders[3][i * count : (i + 1) * count] for i in range(3)]
    for one in loops:
        assert sorted(one) == sorted(f"Cheers 1x{n}" for n in range(1, count + 1))
    assert loops[0] != loops[1] != loops[2]
    assert loops[0] != sorted(loops[0], key=lambda title: int(title.split("x")[1]))


def test_published_guide_survives_library_edits(open_schedule: OpenSchedule) -> None:
    channel = sitcom(count=8)
    first = open_schedule([channel])
    first.publish(NOW)
    published = first.airings(3, NOW, NOW + HORIZON)
    until = published_until(first)
    assert until >= NOW + HORIZON

    gone = channel.programmes[2]  # airs inside the horizon (3rd slot)
    longer = replace(
        channel.programmes[1], info=replace(channel.programmes[1].info, duration=3300.0)
    )
    added = episode(999, "Cheers", 2, 1)
    edited = replace(
        channel,
        programmes=(channel.programmes[0], longer, *channel.programmes[3:], added),
    )
    assert gone.title in titles(published)

    after = open_schedule([edited])
    after.publish(NOW + HOUR)

    assert after.airings(3, NOW, NOW + HORIZON) == published
    assert after.at(3, published[2].start + 10).airing == published[2]
    joined = after.airings(3, NOW, NOW + 3 * DAY)
    assert_contiguous(joined)
    beyond = [a for a in joined if a.start >= until]
    assert gone.title not in titles(beyond)
    assert added.title in titles(beyond)
    assert any(a.programme == longer and a.duration == 3600 for a in beyond)


def test_new_content_continues_after_the_last_published_programme(
    open_schedule: OpenSchedule,
) -> None:
    channel = sitcom(count=8)
    first = open_schedule([channel])
    first.publish(NOW)
    until = published_until(first)
    last = first.at(3, until - 1).airing.programme

    edited = replace(channel, programmes=(*channel.programmes, episode(999, "Cheers", 2, 1)))
    after = open_schedule([edited])

    following = after.at(3, until).airing
    assert following.start == until
    index = edited.programmes.index(last)
    assert following.programme == edited.programmes[(index + 1) % len(edited.programmes)]


def test_published_items_replay_after_leaving_the_catalog(open_schedule: OpenSchedule) -> None:
    channel = sitcom(count=4)
    first = open_schedule([channel])
    first.publish(NOW)
    published = first.airings(3, NOW, NOW + HORIZON)

    replaced = replace(channel, programmes=tuple(season("Taxi", 3, 500)), filler=())
    after = open_schedule([replaced])

    assert after.airings(3, NOW, NOW + HORIZON) == published
    later = after.airings(3, NOW + DAY, NOW + 2 * DAY)
    assert {a.programme.show for a in later if a.programme.kind == ItemKind.EPISODE} == {"Taxi"}


def test_a_changed_pad_joins_through_a_slate_bridge(open_schedule: OpenSchedule) -> None:
    channel = sitcom(policy=FillerPolicy(items=1))  # slots of odd lengths, off the grid
    first = open_schedule([channel])
    first.publish(NOW)
    until = published_until(first)
    assert until % 1800 != 0

    after = open_schedule([replace(channel, policy=FillerPolicy(items=1, pad_minutes=30))])
    airings = after.airings(3, NOW, NOW + DAY)

    assert_contiguous(airings)
    bridge = next(a for a in airings if a.start == until)
    assert bridge.programme.kind == ItemKind.SLATE
    assert bridge.stop % 1800 == 0
    assert bridge.duration < 1800
    assert all(a.start % 1800 == 0 for a in airings if a.start > until)


def test_publishing_keeps_no_slot_laid_out(open_schedule: OpenSchedule) -> None:
    channel = sitcom(count=12)
    schedule = open_schedule([channel])
    schedule.publish(NOW)  # lays out every slot of the loop, several times over
    programmes = {id(programme) for programme in channel.programmes}

    def kept() -> list[Slot]:
        gc.collect()
        return [o for o in gc.get_objects() if type(o) is Slot and id(o.programme) in programmes]

    # a slot is about ten objects for the collector to scan: only a lookup that airs it keeps it
    assert kept() == []
    schedule.at(3, NOW)
    assert len(kept()) == 1


def test_publish_extends_the_horizon_and_prunes_the_past(
    open_schedule: OpenSchedule,
    db: Path,
) -> None:
    schedule = open_schedule([sitcom()])
    schedule.publish(NOW)
    schedule.publish(NOW + 3 * DAY)

    with sqlite3.connect(db) as connection:
        first, last = connection.execute(
            "SELECT MIN(start), MAX(stop) FROM schedule_airings WHERE channel = 3"
        ).fetchone()
    assert first >= NOW + 3 * DAY - KEEP_PAST - 1800
    assert last == schedule.published_until(3)
    assert last >= NOW + 3 * DAY + HORIZON


def test_unchanged_content_after_a_publish_gap_still_matches(open_schedule: OpenSchedule) -> None:
    channels = [sitcom(order=Order.SHUFFLE, seed=3)]
    first = open_schedule(channels)
    first.publish(NOW)
    expected = first.airings(3, NOW + 4 * DAY, NOW + 5 * DAY)

    later = open_schedule(channels)
    later.publish(NOW + 4 * DAY)

    assert later.airings(3, NOW + 4 * DAY, NOW + 5 * DAY) == expected


def test_item_json_round_trips() -> None:
    item = replace(episode(7, "Cheers", 1, 2), genres=("Comedy",), summary="Sam — and Diane")
    assert item_from_json(item_json(item)) == item


def test_a_lookup_before_any_publish_dates_the_epoch_by_the_clock(db: Path) -> None:
    epoch = 1_767_225_600 + 2 * HOUR
    with ScheduleStore.open(db) as store:
        schedule = Schedule(store, [sitcom()], horizon=HORIZON, clock=lambda: NOW + 2 * HOUR)
        tune = schedule.at(3, NOW + 2 * HOUR)
        schedule.publish(NOW)  # an earlier "now" than the clock said: rows start at the epoch
        airings = schedule.airings(3, NOW, NOW + DAY)
        first_row = store.airings_before(3, epoch + DAY)[0]

    assert tune.airing.start == epoch
    assert tune.airing.programme.title == "Cheers 1x1"
    assert first_row.start == epoch
    assert published_until(schedule) >= NOW + HORIZON
    # before the epoch the schedule is extrapolated backwards, still without a gap
    assert airings[0].start <= NOW
    assert_contiguous(airings)
    assert any(a.start == epoch and a.programme.title == "Cheers 1x1" for a in airings)


def test_two_schedules_on_one_file_do_not_rewrite_each_other(open_schedule: OpenSchedule) -> None:
    channel = sitcom(count=8, policy=FillerPolicy(items=1))  # unpadded: slots off any grid
    taxi = replace(channel, programmes=tuple(season("Taxi", 5, 500, duration=1000.5)))
    old = open_schedule([channel])
    old.publish(NOW)
    published = old.airings(3, NOW, NOW + HORIZON)

    new = open_schedule([taxi])
    new.publish(NOW + HOUR)
    by_new = new.airings(3, NOW, NOW + HOUR + HORIZON)
    old.publish(NOW + 2 * HOUR)  # stale content: must continue after what new published

    again = open_schedule([taxi])
    assert again.airings(3, NOW, NOW + HORIZON) == published
    assert again.airings(3, NOW, NOW + HOUR + HORIZON) == by_new
    assert_contiguous(again.airings(3, NOW, NOW + 2 * DAY))


# -- the guide's airings (segments=False) ---------------------------------------------------


def assert_guide_matches(
    schedule: Schedule, number: int, t0: float, t1: float, *, same_objects: bool = False
) -> None:
    """``segments=False`` is ``airings`` with every ``segments`` emptied, and nothing else."""
    full = schedule.airings(number, t0, t1)
    bare = schedule.airings(number, t0, t1, segments=False)
    assert full, "expected airings"
    assert bare == [replace(airing, segments=()) for airing in full]
    assert all(type(airing) is Airing for airing in bare)
    if same_objects:  # computed slots: the channel's own item objects, as airings() gives
        for airing, expected in zip(bare, full, strict=True):
            assert airing.programme is expected.programme


@pytest.mark.parametrize(
    "channel",
    [
        sitcom(),
        sitcom(order=Order.SHUFFLE, seed=5, count=9),
        sitcom(policy=FillerPolicy(seconds=100.0)),
        sitcom(policy=FillerPolicy(items=1)),  # unpadded: slots off any grid
        sitcom(ads=()),  # padding is slate
        Channel(number=3, name="Nothing", programmes=()),  # slate blocks
        replace(sitcom(), programmes=(episode(1, "Bad", 1, 1, duration=0.0), *sitcom().programmes)),
    ],
    ids=["padded", "shuffled", "break-by-seconds", "unpadded", "no-filler", "empty", "unplayable"],
)
def test_guide_airings_are_the_airings_without_segments(
    open_schedule: OpenSchedule,
    channel: Channel,
) -> None:
    schedule = open_schedule([channel])
    schedule.publish(NOW)
    # inside and beyond the horizon, before the epoch (extrapolated), mid-slot edges, a year on
    for t0, t1 in [
        (NOW, NOW + 3 * DAY),
        (NOW - 2 * DAY, NOW + HOUR),
        (NOW + 7, NOW + 8),
        (NOW + 365 * DAY, NOW + 366 * DAY),
    ]:
        assert_guide_matches(schedule, 3, t0, t1, same_objects=True)
    assert schedule.airings(3, NOW, NOW, segments=False) == []


def test_guide_airings_replay_published_eras_and_bridges(open_schedule: OpenSchedule) -> None:
    channel = sitcom(count=8, policy=FillerPolicy(items=1))
    first = open_schedule([channel])
    first.publish(NOW)
    until = published_until(first)

    # new content and a pad: the published era replays from rows, then a bridge, then the grid
    after = open_schedule(
        [
            replace(
                channel,
                programmes=tuple(season("Taxi", 5, 500)),
                policy=FillerPolicy(items=1, pad_minutes=30),
            )
        ]
    )
    after.publish(NOW + HOUR)
    assert_guide_matches(after, 3, NOW - DAY, NOW + 2 * DAY)  # before rows, rows, bridge, grid
    assert_guide_matches(after, 3, until - 1, until + 1)  # last row and the bridge
    bare = after.airings(3, NOW, NOW + DAY, segments=False)
    assert any(a.start == until and a.programme.kind == ItemKind.SLATE for a in bare)
    assert all(before.stop == later.start for before, later in itertools.pairwise(bare))


def test_guide_airings_never_lay_out_a_slot(
    open_schedule: OpenSchedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lineup.cycle import Cycle

    channel = sitcom(count=40, order=Order.SHUFFLE, seed=2)
    first = open_schedule([channel])
    first.publish(NOW)
    expected = [replace(a, segments=()) for a in first.airings(3, NOW - DAY, NOW + 2 * DAY)]
    schedule = open_schedule([channel])  # a restart: no slot laid out yet

    def refuse(self: Cycle, index: int) -> None:
        raise AssertionError("the guide laid out a slot")

    monkeypatch.setattr(Cycle, "slot", refuse)
    assert schedule.airings(3, NOW - DAY, NOW + 2 * DAY, segments=False) == expected


def test_guide_airings_before_a_join_reuse_the_channels_unchanged_items(
    open_schedule: OpenSchedule,
) -> None:
    channel = sitcom(count=8)
    first = open_schedule([channel])
    first.publish(NOW)
    gone = channel.programmes[2]
    edited = replace(
        channel,
        programmes=(*channel.programmes[:2], *channel.programmes[3:], episode(999, "Cheers", 2, 1)),
    )
    after = open_schedule([edited])
    after.publish(NOW + HOUR)
    assert_guide_matches(after, 3, NOW, NOW + HORIZON)

    published = after.airings(3, NOW, NOW + HORIZON, segments=False)  # all from stored rows
    kept = {id(item) for item in edited.programmes}
    assert any(a.programme == gone for a in published)
    for airing in published:
        # still in the channel: its very object; gone from it: the stored copy, replayed
        assert (id(airing.programme) in kept) == (airing.programme != gone)


def test_published_items_are_decoded_once_per_schedule(
    open_schedule: OpenSchedule, decoded_keys: list[str]
) -> None:
    ads = tuple(filler(900 + n, 30.0 + 10 * n) for n in range(4))
    channels = [sitcom(n, ads=ads) for n in (3, 4)]
    open_schedule(channels).publish(NOW)
    edited = [
        replace(c, programmes=tuple(season("Taxi", 3, 500 + 10 * c.number))) for c in channels
    ]
    decoded_keys.clear()  # the spy counts from here: the edited lineup's lookups
    after = open_schedule(edited)
    for number in (3, 4):  # both channels' rows name the same four ads
        after.at(number, NOW + HOUR)
        after.airings(number, NOW, NOW + HORIZON)
        after.airings(number, NOW, NOW + HORIZON, segments=False)
    assert decoded_keys and len(decoded_keys) == len(set(decoded_keys))


def test_long_padding_is_its_own_paid_programming_entry_and_replays(
    open_schedule: OpenSchedule,
) -> None:
    short = sitcom(count=3, ads=[filler(900 + n, 30.0) for n in range(4)])
    short = replace(
        short,
        programmes=tuple(
            replace(p, info=replace(p.info, duration=720.0)) for p in short.programmes
        ),
    )
    schedule = open_schedule([short])
    schedule.publish(NOW)
    hour = 1_767_225_600  # the epoch, before NOW
    airings = schedule.airings(3, hour, hour + 2 * HOUR)
    assert_contiguous(airings)
    # 12 min + 1 min of break, then 17 min of padding: the guide says so
    assert [(a.programme.kind, a.duration) for a in airings[:2]] == [
        (ItemKind.EPISODE, 780),
        (ItemKind.FILLER, 1020),
    ]
    assert airings[1].programme.title == "Paid Programming"
    assert schedule.at(3, airings[1].start + 5).airing == airings[1]
    assert schedule.at(3, airings[1].start - 5).airing == airings[0]
    again = open_schedule([replace(short, programmes=short.programmes[:1])])  # content changed
    assert again.airings(3, hour, hour + 2 * HOUR)[: len(airings) - 1] == airings[:-1]
