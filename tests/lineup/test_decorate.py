"""Station IDs and up-next cards placed in an airing's parts (lineup.schedule.decorate)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from lineup.cards import CARD_SECONDS, card_text
from lineup.cycle import Cycle, Part
from lineup.models import (
    BreakPolicy,
    BreakSource,
    Channel,
    FillerKind,
    FillerPolicy,
    ItemKind,
    MediaItem,
)
from lineup.schedule.decorate import decorate
from tests.lineup.media import episode, filler

HOUR = 3600
POOL = (
    filler(60, 10.0, "/f/Bumpers", FillerKind.BUMPER),
    filler(70, 30.0, "/f/Commercials", FillerKind.COMMERCIAL),
    filler(71, 30.0, "/f/Commercials", FillerKind.COMMERCIAL),
    filler(80, 15.0, "/f/Filler", FillerKind.FILLER),
    filler(90, 20.0, "/f/IDs", FillerKind.STATION_ID),
    filler(91, 25.0, "/f/IDs", FillerKind.STATION_ID),
)


def programmes(count: int, duration: float = 1320.0) -> tuple[MediaItem, ...]:
    return tuple(
        replace(episode(n, "Cheers", 1, n, duration), breaks=(650.0,)) for n in range(1, count + 1)
    )


def channel(**extra: object) -> Channel:
    fields: dict[str, object] = {
        "policy": FillerPolicy(items=1, pad_minutes=30),
        "breaks": BreakPolicy(BreakSource.CHAPTERS, seconds=60.0),
        "filler_kinds": tuple(FillerKind),
        "up_next": False,
        **extra,
    }
    return Channel(4, "Retro", programmes(3), POOL, **fields)  # type: ignore[arg-type]


def slot_parts(ch: Channel, index: int = 0) -> tuple[Part, ...]:
    return Cycle(ch).slot(index).parts


def end(parts: tuple[Part, ...]) -> float:
    return parts[-1][1] + parts[-1][2]


def programme_parts(parts: tuple[Part, ...]) -> list[Part]:
    return [part for part in parts if part[0] is parts[0][0]]


def assert_contiguous(parts: tuple[Part, ...]) -> None:
    for (_, at, length, _), (_, following, _, _) in zip(parts, parts[1:], strict=False):
        assert abs(at + length - following) < 1e-6
        assert length > 0


def ids_at(parts: tuple[Part, ...], start: int) -> list[tuple[int, float]]:
    return [
        (item.id, start + at)
        for item, at, _, _ in parts
        if item.filler_kind == FillerKind.STATION_ID
    ]


def test_nothing_to_do_returns_the_same_parts() -> None:
    ch = channel(filler_kinds=(FillerKind.COMMERCIAL,))  # no IDs, no cards
    parts = slot_parts(ch)
    assert decorate(ch, parts, 10 * HOUR - 710, programmes(2)) is parts
    with_ids = channel()
    parts = slot_parts(with_ids)
    far = 10 * HOUR + 900  # the breaks start at +650 s and +1392 s: 15 minutes from any hour
    assert decorate(with_ids, parts, far, ()) == parts


def test_a_station_id_airs_in_the_break_nearest_the_top_of_the_hour() -> None:
    ch = channel()
    parts = slot_parts(ch)
    # the mid-roll starts at 09:58:50: a bumper, commercials at 09:59:00 and 09:59:30
    start = 10 * HOUR - 710
    decorated = decorate(ch, parts, start, ())
    assert ids_at(decorated, start) == [(90, 10 * HOUR - 20)]  # hour 10: IDs[10 % 2]
    assert end(decorated) == end(parts)  # the airing keeps its length
    assert programme_parts(decorated) == programme_parts(parts)  # and the show its times
    assert_contiguous(decorated)
    mid_roll = [(item.id, at, length) for item, at, length, _ in decorated[1:6]]
    assert mid_roll == [
        (60, 650.0, 10.0),  # bumper out
        (70, 660.0, 30.0),
        (90, 690.0, 20.0),  # the ID
        (71, 710.0, 10.0),  # the commercial after it, cut where the bumper back in begins
        (60, 720.0, 10.0),  # bumper back in, in its place
    ]
    assert decorated[6][1:] == parts[5][1:]  # the show resumes on time

    odd = decorate(ch, parts, 11 * HOUR - 710, ())
    assert ids_at(odd, 11 * HOUR - 710) == [(91, 11 * HOUR - 20)]  # chosen by the hour


def test_no_station_id_outside_the_window() -> None:
    ch = channel(id_window_minutes=0.25)
    parts = slot_parts(ch)
    start = 10 * HOUR - 710  # the nearest commercial starts 20 s before the hour
    assert ids_at(decorate(ch, parts, start, ()), start) == []
    assert ids_at(decorate(channel(), parts, start, ()), start) != []


def test_at_most_one_station_id_per_top_of_the_hour() -> None:
    """A day of airings back to back (22-min shows, no padding: the breaks drift round the
    clock): no hour gets two IDs, each airs within the window, and every hour with a break
    part near it gets one, also when that break is in the airing before the hour's."""
    ch = channel(policy=FillerPolicy(items=2), id_window_minutes=5.0)
    cycle = Cycle(ch)
    start = 0
    per_hour: Counter[int] = Counter()
    near: set[int] = set()
    index = 0
    while start < 24 * HOUR:
        slot = cycle.slot(index % cycle.size)
        after = cycle.slot((index + 1) % cycle.size).programme
        decorated = decorate(ch, slot.parts, start, (after,))
        assert end(decorated) == end(slot.parts)
        assert_contiguous(decorated)
        for _, t in ids_at(decorated, start):
            per_hour[round(t / HOUR)] += 1
            assert abs(t - round(t / HOUR) * HOUR) <= 300
        for item, at, _, _ in slot.parts:
            is_filler = item is not slot.programme and item.kind == ItemKind.FILLER
            role = item.filler_kind
            if (
                is_filler
                and role != FillerKind.BUMPER
                and abs(start + at - round((start + at) / HOUR) * HOUR) <= 300
            ):
                near.add(round((start + at) / HOUR))
        start += slot.length
        index += 1
    assert per_hour and max(per_hour.values()) == 1
    assert set(per_hour) <= near
    assert set(per_hour) == near


