"""``[bug]`` and a channel's ``bug``: the logo bug's settings, defaults and errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineup.config import load_config
from lineup.errors import ConfigError
from lineup.models import BugPosition, LogoBug

CHANNEL = """
[[channel]]
number = 1
name = "A"
folders = ["tv"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "tv").mkdir(exist_ok=True)
    path = tmp_path / "retrovue.toml"
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_a_channel_has_the_default_bug(tmp_path: Path) -> None:
    (spec,) = load_config(_write(tmp_path, CHANNEL)).channels
    assert spec.bug == LogoBug()


def test_the_top_level_table_is_every_channels_default_and_a_channel_overrides_it(
    tmp_path: Path,
) -> None:
    text = '[bug]\nposition = "top-left"\nopacity = 0.5\n' + CHANNEL + "bug = { size = 0.2 }\n"
    text += CHANNEL.replace("number = 1", "number = 2") + "bug = false\n"
    one, two = load_config(_write(tmp_path, text)).channels
    assert one.bug == LogoBug(position=BugPosition.TOP_LEFT, opacity=0.5, size=0.2)
    assert two.bug is None


def test_during_breaks_and_margin(tmp_path: Path) -> None:
    text = CHANNEL + "bug = { during_breaks = true, margin = 0.1 }\n"
    (spec,) = load_config(_write(tmp_path, text)).channels
    assert spec.bug == LogoBug(during_breaks=True, margin=0.1)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('bug = { position = "middle" }', "position"),
        ("bug = { opacity = 1.5 }", "'opacity' must be between 0 and 1, not 1.5"),
        ("bug = { size = 0 }", "'size' must be between 0.01 and 1, not 0"),
        ("bug = { sise = 0.1 }", "unknown key 'sise' in [bug] (did you mean 'size'?)"),
        ('bug = "yes"', "must be a table or true/false"),
        ('bug = { during_breaks = "no" }', "true or false"),
    ],
)
def test_bad_settings_name_the_line(tmp_path: Path, tail: str, message: str) -> None:
    path = _write(tmp_path, CHANNEL + tail + "\n")
    error = _error(path)
    assert error.startswith(f"{path}:5: "), error
    assert message in error
