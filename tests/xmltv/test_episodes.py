"""Episode numbering: zero-based xmltv_ns only where expressible, SxxEyy on screen."""

from __future__ import annotations

import re

import pytest

from xmltv.episodes import onscreen, xmltv_ns

# tv_validate_file's badepisode check (XMLTV/ValidateFile.pm)
VALIDATOR_NS = re.compile(
    r"^\s*\d*(\s*/\s*\d+)?\s*\.\s*\d*(\s*/\s*\d+)?\s*\.\s*\d*(\s*/\s*\d+)?\s*$"
)


@pytest.mark.parametrize(
    ("season", "episode", "expected"),
    [
        (1, 1, "0.0.0/1"),
        (2, 5, "1.4.0/1"),
        (12, 105, "11.104.0/1"),
        (0, 5, None),  # specials: no negative numbers in xmltv_ns
        (None, 5, None),
        (1, None, None),
        (1, 0, None),
    ],
)
def test_xmltv_ns(season: int | None, episode: int | None, expected: str | None) -> None:
    value = xmltv_ns(season, episode)
    assert value == expected
    if value is not None:
        assert VALIDATOR_NS.match(value)


@pytest.mark.parametrize(
    ("season", "episode", "end", "expected"),
    [
        (1, 5, None, "S01E05"),
        (1, 1, 2, "S01E01-E02"),
        (10, 120, None, "S10E120"),
        (0, 3, None, "S00E03"),
        (None, 7, None, "E07"),
        (2, 4, 4, "S02E04"),  # an "end" equal to the start is no range
        (2, 4, 3, "S02E04"),
        (2, None, None, None),
        (None, None, None, None),
    ],
)
def test_onscreen(
    season: int | None, episode: int | None, end: int | None, expected: str | None
) -> None:
    assert onscreen(season, episode, end) == expected
