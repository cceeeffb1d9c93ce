"""The editorial mapping from a catalog item to guide fields."""

from __future__ import annotations

import pytest

from lineup.models import ItemKind
from tests.xmltv.builders import episode, filler, item, movie, slate
from xmltv.programme import UNTITLED, ProgrammeFields, programme_fields, rating


def test_episode() -> None:
    fields = programme_fields(
        episode(
            "Cheers",
            1,
            5,
            "Coach's Daughter",
            year=1982,
            summary="Coach's daughter visits.",
            genres=("Comedy", "Sitcom"),
            icon="https://art.example/cheers/105.jpg",
        )
    )
    assert fields == ProgrammeFields(
        title="Cheers",
        sub_title="Coach's Daughter",
        desc="Coach's daughter visits.",
        date="1982",
        categories=("Series", "Comedy", "Sitcom"),
        icon="https://art.example/cheers/105.jpg",
        xmltv_ns="0.4.0/1",
        onscreen="S01E05",
        previously_shown=True,
    )


def test_multi_episode_file() -> None:
    fields = programme_fields(episode("Cheers", 1, 1, "Give Me a Ring Sometime", episode_end=2))
    assert (fields.xmltv_ns, fields.onscreen) == ("0.0.0/1", "S01E01-E02")


def test_special_has_onscreen_but_no_xmltv_ns() -> None:
    fields = programme_fields(episode("Cheers", 0, 3, "Behind the Bar"))
    assert (fields.xmltv_ns, fields.onscreen) == (None, "S00E03")
    assert fields.categories == ("Series",)


def test_episode_without_show_falls_back_to_its_title() -> None:
    fields = programme_fields(episode("", None, None, "Home Video"))
    assert (fields.title, fields.sub_title, fields.xmltv_ns, fields.onscreen) == (
        "Home Video",
        None,
        None,
        None,
    )


def test_episode_title_equal_to_show_is_not_repeated_as_sub_title() -> None:
    assert programme_fields(episode("Cheers", 1, 1, "Cheers")).sub_title is None


def test_movie() -> None:
    fields = programme_fields(
        movie("Airplane!", year=1980, genres=("Comedy",), summary="A pilot's fear of flying.")
    )
    assert fields == ProgrammeFields(
        title="Airplane!",
        desc="A pilot's fear of flying.",
        date="1980",
        categories=("Movie", "Comedy"),
        previously_shown=True,
    )


def test_filler_has_genres_but_no_type_category_or_rerun_flag() -> None:
    fields = programme_fields(filler("Station ID", genres=("Bumper",), year=1989))
    assert fields == ProgrammeFields(title="Station ID", date="1989", categories=("Bumper",))


def test_slate_is_a_title_and_nothing_else() -> None:
    blank = slate("Off Air")
    noisy = item(
        ItemKind.SLATE,
        "Off Air",
        summary="x",
        year=2000,
        genres=("Movie",),
        icon="http://x/y.png",
        show="S",
        season=1,
        episode=1,
    )
    assert programme_fields(blank) == ProgrammeFields(title="Off Air")
    assert programme_fields(noisy) == ProgrammeFields(title="Off Air")


@pytest.mark.parametrize("title", ["", "   ", "\x00\x01", "\n"])
def test_title_is_never_empty(title: str) -> None:
    assert programme_fields(movie(title)).title == UNTITLED
    assert programme_fields(slate(title)).title == UNTITLED


def test_genres_are_cleaned_deduplicated_and_never_retype_the_programme() -> None:
    fields = programme_fields(
        episode(
            "Show",
            1,
            1,
            "Pilot",
            genres=("Comedy", " comedy ", "", "Movie", "SERIES", "Drama\n", "\x00"),
        )
    )
    assert fields.categories == ("Series", "Comedy", "Drama")


def test_text_is_cleaned_and_only_desc_keeps_newlines() -> None:
    fields = programme_fields(
        episode(
            "Tom & Jerry\n",
            1,
            2,
            '  <Cat>\x00 "Fight"  ',
            summary="Line 1\r\nLine 2\x0b!",
        )
    )
    assert fields.title == "Tom & Jerry"
    assert fields.sub_title == '<Cat> "Fight"'
    assert fields.desc == "Line 1\nLine 2 !"


@pytest.mark.parametrize(
    ("icon", "expected"),
    [
        ("http://art.example/a.jpg", "http://art.example/a.jpg"),
        ("HTTPS://art.example/a.jpg?w=1&h=2", "HTTPS://art.example/a.jpg?w=1&h=2"),
        ("http://[::1]:8080/a%20b.jpg", "http://[::1]:8080/a%20b.jpg"),
        (' http://art.example/a b,c"d é.jpg\n', "http://art.example/a%20b%2Cc%22d%20%C3%A9.jpg"),
        ("/config/art/a.jpg", None),
        ("file:///config/a.jpg", None),
        ("http:///a.jpg", None),
        ("art.example/a.jpg", None),
        ("", None),
        (None, None),
    ],
)
def test_icon_only_when_absolute_http(icon: str | None, expected: str | None) -> None:
    assert programme_fields(movie("M", icon=icon)).icon == expected


@pytest.mark.parametrize(
    ("year", "date"),
    [(1999, "1999"), (800, "0800"), (0, None), (-5, None), (10_000, None), (None, None)],
)
def test_date_is_the_year(year: int | None, date: str | None) -> None:
    assert programme_fields(movie("M", year=year)).date == date


def test_empty_summary_gives_no_desc() -> None:
    assert programme_fields(movie("M", summary=" \n\t ")).desc is None


@pytest.mark.parametrize(
    ("content_rating", "expected"),
    [
        ("TV-PG", ("VCHIP", "TV-PG")),
        ("tv-14", ("VCHIP", "TV-14")),
        ("PG-13", ("MPAA", "PG-13")),
        ("gb/15", (None, "gb/15")),
        ("  ", None),
        (None, None),
    ],
)
def test_content_rating_becomes_a_rating_with_its_system(
    content_rating: str | None, expected: tuple[str | None, str] | None
) -> None:
    assert rating(content_rating) == expected
