"""``loudness`` in the config: a top-level default, a per-channel override, "off", and one-line
errors for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineup.config import load_config
from tests.lineup.test_config import error_of, write

CHANNELS = """
    [[channel]]
    number = 3
    name = "Sitcoms"
    shows = ["Cheers"]
    {three}

    [[channel]]
    number = 4
    name = "Movies"
    movies = true
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "tv").mkdir()
    return tmp_path


def targets(site: Path, top: str, three: str = "") -> tuple[float | None, ...]:
    text = f'media = ["tv"]\n{top}\n' + CHANNELS.format(three=three)
    config = load_config(write(site, text))
    return tuple(channel.profile.loudness for channel in config.channels)


def test_the_default_target_is_minus_24(site: Path) -> None:
    assert targets(site, "") == (-24.0, -24.0)


def test_a_top_level_default_and_a_channel_override(site: Path) -> None:
    assert targets(site, "loudness = -16", "loudness = -23.5") == (-23.5, -16.0)


def test_off_disables_it(site: Path) -> None:
    assert targets(site, 'loudness = "off"') == (None, None)
    assert targets(site, "", 'loudness = "off"') == (None, -24.0)


@pytest.mark.parametrize(
    ("three", "message"),
    [
        ('loudness = "loud"', 'loudness must be a number of LUFS (-40 to -10) or "off"'),
        ("loudness = -5", "'loudness' must be between -40 and -10, not -5"),
        ("loudness = true", "'loudness' must be a number"),
    ],
)
def test_bad_values_are_one_line_errors(site: Path, three: str, message: str) -> None:
    text = 'media = ["tv"]\n' + CHANNELS.format(three=three)

    error = error_of(write(site, text))

    assert message in error
    assert "\n" not in error
