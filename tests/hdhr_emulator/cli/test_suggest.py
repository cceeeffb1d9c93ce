"""``retrovue channels --suggest [--write FILE]`` as a user runs it, on a real library of clips
with the .nfo files Kodi/Jellyfin/tinyMediaManager write: the table, the appended tables (which
load and air exactly the suggested programmes), and the file left intact on every error."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from lxml import etree

from hdhr_emulator.cli import suggest_command
from hdhr_emulator.cli.suggest_command import append_to_config
from lineup.catalog import Catalog
from lineup.channels import resolve_channels
from lineup.config import load_config
from lineup.errors import RetrovueError
from lineup.station import DB_NAME
from tests.conftest import ClipFactory
from tests.support.cli_run import retrovue

SHOWS = {  # show: (studio, genres, year, episodes)
    "Cheers": ("NBC", ("Comedy", "Sitcom"), 1982, 2),
    "Night Court": ("NBC", ("Comedy",), 1984, 1),
    "Taxi": ("ABC", ("Comedy",), 1978, 1),
    "The X-Files": ("FOX", ("Drama", "Sci-Fi"), 1993, 1),
}
MOVIES = {  # movie: (studio, genres, nfo name)
    "Alien (1979)": ("20th Century Fox", ("Sci-Fi", "Horror"), "movie.nfo"),
    "Airplane! (1980)": ("Paramount", ("Comedy",), "Airplane! (1980).nfo"),
}
ORIGINAL = """# my channels, by hand
media = ["media"]   # the library

[[channel]]
number = 1
name = "Cheers"
shows = ["Cheers"]"""  # no newline at the end: the appended text must still start a line


def nfo(root: str, studio: str, genres: tuple[str, ...], year: int | None = None) -> str:
    tags = "".join(f"<genre>{genre}</genre>" for genre in genres)
    dated = f"<year>{year}</year><mpaa>TV-PG</mpaa>" if year else ""
    return f"<{root}><studio>{studio}</studio>{tags}{dated}</{root}>"


@pytest.fixture
def site(tmp_path: Path, make_clip: ClipFactory) -> Path:
    """A folder with ``media/`` (shows and movies with .nfo files, and a commercial) and the
    user's ``retrovue.toml``."""
    media = tmp_path / "media"
    shape = {"duration": 1.0, "width": 160, "height": 120}
    for show, (studio, genres, year, count) in SHOWS.items():
        for n in range(1, count + 1):
            make_clip(media / "TV" / show / "Season 01" / f"{show} - S01E0{n}.mp4", **shape)
        (media / "TV" / show / "tvshow.nfo").write_text(nfo("tvshow", studio, genres, year))
    for title, (studio, genres, name) in MOVIES.items():
        make_clip(media / "Movies" / title / f"{title}.mp4", **shape)
        (media / "Movies" / title / name).write_text(nfo("movie", studio, genres))
    make_clip(media / "Commercials" / "cola.mp4", **shape)
    (tmp_path / "retrovue.toml").write_text(ORIGINAL)
    return tmp_path


def rows(stdout: str) -> list[list[str]]:
    """(number, name) of each table row."""
    lines = stdout.split("\n\n")[0].splitlines()
    assert lines[0].split()[:3] == ["#", "Channel", "Filter"]
    return [line.split()[:2] for line in lines[1:]]


def test_suggest_prints_channels_by_network_genre_and_decade(site: Path) -> None:
    done = retrovue("--media", site / "media", "channels", "--suggest", data_dir=site / "data")
    assert done.returncode == 0, done.stderr
    # ranked by hours (1 s per file here), ties: networks, genres, decades; 1-title ones left out
    assert rows(done.stdout) == [
        ["1", "Comedy"], ["2", "1980s"], ["3", "NBC"], ["4", "Sci-Fi"], ["5", "1970s"],
    ]  # fmt: skip
    comedy = done.stdout.splitlines()[1].split()
    assert comedy[2:] == ["genre", "Comedy", "3", "1", "0.0"]  # 3 shows, 1 movie
    assert "--write FILE" in done.stdout
    assert (site / "retrovue.toml").read_text() == ORIGINAL


