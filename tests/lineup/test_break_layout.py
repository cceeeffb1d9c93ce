"""Mid-roll breaks and break roles in the cycle's slot layout (lineup.cycle), in memory."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lineup.cycle import Cycle, ItemDigests, break_points, fingerprint
from lineup.models import (
    BreakPolicy,
    BreakSource,
    Channel,
    FillerKind,
    FillerPolicy,
    MediaItem,
)
from tests.lineup.media import episode, filler

CHAPTERS = BreakPolicy(BreakSource.CHAPTERS)


def show(duration: float, points: tuple[float, ...], chapters: bool = False) -> MediaItem:
    return replace(episode(1, "Cheers", 1, 1, duration), breaks=points, chapters=chapters)


@pytest.mark.parametrize(
    ("duration", "points", "policy", "cuts"),
    [
        # 22 minutes, two per half-hour: floor(1320/1800*2) = 1 cut, nearest the middle (660);
        # 30 and 1300 are within 60 s of an end
        pytest.param(1320, (30, 400, 650, 700, 1300), CHAPTERS, (650,), id="sitcom"),
        # 44 minutes: 2 cuts, nearest 880 and 1760
        pytest.param(2640, (500, 870, 900, 1750, 2000), CHAPTERS, (870, 1750), id="drama"),
        # the nearest candidate for the second ideal is under 3 minutes from the first cut
        pytest.param(2640, (880, 1000), CHAPTERS, (880,), id="three-minutes-apart"),
        pytest.param(
            3600,
            tuple(float(p) for p in range(100, 3600, 100)),
            replace(CHAPTERS, per_half_hour=1),
            (1200, 2400),
            id="one-per-half-hour",
        ),
        pytest.param(
            3600,
            tuple(float(p) for p in range(100, 3600, 100)),
            replace(CHAPTERS, per_half_hour=3),
            (500, 1000, 1500, 2100, 2600, 3100),
            id="three-per-half-hour",
        ),
        # under one per half-hour, but 10 minutes or more: one cut anyway
        pytest.param(700, (300, 360), replace(CHAPTERS, per_half_hour=1), (360,), id="at-least-1"),
        pytest.param(590, (300,), replace(CHAPTERS, per_half_hour=1), (), id="short-none"),
        pytest.param(1320, (650,), replace(CHAPTERS, per_half_hour=0), (), id="zero-per-half-hour"),
        pytest.param(1320, (650,), BreakPolicy(BreakSource.NONE), (), id="none"),
        pytest.param(1320, (), CHAPTERS, (), id="no-points"),
        pytest.param(1320, (59, 1261), CHAPTERS, (), id="only-near-the-ends"),
        pytest.param(1320, (60, 1260), replace(CHAPTERS, per_half_hour=3), (60, 1260), id="edges"),
    ],
)
def test_cut_choice(
    duration: float, points: tuple[float, ...], policy: BreakPolicy, cuts: tuple[float, ...]
) -> None:
    assert break_points(show(duration, points), policy) == cuts


def test_detected_takes_only_detected_points_chapters_take_either() -> None:
    marked = show(1320, (650,), chapters=True)
    found = show(1320, (650,), chapters=False)
    detected = BreakPolicy(BreakSource.DETECTED)
    assert break_points(marked, CHAPTERS) == (650,)
    assert break_points(found, CHAPTERS) == (650,)  # no chapters: the detected points
    assert break_points(found, detected) == (650,)
    assert break_points(marked, detected) == ()


def channel(programme: MediaItem, pool: tuple[MediaItem, ...], **extra: object) -> Channel:
    fields: dict[str, object] = {
        "policy": FillerPolicy(items=1),
        "breaks": replace(CHAPTERS, seconds=60.0),
        "filler_kinds": (),
        **extra,
    }
    return Channel(1, "Cheers", (programme,), pool, **fields)  # type: ignore[arg-type]


def layout(channel: Channel) -> list[tuple[int, float, float, float]]:
    """The slot's parts as (item id, offset, duration, seek)."""
    slot = Cycle(channel).slot(0)
    return [(item.id, at, length, seek) for item, at, length, seek in slot.parts]


def test_a_programme_is_cut_into_parts_of_the_same_item_with_filler_between() -> None:
    programme = show(1320, (650,))
    cycle = Cycle(channel(programme, (filler(50, 30.0), filler(51, 45.0))))
    slot = cycle.slot(0)
    assert [(item.id, at, length, seek) for item, at, length, seek in slot.parts] == [
        (1, 0.0, 650.0, 0.0),
        (50, 650.0, 30.0, 0.0),  # 60 s of filler: 30 + 45 (an item is never cut short here)
        (51, 680.0, 45.0, 0.0),
        (1, 725.0, 670.0, 650.0),  # the rest of the episode, entering the file at the cut
        (50, 1395.0, 30.0, 0.0),  # the break after it (one item), the cursor going on
    ]
    assert all(item is programme for item, *_ in slot.parts[::3])
    assert slot.length == cycle.slot_lengths[0] == 1425  # the length pass agrees with the parts


