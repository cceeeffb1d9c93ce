"""Channels from the catalog: the automatic lineup and ``[[channel]]`` specs."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from lineup.catalog import SkippedEpisode, SkippedFile
from lineup.channels import auto_lineup, default_policy, marathon_channel, resolve_channels
from lineup.config import ChannelSpec
from lineup.errors import ConfigError
from lineup.models import (
    BreakPolicy,
    BreakSource,
    Channel,
    FillerKind,
    FillerPolicy,
    ItemKind,
    MediaItem,
    Order,
    OutputMode,
)
from lineup.numbering import ChannelNumbers
from tests.lineup.media import episode, filler, movie, season


def library() -> list[MediaItem]:
    items = [
        episode(1, "Cheers", 2, 1),
        episode(2, "Cheers", 1, 2),
        episode(3, "Cheers", 1, 1),
        episode(4, "Cheers", 0, 1),  # a special: after the regular seasons
        *season("Taxi", 2, 10),
        movie(20, "Heat", 1995),
        movie(21, "Alien", 1979),
        movie(22, "Heat", 1986),
        filler(30, 30.0, "/ads/90s"),
        filler(31, 45.0, "/ads/80s"),
    ]
    random.Random(4).shuffle(items)  # the catalog's order must not matter
    return items


def ids(channel: Channel) -> list[int]:
    return [item.id for item in channel.programmes]


def test_auto_lineup_is_one_channel_per_show_plus_movies(tmp_path: Path) -> None:
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        channels = auto_lineup(library(), numbers)

    assert [(c.number, c.name) for c in channels] == [(1, "Cheers"), (2, "Taxi"), (3, "Movies")]
    cheers, taxi, movies = channels
    assert ids(cheers) == [3, 2, 1, 4]
    assert ids(taxi) == [10, 11]
    assert ids(movies) == [21, 22, 20]  # Alien, Heat (1986), Heat (1995)
    assert [f.id for f in cheers.filler] == [31, 30]  # by path: /ads/80s before /ads/90s
    assert cheers.policy == FillerPolicy(items=2, pad_minutes=30) == default_policy(True)
    assert cheers.order == Order.CHRONOLOGICAL
    assert cheers.mode == OutputMode.TRANSCODE


def test_auto_lineup_without_filler_runs_programmes_back_to_back(tmp_path: Path) -> None:
    items = [item for item in library() if item.kind != ItemKind.FILLER]
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        channels = auto_lineup(items, numbers)
    assert {c.policy for c in channels} == {FillerPolicy()}
    assert all(c.filler == () for c in channels)


def test_auto_lineup_numbers_are_stable_across_library_edits(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    with ChannelNumbers.open(db) as numbers:
        auto_lineup(library(), numbers)

    edited = [i for i in library() if i.show != "Cheers"] + season("Barney Miller", 2, 40)
    with ChannelNumbers.open(db) as numbers:  # a restart, with Cheers gone and a new show
        channels = auto_lineup(edited, numbers)
    assert [(c.number, c.name) for c in channels] == [
        (2, "Taxi"),
        (3, "Movies"),
        (4, "Barney Miller"),
    ]

    with ChannelNumbers.open(db) as numbers:  # Cheers is back, under its old number
        channels = auto_lineup(library() + season("Barney Miller", 2, 40), numbers)
    assert [(c.number, c.name) for c in channels] == [
        (1, "Cheers"),
        (2, "Taxi"),
        (3, "Movies"),
        (4, "Barney Miller"),
    ]


def test_show_names_match_whatever_their_case(tmp_path: Path) -> None:
    items = [episode(1, "M*A*S*H", 1, 1), replace(episode(2, "M*A*S*H", 1, 2), show="m*a*s*h")]
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        (channel,) = auto_lineup(items, numbers)
    assert channel.name == "M*A*S*H"  # a tie between spellings goes to the first in order
    assert ids(channel) == [1, 2]


def test_spec_shows_are_matched_case_insensitively_and_interleaved() -> None:
    spec = ChannelSpec(
        number=5,
        name="Sitcoms",
        shows=("taxi", "CHEERS"),
        seed=3,
        order=Order.SHUFFLE,
        mode=OutputMode.COPY,
        group="Comedy",
        logo=Path("/logos/5.png"),
    )

    (channel,) = resolve_channels([spec], library())

    assert ids(channel) == [10, 3, 11, 2, 1, 4]  # one of each in turn, each in episode order
    assert (channel.number, channel.name, channel.order, channel.seed) == (
        5,
        "Sitcoms",
        Order.SHUFFLE,
        3,
    )
    assert (channel.mode, channel.group, channel.logo) == (
        OutputMode.COPY,
        "Comedy",
        "/logos/5.png",
    )
    assert channel.policy == default_policy(True)


def test_spec_movies_all_or_by_title() -> None:
    every = ChannelSpec(number=1, name="All", movies=True)
    chosen = ChannelSpec(number=2, name="Some", movies=("Heat (1995)", "alien", "Missing"))

    all_movies, some = resolve_channels([chosen, every], library())

    assert ids(all_movies) == [21, 22, 20]
    assert ids(some) == [20, 21]  # in the order listed; the year pins one Heat


def test_spec_folders_match_by_path_prefix_not_by_name_prefix() -> None:
    items = [
        *season("Cheers", 2, 1),
        replace(episode(5, "Cheers 2", 1, 1), path="/tv/Cheers 2/s1e1.mkv"),
        replace(movie(6, "Cheers: The Movie", 1990), path="/tv/Cheers/extra/movie.mkv"),
    ]
    spec = ChannelSpec(number=1, name="Bar", folders=(Path("/tv/Cheers"),))

    (channel,) = resolve_channels([spec], items)

    assert ids(channel) == [1, 6, 2]  # Cheers episodes interleaved with the folder's movie


def test_spec_filler_from_folders_and_explicit_policy() -> None:
    spec = ChannelSpec(
        number=1,
        name="A",
        shows=("Taxi",),
        filler=FillerPolicy(seconds=60),
        filler_folders=(Path("/ads/90s"),),
    )

    (channel,) = resolve_channels([spec], library())

    assert [f.id for f in channel.filler] == [30]
    assert channel.policy == FillerPolicy(seconds=60)


def test_a_spec_matching_nothing_still_yields_a_channel() -> None:
    spec = ChannelSpec(number=8, name="Lost", shows=("Nope",))
    (channel,) = resolve_channels([spec], library())
    assert channel.programmes == ()
    assert channel.number == 8


def test_an_item_in_two_sources_airs_once() -> None:
    spec = ChannelSpec(number=1, name="A", shows=("Taxi",), folders=(Path("/tv/Taxi"),))
    (channel,) = resolve_channels([spec], library())
    assert ids(channel) == [10, 11]


def test_channels_come_back_sorted_by_number() -> None:
    specs = [ChannelSpec(number=n, name=str(n), movies=True) for n in (9, 2, 5)]
    assert [c.number for c in resolve_channels(specs, library())] == [2, 5, 9]


def test_marathon_of_a_skipped_episode_says_why_it_was_skipped() -> None:
    gone = [
        SkippedEpisode(
            "Cheers",
            1,
            3,
            4,
            SkippedFile("/tv/Cheers - S01E03-E04.mp4", "truncated (data ends at 9.5 s)"),
        ),
        SkippedEpisode("Wings", 1, 1, None, SkippedFile("/tv/Wings - S01E01.mp4", "no video")),
    ]
    items = library()
    assert ids(marathon_channel(items, "cheers", 1, 2, skipped=gone)) == [2, 1, 4, 3]
    for show, episode_number, expected in [
        (
            "cheers",
            4,
            "Cheers S01E04 was skipped by the scan: truncated (data ends at 9.5 s): "
            "/tv/Cheers - S01E03-E04.mp4",
        ),
        ("wings", 1, "Wings S01E01 was skipped by the scan: no video: /tv/Wings - S01E01.mp4"),
        ("cheers", 5, "Cheers has no season 1 episode 5"),
    ]:
        with pytest.raises(ConfigError) as caught:
            marathon_channel(items, show, 1, episode_number, skipped=gone)
        assert str(caught.value) == expected


def test_the_clock_grid_is_only_for_material_that_fits_it(tmp_path: Path) -> None:
    from lineup.channels import default_policy
    from tests.lineup.media import filler as ad
    from tests.lineup.media import season as episodes

    clips = episodes("Clips", 5, 10, duration=30.0)
    sitcoms = episodes("Cheers", 5, 20, duration=1320.0)
    assert default_policy(True, clips).pad_minutes == 0
    assert default_policy(True, sitcoms).pad_minutes == 30
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        lineup = auto_lineup([*clips, *sitcoms, ad(1, 30.0)], numbers)
    by_name = {c.name: c for c in lineup}
    assert by_name["Clips"].policy.pad_minutes == 0
    assert by_name["Cheers"].policy.pad_minutes == 30


def role_library() -> list[MediaItem]:
    return [
        *season("Cheers", 2, 1),
        filler(30, 30.0, "/f/Commercials", FillerKind.COMMERCIAL),
        filler(31, 5.0, "/f/Bumpers", FillerKind.BUMPER),
        filler(32, 10.0, "/f/IDs", FillerKind.STATION_ID),
        filler(33, 20.0, "/f/nbc"),  # no role folder: plain filler
    ]


def test_auto_channels_get_breaks_cards_and_every_role_present(tmp_path: Path) -> None:
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        (cheers,) = auto_lineup(role_library(), numbers)
    assert cheers.breaks == BreakPolicy(BreakSource.CHAPTERS, 2, 120.0)
    assert cheers.up_next is True
    assert cheers.filler_kinds == tuple(FillerKind)  # the unsorted filler item is plain filler
    marathon = marathon_channel(role_library(), "Cheers", 1, 1)
    assert (marathon.breaks, marathon.up_next) == (cheers.breaks, True)
    assert marathon.filler_kinds == cheers.filler_kinds


def test_spec_break_settings_reach_the_channel() -> None:
    spec = ChannelSpec(
        number=4,
        name="Late",
        shows=("Cheers",),
        breaks=BreakPolicy(BreakSource.DETECTED, 1, 60.0),
        up_next=False,
        id_window_minutes=2.0,
    )
    (channel,) = resolve_channels([spec], role_library())
    assert channel.breaks == BreakPolicy(BreakSource.DETECTED, 1, 60.0)
    assert channel.up_next is False
    assert channel.id_window_minutes == 2.0
    assert [f.id for f in channel.filler] == [31, 30, 32, 33]  # every FILLER item, by path


def test_spec_kinds_keep_only_those_roles() -> None:
    spec = ChannelSpec(
        number=4,
        name="Late",
        shows=("Cheers",),
        filler_kinds=(FillerKind.COMMERCIAL, FillerKind.STATION_ID),
    )
    (channel,) = resolve_channels([spec], role_library())
    assert [f.id for f in channel.filler] == [30, 32]
    assert channel.filler_kinds == (FillerKind.COMMERCIAL, FillerKind.STATION_ID)


def test_spec_role_folders_replace_that_role() -> None:
    """``bumpers = ["/f/nbc"]``: this channel's bumpers are those files (whatever their folder
    is called), not the library's Bumpers/; the other roles stay the library's."""
    spec = ChannelSpec(
        number=4,
        name="Late",
        shows=("Cheers",),
        role_folders=((FillerKind.BUMPER, (Path("/f/nbc"),)),),
    )
    (channel,) = resolve_channels([spec], role_library())
    assert [(f.id, f.filler_kind) for f in channel.filler] == [
        (30, FillerKind.COMMERCIAL),
        (32, FillerKind.STATION_ID),
        (33, FillerKind.BUMPER),
    ]
    assert channel.filler_kinds == (FillerKind.COMMERCIAL, FillerKind.BUMPER, FillerKind.STATION_ID)
