"""Overrides laid over the schedule: what airs while one is active, and exactly the schedule
around it (entered at the right offset when an override ends mid-item)."""

from __future__ import annotations

import pytest

from lineup.models import Channel, ItemKind, MediaInfo, MediaItem
from lineup.schedule import Schedule, ScheduleStore
from lineup.schedule.overlay import OverlaidSchedule, OverrideWindow, active_window
from tests.lineup.media import episode

ERA = 1_767_225_600
SHOW = Channel(
    number=5,
    name="Show",
    programmes=tuple(episode(n, "A", 1, n, duration=600.0) for n in (1, 2, 3)),
)
OTHER = Channel(number=7, name="Other", programmes=(episode(9, "B", 1, 1, duration=300.0),))


def card(text: str, duration: float = 3600.0) -> MediaItem:
    return MediaItem(0, "", ItemKind.OVERRIDE, text, MediaInfo(duration, "", "", 0, 0, 0))


def clip(duration: float) -> MediaItem:
    return MediaItem(
        42,
        "/media/alert.mp4",
        ItemKind.OVERRIDE,
        "alert",
        MediaInfo(duration, "mp4", "h264", 320, 240, 25),
    )


@pytest.fixture
def base(store: ScheduleStore) -> Schedule:
    return Schedule(store, [SHOW, OTHER], epochs={5: ERA, 7: ERA})


def layered(base: Schedule, *windows: OverrideWindow) -> OverlaidSchedule:
    return OverlaidSchedule(base, windows)


def test_without_a_window_on_the_channel_it_is_the_schedule(base: Schedule) -> None:
    schedule = layered(base, OverrideWindow(ERA + 100, ERA + 400, card("x"), frozenset({7})))
    for t in (ERA + 50, ERA + 250, ERA + 1700):
        assert schedule.at(5, t) == base.at(5, t)
    assert schedule.airings(5, ERA, ERA + 1800) == base.airings(5, ERA, ERA + 1800)
    assert schedule.channels == base.channels and schedule.channel(5) == SHOW


def test_a_message_airs_in_its_window_and_the_schedule_resumes_mid_item(base: Schedule) -> None:
    schedule = layered(base, OverrideWindow(ERA + 100, ERA + 400, card("Storm")))

    before = schedule.at(5, ERA + 50)  # the scheduled item, cut where the override starts
    assert before.segment.item.id == 1
    assert (before.segment.start, before.segment.duration, before.offset) == (ERA, 100, 50)

    during = schedule.at(5, ERA + 200)
    assert during.segment.item.title == "Storm" and during.segment.item.kind == ItemKind.OVERRIDE
    assert (during.segment.start, during.segment.stop, during.offset) == (ERA + 100, ERA + 400, 100)
    assert during.airing.programme.title == "Storm"

    after = schedule.at(5, ERA + 450)  # exactly where the schedule is: 450 s into episode 1
    assert after.segment.item.id == 1
    assert (after.segment.start, after.segment.stop) == (ERA + 400, ERA + 600)
    assert after.segment.seek == 400 and after.offset == 450 == base.at(5, ERA + 450).offset
    assert schedule.at(7, ERA + 200).segment.item.title == "Storm"  # no channels: every one


def test_an_item_loops_from_the_start_and_is_cut_at_the_end(base: Schedule) -> None:
    schedule = layered(base, OverrideWindow(ERA + 100, ERA + 400, clip(120.0), frozenset({5})))
    tune = schedule.at(5, ERA + 350)  # the third loop, cut at the end
    assert (tune.segment.start, tune.segment.stop, tune.segment.seek) == (ERA + 340, ERA + 400, 0)
    assert tune.offset == 10
    assert schedule.at(5, ERA + 230).segment.start == ERA + 220


def test_an_open_ended_window_lasts_until_removed(base: Schedule) -> None:
    schedule = layered(base, OverrideWindow(ERA, None, card("Off air"), frozenset({5})))
    far = schedule.at(5, ERA + 7 * 86400 + 5)
    assert far.segment.item.title == "Off air" and far.offset == 5


def test_the_newest_window_wins_and_the_older_resumes_after_it(base: Schedule) -> None:
    old = OverrideWindow(ERA + 100, ERA + 1000, clip(600.0), frozenset({5}))
    new = OverrideWindow(ERA + 200, ERA + 300, card("Newer"), frozenset({5}))
    schedule = layered(base, old, new)
    assert active_window(schedule.windows, 5, ERA + 250) == new
    assert schedule.at(5, ERA + 250).segment.item.title == "Newer"
    resumed = schedule.at(5, ERA + 350)  # the older loop, entered where it has got to
    assert resumed.segment.item.title == "alert"
    assert (resumed.segment.start, resumed.segment.seek, resumed.offset) == (ERA + 300, 200, 250)
    assert schedule.at(5, ERA + 150).segment.stop == ERA + 200  # cut where the newer starts


def test_layered_airings_tile_each_slot_with_the_override_inside(base: Schedule) -> None:
    window = OverrideWindow(ERA + 500, ERA + 700, card("Storm"), frozenset({5}))
    schedule = layered(base, window)
    airings = schedule.airings(5, ERA, ERA + 1800)
    assert [a.programme.id for a in airings] == [
        a.programme.id for a in base.airings(5, ERA, ERA + 1800)
    ]
    for airing in airings:
        segments = airing.segments
        assert segments[0].start == airing.start and segments[-1].stop == airing.stop
        assert all(a.stop == b.start for a, b in zip(segments, segments[1:], strict=False))
    pieces = [(s.item.title, s.start - ERA, s.stop - ERA) for a in airings for s in a.segments]
    assert ("Storm", 500, 600) in pieces and ("Storm", 600, 700) in pieces
    resumed = next(s for a in airings for s in a.segments if s.start == ERA + 700)
    assert resumed.item.id == 2 and resumed.seek == 100
    assert schedule.airings(5, ERA, ERA + 1800, segments=False) == base.airings(
        5, ERA, ERA + 1800, segments=False
    )


def test_a_window_must_be_well_formed() -> None:
    with pytest.raises(ValueError):
        OverrideWindow(ERA, ERA, card("x"))
    with pytest.raises(ValueError):
        OverrideWindow(ERA, None, card("x", duration=0.0))