def test_no_filler_or_no_break_seconds_means_no_mid_roll() -> None:
    programme = show(1320, (650,))
    assert layout(channel(programme, ())) == [(1, 0.0, 1320.0, 0.0)]
    quiet = channel(programme, (filler(50, 30.0),), breaks=replace(CHAPTERS, seconds=0.0))
    assert [p[0] for p in layout(quiet)] == [1, 50]
    none = channel(programme, (filler(50, 30.0),), breaks=BreakPolicy(BreakSource.NONE))
    assert [p[0] for p in layout(none)] == [1, 50]


ROLE_POOL = (
    filler(60, 10.0, "/f/Bumpers", FillerKind.BUMPER),
    filler(61, 12.0, "/f/Bumpers", FillerKind.BUMPER),
    filler(70, 30.0, "/f/Commercials", FillerKind.COMMERCIAL),
    filler(71, 30.0, "/f/Commercials", FillerKind.COMMERCIAL),
    filler(80, 15.0, "/f/Filler", FillerKind.FILLER),
    filler(90, 20.0, "/f/IDs", FillerKind.STATION_ID),
)
ALL_ROLES = tuple(FillerKind)


def test_breaks_are_composed_by_role() -> None:
    """Mid-roll: bumper out, commercials and filler, bumper back in; after the show: a bumper
    then the commercials; station IDs are never dealt (decorate places them)."""
    programme = show(1320, (650,))
    parts = layout(channel(programme, ROLE_POOL, filler_kinds=ALL_ROLES))
    assert [p[0] for p in parts] == [1, 60, 70, 71, 61, 1, 60, 80]
    # the mid-roll lasts about 60 s, its bumpers included: 10 + 30 + 30 + 12
    assert parts[1][1] == 650.0 and parts[5][1] == 650.0 + 10 + 30 + 30 + 12
    assert parts[5][3] == 650.0


def test_breaks_deal_round_robin_per_role_through_the_loop() -> None:
    programmes = tuple(
        replace(episode(n, "Cheers", 1, n, 1320), breaks=(650.0,)) for n in range(1, 4)
    )
    ch = Channel(
        1,
        "Cheers",
        programmes,
        ROLE_POOL,
        policy=FillerPolicy(items=1),
        breaks=replace(CHAPTERS, seconds=45.0),
        filler_kinds=ALL_ROLES,
    )
    cycle = Cycle(ch)
    kinds = [
        [item.id for item, *_ in cycle.slot(n).parts if item.id >= 60] for n in range(cycle.size)
    ]
    # a mid-roll needs 45 - (10 + 12) = 23 s between its bumpers: one commercial (30 s), or
    # the 15-s filler and one more; each role's cursor runs on from slot to slot
    assert kinds == [
        [60, 70, 61, 60, 71],
        [61, 80, 70, 60, 61, 71],
        [60, 80, 70, 61, 60, 71],
    ]
    assert [cycle.slot(n).length for n in range(3)] == list(cycle.slot_lengths)


def test_a_pool_of_only_bumpers_still_fills_the_breaks() -> None:
    programme = show(1320, ())
    parts = layout(channel(programme, ROLE_POOL[:2], filler_kinds=(FillerKind.BUMPER,)))
    assert [p[0] for p in parts] == [1, 60]


@pytest.mark.parametrize(
    "change",
    [
        {"breaks": BreakPolicy(BreakSource.DETECTED)},
        {"breaks": replace(CHAPTERS, per_half_hour=3)},
        {"breaks": replace(CHAPTERS, seconds=90.0)},
        {"up_next": True},
        {"filler_kinds": (FillerKind.COMMERCIAL,)},
        {"id_window_minutes": 2.0},
        {"logo": "/logos/4.png"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_break_setting_changes_the_fingerprint(change: dict[str, object]) -> None:
    base = channel(show(1320, (650,)), ROLE_POOL, breaks=CHAPTERS)
    changed = replace(base, **change)  # type: ignore[arg-type]
    assert fingerprint(base, ItemDigests()) != fingerprint(changed, ItemDigests())


def test_break_points_of_an_item_change_the_fingerprint() -> None:
    base = channel(show(1320, (650,)), ROLE_POOL)
    moved = replace(base, programmes=(show(1320, (700,)),))
    assert fingerprint(base, ItemDigests()) != fingerprint(moved, ItemDigests())
