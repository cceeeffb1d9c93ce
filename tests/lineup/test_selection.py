"""Channels by metadata: each filter alone, filters combined (AND across keys, OR within one),
the [[channel]] keys that make them (and their mistakes, as file:line), and how the matching
programmes are grouped by show and interleaved."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest

from lineup.channels import resolve_channels
from lineup.config import ChannelSpec, load_config
from lineup.errors import ConfigError
from lineup.models import MediaItem
from lineup.selection import MetadataFilter, decade_of, parse_decade
from tests.lineup.media import episode, filler, movie


def tagged(item: MediaItem, **fields: object) -> MediaItem:
    return replace(item, **fields)  # type: ignore[arg-type]


CHEERS = [
    tagged(episode(n, "Cheers", 1, n), studio="NBC", genres=("Comedy", "Sitcom"), year=1982,
           content_rating="TV-PG")
    for n in (1, 2, 3)
]  # fmt: skip
TAXI = [
    tagged(episode(10 + n, "Taxi", 1, n), studio="ABC", genres=("Comedy",), year=1978,
           content_rating="TV-PG")
    for n in (1, 2)
]  # fmt: skip
X_FILES = [
    tagged(episode(20 + n, "The X-Files", 1, n), studio="FOX", genres=("Drama", "Sci-Fi"),
           year=1993, content_rating="TV-14")
    for n in (1, 2)
]  # fmt: skip
ALIEN = tagged(movie(30, "Alien", 1979), studio="20th Century Fox", genres=("Horror", "Sci-Fi"),
               content_rating="R")  # fmt: skip
AIRPLANE = tagged(movie(31, "Airplane!", 1980), studio="Paramount", genres=("Comedy",),
                  content_rating="PG")  # fmt: skip
AD = tagged(filler(40, 30.0), studio="NBC", genres=("Comedy",), year=1985)  # never a programme
LIBRARY = [*CHEERS, *TAXI, *X_FILES, ALIEN, AIRPLANE, AD]


def ids(items: list[MediaItem] | tuple[MediaItem, ...]) -> list[int]:
    return [item.id for item in items]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (MetadataFilter(genres=("comedy",)), [1, 2, 3, 11, 12, 31]),
        (MetadataFilter(genres=("Sci-Fi", "Sitcom")), [1, 2, 3, 21, 22, 30]),
        (MetadataFilter(decades=(1970,)), [11, 12, 30]),
        (MetadataFilter(decades=(1980, 1990)), [1, 2, 3, 21, 22, 31]),
        (MetadataFilter(networks=(" nbc ",)), [1, 2, 3]),
        (MetadataFilter(networks=("NBC", "fox")), [1, 2, 3, 21, 22]),
        (MetadataFilter(ratings=("tv-pg",)), [1, 2, 3, 11, 12]),
        (MetadataFilter(ratings=("R", "PG")), [30, 31]),
        # AND across keys
        (MetadataFilter(genres=("Comedy",), decades=(1980,)), [1, 2, 3, 31]),
        (MetadataFilter(genres=("Comedy",), networks=("ABC",), ratings=("TV-PG",)), [11, 12]),
        (MetadataFilter(genres=("Sci-Fi",), ratings=("TV-PG",)), []),
        (MetadataFilter(), [1, 2, 3, 11, 12, 21, 22, 30, 31]),  # empty: every programme
    ],
)
def test_each_filter_and_their_combinations(wanted: MetadataFilter, expected: list[int]) -> None:
    assert ids(wanted.select(LIBRARY)) == expected


def test_an_item_without_the_metadata_never_matches_that_key() -> None:
    bare = episode(50, "Unknown", 1, 1)
    assert MetadataFilter().matches(bare)
    for wanted in (
        MetadataFilter(genres=("Comedy",)),
        MetadataFilter(decades=(1980,)),
        MetadataFilter(networks=("NBC",)),
        MetadataFilter(ratings=("TV-PG",)),
    ):
        assert not wanted.matches(bare)
    assert decade_of(tagged(bare, aired="1987-03-01")) == 1980  # the air date when no year


@pytest.mark.parametrize(
    ("value", "decade"), [("1980s", 1980), ("1990", 1990), (1970, 1970), (" 2000's ", 2000)]
)
def test_decades_are_read_in_their_usual_spellings(value: object, decade: int) -> None:
    assert parse_decade(value) == decade


def test_a_metadata_channel_groups_by_show_and_interleaves() -> None:
    spec = ChannelSpec(number=5, name="Comedy", metadata=MetadataFilter(genres=("Comedy",)))
    (channel,) = resolve_channels([spec], LIBRARY)
    # one Cheers, one Taxi, then the movies' group, in turn; each show in episode order
    assert ids(channel.programmes) == [1, 11, 31, 2, 12, 3]
    assert AD in channel.filler  # filler stays filler


def test_metadata_narrows_the_other_selections() -> None:
    spec = ChannelSpec(
        number=6,
        name="80s NBC and movies",
        shows=("Cheers", "Taxi"),
        movies=True,
        metadata=MetadataFilter(decades=(1980,)),
    )
    (channel,) = resolve_channels([spec], LIBRARY)
    assert ids(channel.programmes) == [1, 31, 2, 3]  # Taxi (1978) and Alien (1979) filtered out


def test_a_filter_matching_nothing_warns_and_airs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    spec = ChannelSpec(number=7, name="Westerns", metadata=MetadataFilter(genres=("Western",)))
    (channel,) = resolve_channels([spec], LIBRARY)
    assert channel.programmes == ()
    assert "channel 7: no programme matches genre Western" in caplog.text


# -- the config keys ---------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "retrovue.toml"
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_config_keys_make_a_filter(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[channel]]
        number = 4
        name = "80s and 90s Comedy"
        genres = ["Comedy", "Sitcom"]
        decades = ["1980s", 1990]
        networks = ["NBC"]
        ratings = ["TV-PG", "TV-14"]

        [[channel]]
        number = 5
        name = "Seventies"
        decades = "1970s"

        [[channel]]
        number = 6
        name = "Plain"
        shows = ["Cheers"]
        """,
    )
    first, second, third = load_config(path).channels
    assert first.metadata == MetadataFilter(
        genres=("Comedy", "Sitcom"),
        decades=(1980, 1990),
        networks=("NBC",),
        ratings=("TV-PG", "TV-14"),
    )
    assert second.metadata == MetadataFilter(decades=(1970,))
    assert third.metadata is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("genres = []", "'genres' is empty: name at least one, or remove the key"),
        ("networks = []", "'networks' is empty: name at least one, or remove the key"),
        ('ratings = [""]', "'ratings' must be an array of strings, but has an empty string"),
        ("decades = []", "'decades' is empty: name at least one, or remove the key"),
        ('decades = ["eighties"]', "'decades': not a decade: 'eighties' (write \"1980s\" or 1980)"),
        ("decades = [1985]", "'decades': 1985 is not the start of a decade (write 1980)"),
        ("decades = [true]", "'decades': not a decade: True"),
        ("decades = [1200]", "'decades': decade 1200 is out of range (1880-2090)"),
        ('genres = "Comedy"', "'genres' must be an array of strings, not a string"),
        ('network = ["NBC"]', "unknown key 'network' in [[channel]] (did you mean 'networks'?)"),
    ],
)
def test_mistakes_in_the_metadata_keys_name_the_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = write(tmp_path, f'[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n{line}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:5: {message}"


def test_a_channel_with_only_metadata_keys_has_content(tmp_path: Path) -> None:
    path = write(tmp_path, '[[channel]]\nnumber = 1\nname = "A"\nratings = ["PG"]\n')
    assert load_config(path).channels[0].metadata == MetadataFilter(ratings=("PG",))