def test_an_up_next_card_ends_the_break_after_the_show() -> None:
    ch = channel(up_next=True, logo="/logos/4.png", filler_kinds=(FillerKind.COMMERCIAL,))
    parts = slot_parts(ch)
    following = programmes(3)[1:]
    decorated = decorate(ch, parts, 10 * HOUR + 900, following)
    card, at, length, seek = decorated[-1]
    assert card.kind == ItemKind.CARD
    assert CARD_SECONDS <= length < CARD_SECONDS + 1 and at + length == end(parts)
    text = card_text(card)
    assert (text.channel, text.up_next, text.up_next_detail, text.later, text.logo) == (
        "Retro",
        "Cheers",
        "S01E02 · Cheers 1x2",
        "Cheers",
        "/logos/4.png",
    )
    assert [item.kind for item, *_ in decorated].count(ItemKind.CARD) == 1  # not in the mid-roll
    assert programme_parts(decorated) == programme_parts(parts)
    assert_contiguous(decorated)


def test_no_card_without_a_long_enough_break_or_anything_next() -> None:
    bare = channel(up_next=True, policy=FillerPolicy(), breaks=BreakPolicy(BreakSource.NONE))
    parts = slot_parts(bare)  # the programme and a slate remnant under a second
    assert decorate(bare, parts, 900, programmes(2)) == parts
    ch = channel(up_next=True)
    assert decorate(ch, slot_parts(ch), 900, ()) == slot_parts(ch)


def test_a_card_over_slate_padding_when_there_is_no_filler() -> None:
    ch = Channel(
        4,
        "Retro",
        programmes(2),
        (),
        policy=FillerPolicy(pad_minutes=30),
        up_next=True,
    )
    parts = slot_parts(ch)
    decorated = decorate(ch, parts, 900, programmes(2)[1:])
    assert [item.kind for item, *_ in decorated] == [
        ItemKind.EPISODE,
        ItemKind.SLATE,
        ItemKind.CARD,
    ]
    assert card_text(decorated[-1][0]).later == ""  # nothing after the next one was given
    assert end(decorated) == end(parts) == 1800
