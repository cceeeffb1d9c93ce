"""The naming rules, as a table: path under the root → what the library makes of it."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from lineup.models import FillerKind, ItemKind
from lineup.naming import ParsedName, filler_kind_of, parse_media_path, prettify, split_year

ROOT = PurePosixPath("/media")


def episode(show: str, season: int, ep: int, title: str, **extra: object) -> ParsedName:
    return ParsedName(ItemKind.EPISODE, title, show, season, ep, **extra)  # type: ignore[arg-type]


def movie(title: str, year: int) -> ParsedName:
    return ParsedName(ItemKind.MOVIE, title, year=year)


def filler(title: str) -> ParsedName:
    return ParsedName(ItemKind.FILLER, title)


CASES = [
    pytest.param(
        "Cheers/Season 01/Cheers - S01E01 - Give Me a Ring Sometime.mp4",
        episode("Cheers", 1, 1, "Give Me a Ring Sometime"),
        id="plex-episode",
    ),
    pytest.param(
        "TV/Cheers (1982)/Season 1/Cheers - s01e02 - Sams Women.mkv",
        episode("Cheers", 1, 2, "Sams Women", year=1982),
        id="show-year-and-nested-library-folder",
    ),
    pytest.param(
        "Cheers (1982) {tvdb-77623}/Season 02/Cheers - S02E03.mkv",
        episode("Cheers", 2, 3, "Episode 3", year=1982),
        id="show-id-tag-and-no-title",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers.S01E04.Sams.Women.720p.WEB-DL.x264.mkv",
        episode("Cheers", 1, 4, "Sams Women"),
        id="dotted-release-name",
    ),
    pytest.param(
        "Cheers/Season 01/cheers_s01e05_the_tortelli_tort.avi",
        episode("Cheers", 1, 5, "The Tortelli Tort"),
        id="underscores-lowercase",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - S01E01-E02 - Pilot.mp4",
        episode("Cheers", 1, 1, "Pilot", episode_end=2),
        id="multi-episode-dash-e",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - S01E01E02E03.mp4",
        episode("Cheers", 1, 1, "Episode 1", episode_end=3),
        id="multi-episode-concatenated",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - S01E07-08 - Two Parter.mp4",
        episode("Cheers", 1, 7, "Two Parter", episode_end=8),
        id="multi-episode-dash-number",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - S01E09-720p.mp4",
        episode("Cheers", 1, 9, "Episode 9"),
        id="resolution-is-not-an-episode",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - 1x02 - Sams Women.mp4",
        episode("Cheers", 1, 2, "Sams Women"),
        id="1x02",
    ),
    pytest.param(
        "Cheers/Season 01/Cheers - 1x02-1x03.mp4",
        episode("Cheers", 1, 2, "Episode 2", episode_end=3),
        id="1x02-1x03",
    ),
    pytest.param(
        "Cheers/Specials/Cheers - S00E01 - Uncut Pilot.mp4",
        episode("Cheers", 0, 1, "Uncut Pilot"),
        id="specials-s00",
    ),
    pytest.param(
        "Cheers/Specials/03 - Blooper Reel.mp4",
        episode("Cheers", 0, 3, "Blooper Reel"),
        id="specials-folder-is-season-0",
    ),
    pytest.param(
        "Cheers/Season 03/07 - Diane Meets Mom.mp4",
        episode("Cheers", 3, 7, "Diane Meets Mom"),
        id="numbered-file-in-season-folder",
    ),
    pytest.param(
        "Cheers/Cheers - S02E05 - Manager Coach.mp4",
        episode("Cheers", 2, 5, "Manager Coach"),
        id="no-season-folder",
    ),
    pytest.param(
        "Cheers - S02E06 - Loose In The Root.mp4",
        episode("Cheers", 2, 6, "Loose In The Root"),
        id="loose-file-show-from-name",
    ),
    pytest.param(
        "Season 01/Cheers - S01E01.mp4",
        episode("media", 1, 1, "Episode 1"),
        id="root-is-the-show-folder",
    ),
    pytest.param("S02E05.mp4", None, id="loose-code-without-show"),
    pytest.param(
        "Movies/Alien (1979)/alien.1080p.mkv", movie("Alien", 1979), id="movie-folder-with-year"
    ),
    pytest.param("Movies/Alien (1979).mkv", movie("Alien", 1979), id="movie-file-with-year"),
    pytest.param(
        "Movies/Blade Runner (1982) - Final Cut.m4v",
        movie("Blade Runner", 1982),
        id="movie-edition-after-year",
    ),
    pytest.param("Se7en (1995)/Se7en (1995).mkv", movie("Se7en", 1995), id="se7en-is-no-code"),
    pytest.param("Movies/Alien.mkv", None, id="movie-without-year-ignored"),
    pytest.param("Commercials/coke_ad_1985.mp4", filler("Coke Ad 1985"), id="filler-commercials"),
    pytest.param("Extras/80s/BUMPERS/Station ID.ts", filler("Station ID"), id="filler-deep-caps"),
    pytest.param(
        "Cheers/filler/Cheers - S01E01.mp4", filler("Cheers - S01E01"), id="filler-wins-over-code"
    ),
    pytest.param("Cheers/Season 01/.Cheers - S01E01.mp4", None, id="hidden-file"),
    pytest.param(".grab/Cheers/Season 01/Cheers - S01E01.mp4", None, id="hidden-folder"),
    pytest.param("Cheers/Season 01/Cheers - S01E01.srt", None, id="not-a-video"),
    pytest.param(
        "Cheers/Season 01/Cheers - S01E01.MKV",
        episode("Cheers", 1, 1, "Episode 1"),
        id="extension-case",
    ),  # fmt: skip
    pytest.param("Home Videos/clip 1920x1080.mp4", None, id="resolution-is-not-1x02"),
]


@pytest.mark.parametrize(("relative", "expected"), CASES)
def test_parse_media_path(relative: str, expected: ParsedName | None) -> None:
    assert parse_media_path(ROOT / relative, ROOT) == expected


def test_filler_folder_as_the_root_itself() -> None:
    root = PurePosixPath("/srv/Commercials")
    assert parse_media_path(root / "pepsi.mp4", root) == filler("Pepsi")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("coke_ad_1985", "Coke Ad 1985"),
        ("Mr. Smith Goes Home", "Mr. Smith Goes Home"),
        ("The.Station.ID", "The Station ID"),
        (" - Give Me a Ring Sometime", "Give Me a Ring Sometime"),
        ("", ""),
    ],
)
def test_prettify(text: str, expected: str) -> None:
    assert prettify(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Cheers (1982)", ("Cheers", 1982)),
        ("Doctor Who [2005]", ("Doctor Who", 2005)),
        ("Cheers", ("Cheers", None)),
        ("Blade Runner 2049 (2017)", ("Blade Runner 2049", 2017)),
    ],
)
def test_split_year(name: str, expected: tuple[str, int | None]) -> None:
    assert split_year(name) == expected


@pytest.mark.parametrize(
    ("relative", "role"),
    [
        ("Commercials/coke.mp4", FillerKind.COMMERCIAL),
        ("80s/BUMPERS/back soon.ts", FillerKind.BUMPER),
        ("IDs/wrtv.mp4", FillerKind.STATION_ID),
        ("Extras/station ids/wrtv night.mp4", FillerKind.STATION_ID),
        ("Filler/clouds.mp4", FillerKind.FILLER),
        ("Filler/Bumpers/back soon.mp4", FillerKind.BUMPER),  # the deepest folder wins
        ("Bumpers/Commercials/coke.mp4", FillerKind.COMMERCIAL),
        ("Commercials/IDs/wrtv.mp4", FillerKind.STATION_ID),
        ("Cheers/Season 01/Cheers - S01E01.mp4", None),
    ],
)
def test_filler_role_is_the_deepest_role_folder(relative: str, role: FillerKind | None) -> None:
    assert filler_kind_of(ROOT / relative) == role


@pytest.mark.parametrize("folder", ["IDs", "Station IDs", "station ids", "ids"])
def test_station_id_folders_hold_filler(folder: str) -> None:
    assert parse_media_path(ROOT / folder / "wrtv_id.mp4", ROOT) == filler("Wrtv Id")
