"""Finding one file's break points: its chapter marks, else its black-and-silent moments."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.breaks import BreakScan
from lineup.breaks.find import BreakScanError, find_breaks
from tests.support.break_clips import BreakClip, gaps, render_break_clip

# black and silent at 30 s and 170 s too: inside the first and last minute, so not breaks
GAPPED = BreakClip(200, **gaps((30, 31), (80, 81), (120, 121.5), (170, 171)))
GAP_MIDDLES = (80.5, 120.75)
# silence without black, and black without silence: neither is a break
NEAR_MISSES = BreakClip(200, silent=((80, 81),), black=((120, 121.5),))
CHAPTERED = BreakClip(30, chapters=(10.5, 20.25), **gaps((15, 16)))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("break-clips")
    shapes = {
        "gapped.mp4": GAPPED,
        "gapped.ts": GAPPED,  # MPEG-TS: its clock starts at 1.4 s, break points do not
        "near.mp4": NEAR_MISSES,
        "chaptered.mkv": CHAPTERED,
        "chaptered.mp4": CHAPTERED,
    }
    return {
        name: render_break_clip(ffmpeg.path, root / name, clip) for name, clip in shapes.items()
    }


@pytest.mark.parametrize("name", ["chaptered.mkv", "chaptered.mp4"])
def test_chapter_marks_are_the_break_points(clips: dict[str, Path], name: str) -> None:
    found = find_breaks(clips[name])

    assert found.chapters and not found.detected
    assert found.points == pytest.approx(CHAPTERED.chapters, abs=0.05)


def test_chapters_are_read_with_detection_off(clips: dict[str, Path]) -> None:
    found = find_breaks(clips["chaptered.mkv"], detect=False)
    assert found.chapters and found.points == pytest.approx(CHAPTERED.chapters, abs=0.05)


@pytest.mark.parametrize("name", ["gapped.mp4", "gapped.ts"])
def test_black_and_silent_gaps_are_found_away_from_the_ends(
    clips: dict[str, Path], name: str
) -> None:
    found = find_breaks(clips[name])

    assert found.detected and not found.chapters
    assert found.points == pytest.approx(GAP_MIDDLES, abs=0.25)


def test_silence_without_black_or_black_without_silence_is_no_break(
    clips: dict[str, Path],
) -> None:
    assert find_breaks(clips["near.mp4"]) == BreakScan(detected=True)


def test_detection_off_finds_nothing_without_chapters(clips: dict[str, Path]) -> None:
    assert find_breaks(clips["gapped.mp4"], detect=False) == BreakScan()


def test_a_file_that_cannot_be_read_raises_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 100)
    with pytest.raises(BreakScanError):
        find_breaks(bad)
