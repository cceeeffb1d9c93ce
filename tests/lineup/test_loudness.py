"""Loudness measured at scan: the right value, stored per file version, not measured twice,
skippable, and a file that cannot be read costs one log line."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hdhr_emulator.cli.main import build_parser
from hdhr_emulator.cli.settings import open_station
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.catalog import Catalog
from lineup.loudness import Loudness, measure_chunk, measure_loudness
from lineup.loudness_stage import LoudnessSummary, measure_all
from lineup.scanner import scan
from tests.support.cli_run import retrovue
from tests.support.loudness_clips import render_level_clip

LEVELS = (-14.0, -23.0, -31.0)
EPISODE = "TV/Cheers/Season 01/Cheers - S01E0{n} - Pilot.mp4"
AD = "Commercials/Cola.mp4"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg) -> dict[float, Path]:
    root = tmp_path_factory.mktemp("loudness")
    return {
        level: render_level_clip(ffmpeg.path, root / f"tone{-level:g}.mp4", level)
        for level in LEVELS
    }


@pytest.fixture
def library(tmp_path: Path, clips: dict[float, Path]) -> Path:
    root = tmp_path / "media"
    for n, level in enumerate(LEVELS[:2], start=1):
        target = root / EPISODE.format(n=n)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clips[level], target)
    (root / AD).parent.mkdir(parents=True)
    shutil.copyfile(clips[-31.0], root / AD)
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


@pytest.mark.parametrize("level", LEVELS)
def test_a_clip_measures_its_mastered_level(clips: dict[float, Path], level: float) -> None:
    found = measure_loudness(str(clips[level]))

    assert found.integrated == pytest.approx(level, abs=0.5)
    assert found.true_peak is not None
    assert found.true_peak == pytest.approx(level, abs=1.0)  # a tone's peak is its level


def test_an_unreadable_file_is_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")

    (result,) = measure_chunk([str(bad)])

    assert isinstance(result, str) and result


def test_scan_measures_programmes_and_filler(library: Path, catalog: Catalog) -> None:
    summary = scan(catalog, [library], executor="thread")

    assert summary.loudness == LoudnessSummary(measured=3)
    levels = {Path(item.path).name: item.loudness for item in catalog.items()}
    assert levels["Cola.mp4"] == pytest.approx(-31.0, abs=0.5)
    assert levels["Cheers - S01E01 - Pilot.mp4"] == pytest.approx(-14.0, abs=0.5)
    assert levels["Cheers - S01E02 - Pilot.mp4"] == pytest.approx(-23.0, abs=0.5)
    assert all(item.true_peak is not None for item in catalog.items())


def test_a_file_is_measured_once_per_version(
    library: Path, catalog: Catalog, clips: dict[float, Path]
) -> None:
    scan(catalog, [library], executor="thread")
    calls: list[str] = []

    def counting(paths: list[str]) -> list[Loudness | str]:
        calls.extend(paths)
        return measure_chunk(paths)

    assert measure_all(catalog, [library], executor="thread", work=counting) == LoudnessSummary()
    assert calls == []

    changed = library / AD
    shutil.copyfile(clips[-14.0], changed)
    scan(catalog, [library], executor="thread", measure_loudness=False)
    stale = {item.path: item.loudness for item in catalog.items()}
    assert stale[str(changed)] is None  # the old version's value is not applied to the new one

    summary = measure_all(catalog, [library], executor="thread", work=counting)

    assert calls == [str(changed)]
    assert summary == LoudnessSummary(measured=1)
    fresh = {item.path: item.loudness for item in catalog.items()}
    assert fresh[str(changed)] == pytest.approx(-14.0, abs=0.5)


def test_measuring_can_be_skipped(library: Path, catalog: Catalog) -> None:
    summary = scan(catalog, [library], executor="thread", measure_loudness=False)

    assert summary.loudness == LoudnessSummary()
    assert all(item.loudness is None for item in catalog.items())
    assert len(catalog.loudness.todo([library])) == 3


def test_a_failed_measurement_is_stored_and_not_retried(
    library: Path, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    scan(catalog, [library], executor="thread", measure_loudness=False)

    def failing(paths: list[str]) -> list[Loudness | str]:
        return ["broken audio" for _ in paths]

    summary = measure_all(catalog, [library], executor="thread", work=failing)

    assert summary == LoudnessSummary(measured=3, failed=3)
    assert "broken audio" in caplog.text
    assert catalog.loudness.todo([library]) == []
    assert all(item.loudness is None for item in catalog.items())


def test_the_scan_command_measures_and_can_skip_it(library: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    off = retrovue("scan", "--no-measure-loudness", "--media", library, data_dir=data)
    assert off.returncode == 0, off.stderr
    assert "loudness:" not in off.stdout
    with Catalog.open(data / "retrovue.db") as catalog:
        assert all(item.loudness is None for item in catalog.items())

    on = retrovue("scan", "--media", library, data_dir=data)

    assert on.returncode == 0, on.stderr
    assert "  loudness: 3 files measured\n" in on.stdout
    with Catalog.open(data / "retrovue.db") as catalog:
        assert all(item.loudness is not None for item in catalog.items())


@pytest.mark.parametrize(
    "command",
    [["scan"], ["serve"], ["play", "Cheers"], ["play-channel", "1"], ["channels"], ["guide"]],
)
def test_every_command_that_scans_can_skip_measuring(
    tmp_path: Path, library: Path, command: list[str]
) -> None:
    common = [*command, "--data-dir", str(tmp_path / "data"), "--media", str(library)]
    with open_station(build_parser().parse_args(common)) as station:
        assert station.measure_loudness
    with open_station(build_parser().parse_args([*common, "--no-measure-loudness"])) as station:
        assert not station.measure_loudness


def test_a_removed_file_takes_its_measurement_along(library: Path, catalog: Catalog) -> None:
    scan(catalog, [library], executor="thread")
    (library / AD).unlink()

    scan(catalog, [library], executor="thread")

    with sqlite3.connect(catalog.path) as db:
        rows = db.execute("SELECT path FROM media_loudness ORDER BY path").fetchall()
    assert [Path(path).name for (path,) in rows] == [
        "Cheers - S01E01 - Pilot.mp4",
        "Cheers - S01E02 - Pilot.mp4",
    ]
