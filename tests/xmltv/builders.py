"""Hand-made catalog items, channels and airings for the guide tests.

Everything is built straight from :mod:`lineup.models`, so the tests pin the guide's behaviour
without depending on the scanner or the schedule.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest
from lxml import etree

from lineup.models import Airing, Channel, ItemKind, MediaInfo, MediaItem, Segment

INFO = MediaInfo(
    duration=1320.0,
    container="mkv",
    video_codec="h264",
    width=640,
    height=480,
    fps=29.97,
    audio_codec="aac",
    audio_channels=2,
)

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
DTD = "/usr/share/xmltv/xmltv.dtd"  # from Debian's xmltv-util


def xmltv_dtd() -> etree.DTD:
    """The XMLTV DTD; skips the test where xmltv-util is not installed, unless CI demands it
    (RETROVUE_REQUIRE_TOOLS=1, as for the real clients)."""
    if not os.path.exists(DTD):
        if os.environ.get("RETROVUE_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{DTD} is required (RETROVUE_REQUIRE_TOOLS=1): install xmltv-util")
        pytest.skip(f"{DTD} not found: install xmltv-util")
    return etree.DTD(DTD)


BASE = "http://192.168.1.20:5004"

_next_id = iter(range(1, 1_000_000))


def item(kind: ItemKind, title: str, **fields: object) -> MediaItem:
    return MediaItem(
        id=next(_next_id), path=f"/media/{title}.mkv", kind=kind, title=title, info=INFO, **fields
    )  # type: ignore[arg-type]


def episode(
    show: str, season: int | None, number: int | None, title: str, **fields: object
) -> MediaItem:
    return item(ItemKind.EPISODE, title, show=show, season=season, episode=number, **fields)


def movie(title: str, **fields: object) -> MediaItem:
    return item(ItemKind.MOVIE, title, **fields)


def filler(title: str, **fields: object) -> MediaItem:
    return item(ItemKind.FILLER, title, **fields)


def slate(title: str = "Off Air") -> MediaItem:
    return item(ItemKind.SLATE, title)


def channel(
    number: int, name: str, programmes: Sequence[MediaItem] = (), **fields: object
) -> Channel:
    return Channel(number=number, name=name, programmes=tuple(programmes), **fields)  # type: ignore[arg-type]


def back_to_back(
    number: int, slots: Sequence[tuple[MediaItem, int]], start: int = T0
) -> list[Airing]:
    """Contiguous airings on channel ``number``: each (item, seconds) follows the last."""
    airings = []
    for programme, seconds in slots:
        segment = Segment(item=programme, start=float(start), duration=float(seconds))
        airings.append(
            Airing(
                channel=number,
                programme=programme,
                start=start,
                stop=start + seconds,
                segments=(segment,),
            )
        )
        start += seconds
    return airings


NASTY = 'Tom & Jerry\'s <Best> "Hits" 😀 שלום \u202eevil'


def sample_guide() -> tuple[list[Channel], dict[int, list[Airing]]]:
    """Three channels covering every kind of item and every awkward text, contiguous airings.

    Channel 1 and 10 are there because Plex once merged their guides (ids ``1.x``/``10.x``).
    """
    cheers = [
        episode(
            "Cheers",
            1,
            n,
            f"Episode {n}",
            year=1982,
            summary=f"Summary {n}.",
            genres=("Comedy",),
            icon=f"https://art.example/cheers/{n}.jpg",
        )
        for n in range(1, 4)
    ]
    two_parter = episode("Cheers", 1, 21, "Showdown", episode_end=22, year=1983)
    special = episode("Cheers", 0, 1, "Behind the Scenes")
    airplane = movie(
        "Airplane!",
        year=1980,
        genres=("Comedy", "Parody"),
        summary="Surely you can't be serious.\nI am serious.",
    )
    bumper = filler("Station ID")
    off_air = slate("Off Air")
    nasty = episode(
        NASTY + "\x00\x1b",
        3,
        4,
        "Title\nwith\x07 bell\x85 & <tags>",
        summary='Desc\x00 with\r\nlines & "quotes" \ufffe 😀',
        genres=("Comédie", "\x01"),
        icon="http://art.example/a b&c.jpg",
    )
    unknown = episode("", None, None, "Home Movie", summary="")
    channels = [
        channel(1, "Cheers", cheers, logo="/config/logos/cheers.png", group="Sitcoms"),
        channel(10, NASTY, [nasty, unknown], logo="/config/logos/x.JPG"),
        channel(7, "Movies", [airplane]),
    ]
    airings = {
        1: back_to_back(
            1,
            [
                (cheers[0], 1800),
                (cheers[1], 1800),
                (two_parter, 3600),
                (special, 1800),
                (bumper, 300),
                (cheers[2], 1500),
                (off_air, 1800),
            ],
        ),
        10: back_to_back(10, [(nasty, 1800), (unknown, 5400), (off_air, 600), (nasty, 1800)]),
        7: back_to_back(7, [(airplane, 5400), (bumper, 900), (off_air, 3600)]),
    }
    return channels, airings
