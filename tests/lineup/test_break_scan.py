"""Break points found at scan time: stored per file version, not looked for again, skippable,
and never a reason for a scan to fail."""

from __future__ import annotations

import logging
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from hdhr_emulator.cli.main import build_parser
from hdhr_emulator.cli.settings import open_station
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.breaks import BreakScan
from lineup.breaks.stage import BreakSummary, find_all_breaks
from lineup.catalog import Catalog
from lineup.models import ItemKind, MediaItem
from lineup.scanner import ExecutorKind, scan
from tests.lineup.test_breaks import CHAPTERED, GAP_MIDDLES, GAPPED, NEAR_MISSES
from tests.support.break_clips import render_break_clip
from tests.support.cli_run import retrovue

EPISODE = "TV/Cheers/Season 01/Cheers - S01E01 - Pilot.mp4"
MOVIE = "Movies/Airplane! (1980).mkv"
AD = "Commercials/Cola.mp4"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("break-sources")
    shapes = {"gapped.mp4": GAPPED, "near.mp4": NEAR_MISSES, "chaptered.mkv": CHAPTERED}
    return {
        name: render_break_clip(ffmpeg.path, root / name, clip) for name, clip in shapes.items()
    }


@pytest.fixture
def library(tmp_path: Path, sources: dict[str, Path]) -> Path:
    """An episode with two black-and-silent gaps, a movie with chapters, and an ad with gaps
    (filler is never looked at)."""
    root = tmp_path / "media"
    for relative, source in ((EPISODE, "gapped.mp4"), (MOVIE, "chaptered.mkv"), (AD, "gapped.mp4")):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources[source], root / relative)
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


def by_name(catalog: Catalog, root: Path) -> dict[str, MediaItem]:
    return {str(Path(item.path).relative_to(root)): item for item in catalog.items()}


@pytest.mark.parametrize("executor", ["thread", "process"])
def test_scan_stores_chapters_and_detected_breaks(
    library: Path, catalog: Catalog, executor: ExecutorKind
) -> None:
    summary = scan(catalog, [library], executor=executor, workers=2)

    assert summary.breaks == BreakSummary(looked=2, chapters=1, detected=1, failed=0)
    items = by_name(catalog, library)
    episode, movie, ad = items[EPISODE], items[MOVIE], items[AD]
    assert episode.breaks == pytest.approx(GAP_MIDDLES, abs=0.25) and not episode.chapters
    assert movie.breaks == pytest.approx(CHAPTERED.chapters, abs=0.05) and movie.chapters
    assert ad.kind == ItemKind.FILLER and ad.breaks == ()
    assert catalog.get(episode.id) == episode  # every way of reading an item has them
    assert catalog.current(movie) == movie


def test_rescan_does_not_look_again_until_the_file_changes(
    library: Path, catalog: Catalog, sources: dict[str, Path]
) -> None:
    scan(catalog, [library], executor="thread")
    before = catalog.items()

    again = scan(catalog, [library], executor="thread")
    assert again.breaks == BreakSummary() and catalog.items() == before  # cached

    episode = library / EPISODE
    os.utime(episode, ns=(episode.stat().st_atime_ns, episode.stat().st_mtime_ns + 10**9))
    touched = scan(catalog, [library], executor="thread")
    assert (touched.updated, touched.breaks.looked) == (1, 1)
    assert by_name(catalog, library)[EPISODE].breaks == pytest.approx(GAP_MIDDLES, abs=0.25)

    shutil.copyfile(sources["near.mp4"], episode)  # a new version without breaks
    os.utime(episode, ns=(episode.stat().st_atime_ns, episode.stat().st_mtime_ns + 2 * 10**9))
    changed = scan(catalog, [library], executor="thread")
    assert (changed.updated, changed.breaks.looked) == (1, 1)
    assert by_name(catalog, library)[EPISODE].breaks == ()


def test_a_removed_file_takes_its_break_points_along(library: Path, catalog: Catalog) -> None:
    scan(catalog, [library], executor="thread")
    (library / MOVIE).unlink()
    scan(catalog, [library], executor="thread")
    rows = catalog.breaks._db.execute("SELECT path FROM media_breaks")
    assert [Path(path).relative_to(library).as_posix() for (path,) in rows] == [EPISODE]


def test_no_detect_breaks_keeps_chapters_and_a_later_scan_catches_up(
    library: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    off = retrovue("scan", "--no-detect-breaks", "--media", library, data_dir=data)
    assert off.returncode == 0, off.stderr
    assert "break points: 2 programmes looked at, 1 with chapters, 0 with" in off.stdout
    with Catalog.open(data / "retrovue.db") as catalog:
        items = by_name(catalog, library)
        assert items[EPISODE].breaks == ()
        assert items[MOVIE].breaks == pytest.approx(CHAPTERED.chapters, abs=0.05)

    on = retrovue("scan", "--media", library, data_dir=data)
    assert on.returncode == 0, on.stderr
    assert "break points: 1 programmes looked at, 0 with chapters, 1 with" in on.stdout
    with Catalog.open(data / "retrovue.db") as catalog:
        items = by_name(catalog, library)
        assert items[EPISODE].breaks == pytest.approx(GAP_MIDDLES, abs=0.25)
        assert items[MOVIE].chapters


def test_a_failed_detection_is_one_log_line_not_a_failed_scan(
    library: Path,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import lineup.breaks.find as find

    real = find.find_breaks

    def exploding(path: Path | str, *, detect: bool = True) -> BreakScan:
        if str(path).endswith("Pilot.mp4"):
            raise RuntimeError("the decoder exploded")
        return real(path, detect=detect)

    monkeypatch.setattr(find, "find_breaks", exploding)
    with caplog.at_level(logging.WARNING):
        summary = scan(catalog, [library], executor="thread")

    assert summary.breaks == BreakSummary(looked=2, chapters=1, detected=0, failed=1)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        f"no break points for {library / EPISODE}: RuntimeError: the decoder exploded"
    ]
    items = by_name(catalog, library)
    assert items[EPISODE].breaks == () and items[MOVIE].chapters
    assert scan(catalog, [library], executor="thread").breaks.looked == 0  # not tried each scan


def kill_own_worker(paths: list[str], detect: bool) -> list[BreakScan | str]:
    """A pool function whose worker process dies as the OOM killer would kill it."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_killed_detection_leaves_the_file_for_the_next_scan(
    library: Path, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    scan(catalog, [library], detect_breaks=False, executor="thread")  # chapters only
    with caplog.at_level(logging.WARNING):
        summary = find_all_breaks(
            catalog, [library], executor="process", workers=1, work=kill_own_worker
        )
    assert summary.looked == 1  # the episode; the movie's chapters need nothing more
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["the scan's process pool broke; 1 files are left for the next scan"]
    assert by_name(catalog, library)[EPISODE].breaks == ()

    after = scan(catalog, [library], executor="thread")
    assert after.breaks.looked == 1
    assert by_name(catalog, library)[EPISODE].breaks == pytest.approx(GAP_MIDDLES, abs=0.25)


@pytest.mark.parametrize(
    "command",
    [["scan"], ["serve"], ["play", "Cheers"], ["play-channel", "1"], ["channels"], ["guide"]],
)
def test_every_command_that_scans_can_skip_detection(
    tmp_path: Path, library: Path, command: list[str]
) -> None:
    common = [*command, "--data-dir", str(tmp_path / "data"), "--media", str(library)]
    with open_station(build_parser().parse_args(common)) as station:
        assert station.detect_breaks
    with open_station(build_parser().parse_args([*common, "--no-detect-breaks"])) as station:
        assert not station.detect_breaks