def test_write_appends_tables_that_load_and_air_the_suggested_programmes(site: Path) -> None:
    config = site / "retrovue.toml"
    before = config.stat().st_mode
    done = retrovue("channels", "--suggest", "--write", config, data_dir=site / "data")
    assert done.returncode == 0, done.stderr
    # channel 1 is the user's: the suggestions are numbered after it
    assert [row[0] for row in rows(done.stdout)] == ["2", "3", "4", "5", "6"]
    assert f"Appended 5 [[channel]] table(s) to {config}" in done.stdout

    text = config.read_text()
    assert text.startswith(ORIGINAL + "\n")  # the user's text, byte for byte, then ours
    assert "# Suggested by `retrovue channels --suggest` on " in text
    assert config.stat().st_mode == before
    assert not list(site.glob(".retrovue.toml*"))  # no temporary file left behind

    loaded = load_config(config)
    assert [(c.number, c.name, c.group) for c in loaded.channels] == [
        (1, "Cheers", None),
        (2, "Comedy", "Genres"),
        (3, "1980s", "Decades"),
        (4, "NBC", "Networks"),
        (5, "Sci-Fi", "Genres"),
        (6, "1970s", "Decades"),
    ]
    with Catalog.open(site / "data" / DB_NAME) as catalog:
        items = catalog.items()
    lineup = {channel.number: channel for channel in resolve_channels(loaded.channels, items)}
    titles = {
        number: sorted({item.show or item.title for item in lineup[number].programmes})
        for number in range(2, 7)
    }
    assert titles == {
        2: ["Airplane!", "Cheers", "Night Court", "Taxi"],
        3: ["Airplane!", "Cheers", "Night Court"],
        4: ["Cheers", "Night Court"],
        5: ["Alien", "The X-Files"],
        6: ["Alien", "Taxi"],
    }
    for spec in loaded.channels[1:]:
        assert spec.metadata is not None
        expected = {item.id for item in spec.metadata.select(items)}
        assert {item.id for item in lineup[spec.number].programmes} == expected

    again = retrovue("channels", "--suggest", "--write", config, data_dir=site / "data")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "Every channel there is to suggest is already in the config."
    assert config.read_text() == text  # nothing appended twice

    listed = retrovue("--config", config, "channels", "--no-scan", data_dir=site / "data")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[1] for line in listed.stdout.splitlines()[1:]] == [
        "Cheers", "Comedy", "1980s", "NBC", "Sci-Fi", "1970s",
    ]  # fmt: skip


def test_numbers_avoid_the_automatic_lineup(site: Path) -> None:
    data = site / "data"
    auto = retrovue("--media", site / "media", "channels", data_dir=data)  # numbers 1-5
    assert auto.returncode == 0, auto.stderr
    assert len(auto.stdout.splitlines()) == 6  # 4 shows and Movies
    empty = site / "new.toml"
    empty.write_text('media = ["media"]\n')
    done = retrovue("channels", "--suggest", "--no-scan", "--write", empty, data_dir=data)
    assert done.returncode == 0, done.stderr
    assert [row[0] for row in rows(done.stdout)] == ["6", "7", "8", "9", "10"]
    assert "the automatic one-channel-per-show lineup is no longer made" in done.stderr
    assert [spec.number for spec in load_config(empty).channels] == [6, 7, 8, 9, 10]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: None, "config file not found", id="missing"),
        pytest.param(lambda p: p.write_text("media = [\n"), "invalid TOML", id="bad-toml"),
        pytest.param(
            lambda p: p.write_text('[[channel]]\nnumber = 1\nname = "A"\n'),
            "has no content",
            id="bad-config",
        ),
        pytest.param(lambda p: p.mkdir(), "cannot read config file", id="a-folder"),
    ],
)
def test_an_unusable_file_is_one_line_and_left_alone(
    site: Path, make: object, message: str
) -> None:
    target = site / "other.toml"
    make(target)  # type: ignore[operator]
    before = target.read_bytes() if target.is_file() else None
    done = retrovue(
        "--media", site / "media", "channels", "--suggest", "--write", target,
        data_dir=site / "data",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"retrovue: error: {target}") and message in line
    assert (target.read_bytes() if target.is_file() else None) == before


def test_write_without_suggest_is_a_usage_error(site: Path) -> None:
    done = retrovue("channels", "--write", site / "retrovue.toml", data_dir=site / "data")
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "retrovue: error: --write needs --suggest (it writes the "
        "suggested channels)"
    )


def test_a_failed_write_leaves_the_file_intact(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename is the one step that cannot be made to fail here (tests run as root, which
    writes anywhere), so it is the one step replaced."""
    config = site / "retrovue.toml"

    def refuse(source: object, target: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(suggest_command.os, "replace", refuse)
    with pytest.raises(RetrovueError, match=f"cannot write {config}: Read-only file system"):
        append_to_config(config, '[[channel]]\nnumber = 2\nname = "B"\ngenres = ["Comedy"]\n')
    assert config.read_text() == ORIGINAL
    assert sorted(path.name for path in site.iterdir()) == ["media", "retrovue.toml"]


def test_tables_that_would_not_load_are_not_written(site: Path) -> None:
    config = site / "retrovue.toml"
    clash = '[[channel]]\nnumber = 1\nname = "Again"\ngenres = ["Comedy"]\n'
    with pytest.raises(RetrovueError, match="would not load: duplicate channel number 1"):
        append_to_config(config, clash)
    assert config.read_text() == ORIGINAL
    assert sorted(path.name for path in site.iterdir()) == ["media", "retrovue.toml"]


def test_the_guide_shows_the_nfo_genres_and_rating(site: Path) -> None:
    done = retrovue(
        "--media", site / "media", "guide", "--hours", "1", data_dir=site / "data"
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    guide = etree.fromstring(done.stdout.encode())
    cheers = next(
        p for p in guide.iter("programme") if p.findtext("title") == "Cheers"
    )  # the automatic Cheers channel
    assert [c.text for c in cheers.findall("category")] == ["Series", "Comedy", "Sitcom"]
    assert cheers.findtext("rating/value") == "TV-PG"
    alien = next(p for p in guide.iter("programme") if p.findtext("title") == "Alien")
    assert "Sci-Fi" in [c.text for c in alien.findall("category")]
