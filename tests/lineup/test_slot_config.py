"""``[[channel.slot]]`` and ``timezone`` in the config: parsed, resolved, errors at file:line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest

from lineup.channels import resolve_channels
from lineup.config import load_config
from lineup.errors import ConfigError
from lineup.models import Order
from tests.lineup.media import movie, season

LIBRARY = [*season("Cheers", 6, 100), *season("Taxi", 6, 200), movie(300, "Alien", 1979)]

WORKED = """
    timezone = "America/New_York"

    [[channel]]
    number = 4
    name = "Retro Weeknights"
    shows = ["Cheers", "Taxi"]

    [[channel.slot]]
    days = "weekdays"
    start = "20:00"
    end = "21:00"
    shows = ["Cheers"]
    order = "chronological"

    [[channel.slot]]
    days = ["sat", "sun"]
    start = "21:00"
    movies = 1

    [[channel.slot]]
    days = "2026-12-25"
    start = "08:00"
    shows = ["Taxi"]
    seasons = [1]
    order = "marathon"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "retrovue.toml"
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path, *, resolve: bool = False) -> str:
    with pytest.raises(ConfigError) as caught:
        config = load_config(path)
        if resolve:
            resolve_channels(config.channels, LIBRARY, config.timezone or "")
    return str(caught.value)


def test_the_worked_example_loads_and_resolves(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, WORKED))
    assert config.timezone == "America/New_York"
    (spec,) = config.channels
    weeknight, weekend, xmas = spec.slots
    assert weeknight.weekdays == frozenset(range(5)) and (weeknight.start, weeknight.end) == (
        1200,
        1260,
    )
    assert weekend.weekdays == {5, 6} and weekend.count == 1 and weekend.count_movies
    assert xmas.dates == {"2026-12-25"} and xmas.order == Order.MARATHON and xmas.end is None
    (channel,) = resolve_channels(config.channels, LIBRARY, "America/New_York")
    assert channel.timezone == "America/New_York"
    assert [p.title for p in channel.slots[1].programmes] == ["Alien"]
    assert {p.show for p in channel.slots[0].programmes} == {"Cheers"}
    assert len(channel.slots[2].programmes) == 6


@pytest.mark.parametrize(
    ("slot", "line", "message"),
    [
        (
            'days = "weekdays"\nstart = "20:00"\nend = "19:00"\nshows = ["Cheers"]',
            8,
            "ends at 19:00, before it starts at 20:00",
        ),
        (
            'days = "funday"\nstart = "20:00"\nend = "21:00"\nshows = ["Cheers"]',
            6,
            "'funday' is not a day",
        ),
        ('start = "25:00"\nend = "26:00"\nshows = ["Cheers"]', 6, "'25:00' is not a time of day"),
        ('start = "20:00"\nshows = ["Cheers"]', 5, "needs an end"),
        (
            'start = "20:00"\nend = "21:00"\nepisodes = 2\nshows = ["Cheers"]',
            8,
            "not 'end' and 'episodes'",
        ),
        ('start = "20:00"\nend = "21:00"', 5, "has nothing to play"),
        (
            'start = "20:00"\nend = "21:00"\nshows = ["Cheers"]\nlength = 3',
            9,
            "unknown key 'length'",
        ),
    ],
)
def test_slot_mistakes_name_the_file_and_line(
    tmp_path: Path, slot: str, line: int, message: str
) -> None:
    text = (
        '[[channel]]\nnumber = 4\nname = "W"\nshows = ["Cheers"]\n[[channel.slot]]\n' + slot + "\n"
    )
    path = write(tmp_path, text)
    error = error_of(path)
    assert error.startswith(f"{path}:{line}: "), error
    assert message in error


def test_overlapping_slots_are_an_error_at_the_later_slot(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[channel]]
        number = 4
        name = "W"

        [[channel.slot]]
        days = "mon-fri"
        start = "20:00"
        end = "21:00"
        shows = ["Cheers"]

        [[channel.slot]]
        days = "fri"
        start = "20:30"
        episodes = 1
        shows = ["Taxi"]
        """,
    )
    error = error_of(path)
    assert error.startswith(f"{path}:11: ") and "overlaps the slot on line 5" in error


def test_a_slot_that_matches_nothing_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[channel]]
        number = 4
        name = "W"
        shows = ["Cheers"]

        [[channel.slot]]
        start = "20:00"
        end = "21:00"
        shows = ["Frasier"]
        """,
    )
    error = error_of(path, resolve=True)
    assert error.startswith(f"{path}:6: ") and "has nothing to play" in error


def test_an_unknown_time_zone_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Mars/Olympus"\n')
    assert (
        error_of(path)
        == f"{path}:1: unknown time zone 'Mars/Olympus' (expected a name like \"Europe/Paris\")"
    )


def test_a_channel_of_slots_alone_rotates_their_programmes_outside_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[channel]]
        number = 4
        name = "W"

        [[channel.slot]]
        start = "20:00"
        end = "21:00"
        shows = ["Cheers"]
        """,
    )
    config = load_config(path)
    (channel,) = resolve_channels(config.channels, LIBRARY)
    assert {p.show for p in channel.programmes} == {"Cheers"}


def test_the_readme_worked_example_loads_and_resolves(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Programming like real TV", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    for folder in ("TV/Cartoons", "Movies", "Breaks"):
        (tmp_path / "srv/media" / folder).mkdir(parents=True, exist_ok=True)
    text = block.replace("/srv/media", str(tmp_path / "srv/media"))
    config = load_config(write(tmp_path, text))
    (spec,) = config.channels
    assert len(spec.slots) == 4
    cartoons = [
        replace(item, path=str(tmp_path / f"srv/media/TV/Cartoons/Toon/Toon S01E0{n}.mkv"))
        for n, item in enumerate(season("Toon", 3, 700), 1)
    ]
    (channel,) = resolve_channels(config.channels, [*LIBRARY, *cartoons], config.timezone or "")
    assert [len(slot.programmes) for slot in channel.slots] == [6, 3, 1, 6]


def test_a_slot_picks_by_genre_and_decade(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[channel]]
        number = 4
        name = "W"
        shows = ["Cheers"]

        [[channel.slot]]
        start = "21:00"
        movies = 1
        genres = ["Horror"]
        decades = ["1970s"]
        """,
    )
    scary = replace(movie(301, "Halloween", 1978), genres=("Horror",))
    later = replace(movie(302, "Scream", 1996), genres=("Horror",))
    config = load_config(path)
    (channel,) = resolve_channels(config.channels, [*LIBRARY, scary, later])
    assert [p.title for p in channel.slots[0].programmes] == ["Halloween"]
