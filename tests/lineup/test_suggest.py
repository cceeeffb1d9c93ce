"""Suggested channels from metadata: which candidates are kept, their order and names, the
numbers they get, and the TOML they are written as (which must load back to the same filter)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lineup.config import load_config
from lineup.errors import ConfigError
from lineup.models import MAX_CHANNEL_NUMBER, MediaItem
from lineup.selection import MetadataFilter
from lineup.suggest import (
    Suggestion,
    channel_tables,
    free_numbers,
    not_yet_in,
    suggest_channels,
)
from tests.lineup.media import episode, filler, movie

HOUR = 3600.0


def show(
    first_id: int, name: str, count: int, seconds: float = 1320.0, **meta: object
) -> list[MediaItem]:
    return [
        replace(episode(first_id + n, name, 1, n + 1, seconds), **meta)  # type: ignore[arg-type]
        for n in range(count)
    ]


def names(found: list[Suggestion]) -> list[str]:
    return [suggestion.name for suggestion in found]


def test_a_value_needs_two_titles_or_ten_hours() -> None:
    items = [
        *show(1, "Cheers", 3, studio="NBC", genres=("Comedy",)),
        *show(10, "Frasier", 2, studio="nbc ", genres=("comedy",)),  # same network, other spelling
        *show(20, "Dallas", 25, seconds=HOUR, studio="CBS", genres=("Drama",)),  # one, 25 h
        *show(60, "Taxi", 1, studio="ABC", genres=("Comedy",)),  # ABC: one show, half an hour
        replace(movie(50, "Heat", 1995), studio="Warner Bros.", genres=("Crime",)),
        replace(filler(70, 30.0), studio="NBC", genres=("Ads",)),  # filler never counts
    ]
    found = suggest_channels(items)
    assert names(found) == ["CBS", "Comedy", "NBC"]
    cbs, comedy, nbc = found
    assert (cbs.shows, cbs.movies, cbs.hours) == (1, 0, pytest.approx(25.0))
    assert (nbc.name, nbc.filter, nbc.shows) == ("NBC", MetadataFilter(networks=("NBC",)), 2)
    assert comedy.filter == MetadataFilter(genres=("Comedy",))  # the commoner spelling
    assert (comedy.shows, comedy.hours) == (3, pytest.approx(6 * 1320 / HOUR))
    assert "Drama" not in names(found)  # the same programmes as CBS, which ranks first


def test_decades_and_movies() -> None:
    items = [
        replace(movie(1, "Alien", 1979), genres=("Sci-Fi",)),
        replace(movie(2, "Taxi Driver", 1976)),
        replace(movie(3, "Heat", 1995)),
    ]
    (seventies,) = suggest_channels(items)
    assert (seventies.name, seventies.filter, seventies.movies) == (
        "1970s", MetadataFilter(decades=(1970,)), 2,
    )  # fmt: skip
    assert suggest_channels(items, min_titles=1, min_hours=0)[0].name == "1970s"
    assert suggest_channels([]) == []


def test_suggestions_already_made_by_a_channel_are_left_out() -> None:
    nbc = Suggestion("NBC", "network", MetadataFilter(networks=("NBC",)), 2, 0, 1.0)
    comedy = Suggestion("Comedy", "genre", MetadataFilter(genres=("Comedy",)), 2, 0, 1.0)
    existing = [None, MetadataFilter(networks=(" nbc",)), MetadataFilter(genres=("Comedy", "X"))]
    assert not_yet_in([nbc, comedy], existing) == [comedy]


def test_free_numbers_follow_the_highest_then_fill_gaps() -> None:
    assert free_numbers(set(), 3) == [1, 2, 3]
    assert free_numbers({1, 5, 3}, 2) == [6, 7]
    assert free_numbers({1, MAX_CHANNEL_NUMBER - 1}, 3) == [MAX_CHANNEL_NUMBER, 2, 3]
    with pytest.raises(ConfigError, match="no free channel numbers"):
        free_numbers(set(range(1, MAX_CHANNEL_NUMBER + 1)), 1)


def test_tables_load_back_to_the_same_filters(tmp_path: Path) -> None:
    odd = 'Joe\'s "Classic" \\ TV\u00e9\x7f\n[[channel]]'
    suggestions = [
        Suggestion(odd, "network", MetadataFilter(networks=(odd,)), 2, 0, 12.0),
        Suggestion("1980s", "decade", MetadataFilter(decades=(1980,)), 3, 1, 30.5),
        Suggestion("Comedy", "genre", MetadataFilter(genres=("Comedy",)), 4, 2, 40.0),
    ]
    text = channel_tables(suggestions, [7, 8, 9], "a test")
    assert text.startswith("# Suggested by a test.\n")
    config = tmp_path / "retrovue.toml"
    config.write_text(text)
    loaded = load_config(config).channels
    assert [(spec.number, spec.name, spec.group, spec.metadata) for spec in loaded] == [
        (7, odd, "Networks", MetadataFilter(networks=(odd,))),
        (8, "1980s", "Decades", MetadataFilter(decades=(1980,))),
        (9, "Comedy", "Genres", MetadataFilter(genres=("Comedy",))),
    ]
