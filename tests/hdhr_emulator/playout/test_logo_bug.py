"""The logo bug: a real transcode of a generated clip shows the logo, blended, in its corner only.

The source is a flat grey picture and the logo a flat red square, so the decoded corner must be
red blended over grey by the opacity, and every other corner must stay grey.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_args import transcode_command
from hdhr_emulator.playout.logo_bug import (
    LogoBugError,
    bug_for,
    bug_height,
    cached_bug,
    overlay_position,
)
from lineup.models import (
    BugPosition,
    Channel,
    ChannelProfile,
    ItemKind,
    LogoBug,
    MediaInfo,
    MediaItem,
    Preset,
)

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
PROFILE = ChannelProfile(width=320, height=240, fps=25.0, preset=Preset.ULTRAFAST)
GREY = (128, 128, 128)
RED = (255, 0, 0)
TOLERANCE = 24  # 8-bit levels: H.264 at a low bit rate, and RGB→YUV→RGB round trips

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def _run(argv: list[str]) -> bytes:
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


@pytest.fixture
def grey_clip(tmp_path: Path) -> MediaItem:
    path = tmp_path / "grey.mkv"
    _run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
        + ["-f", "lavfi", "-i", "color=c=0x808080:s=320x240:r=25:d=1"]
        + ["-f", "lavfi", "-i", "sine=f=440:d=1:r=48000"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-c:a", "aac", str(path)]
    )
    info = MediaInfo(
        duration=1.0,
        container="matroska",
        video_codec="h264",
        width=320,
        height=240,
        fps=25.0,
        audio_codec="aac",
        audio_channels=2,
    )
    return MediaItem(id=1, path=str(path), kind=ItemKind.EPISODE, title="Grey", info=info)


@pytest.fixture
def red_logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    _run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
        + ["-f", "lavfi", "-i", "color=c=red:s=64x64,format=rgba", "-frames:v", "1", str(path)]
    )
    return path


def _first_frame(argv: list[str], tmp_path: Path) -> bytes:
    """Run an item's argv and decode its first picture to raw RGB."""
    ts = tmp_path / "item.ts"
    argv = [*argv[:-1], "-y", str(ts)]
    _run(argv)
    return _run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(ts)]
        + ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    )


def _pixel(rgb: bytes, x: int, y: int) -> tuple[int, int, int]:
    i = (y * PROFILE.width + x) * 3
    return rgb[i], rgb[i + 1], rgb[i + 2]


def _near(got: tuple[int, int, int], want: tuple[float, float, float]) -> bool:
    return all(abs(g - w) <= TOLERANCE for g, w in zip(got, want, strict=True))


def _corner_centres(bug: LogoBug) -> dict[BugPosition, tuple[int, int]]:
    """The centre of the bug's square in each corner (the logo is square)."""
    side = bug_height(PROFILE, bug)
    m = round(PROFILE.height * bug.margin)
    near, far_x, far_y = (
        m + side // 2,
        PROFILE.width - m - side // 2,
        PROFILE.height - m - side // 2,
    )
    return {
        BugPosition.TOP_LEFT: (near, near),
        BugPosition.TOP_RIGHT: (far_x, near),
        BugPosition.BOTTOM_LEFT: (near, far_y),
        BugPosition.BOTTOM_RIGHT: (far_x, far_y),
    }


@pytest.mark.parametrize("position", [BugPosition.TOP_LEFT, BugPosition.BOTTOM_RIGHT])
def test_the_bug_shows_blended_in_its_corner_only(
    grey_clip: MediaItem, red_logo: Path, tmp_path: Path, position: BugPosition
) -> None:
    bug = LogoBug(position=position, margin=0.05, size=0.25, opacity=0.5)
    still = cached_bug(FFMPEG, red_logo, PROFILE, bug, tmp_path / "cache")
    plain = _first_frame(transcode_command(FFMPEG, grey_clip, PROFILE, 0.0, 1.0), tmp_path)
    marked = _first_frame(
        transcode_command(FFMPEG, grey_clip, PROFILE, 0.0, 1.0, bug=(still, bug)), tmp_path
    )
    blend = tuple(bug.opacity * r + (1 - bug.opacity) * g for r, g in zip(RED, GREY, strict=True))
    for corner, (x, y) in _corner_centres(bug).items():
        assert _near(_pixel(plain, x, y), GREY), corner
        if corner is position:
            assert _near(_pixel(marked, x, y), blend), (corner, _pixel(marked, x, y), blend)
        else:
            assert _near(_pixel(marked, x, y), GREY), (corner, _pixel(marked, x, y))


def test_the_still_is_scaled_once_and_reused(red_logo: Path, tmp_path: Path) -> None:
    bug = LogoBug(size=0.25)
    cache = tmp_path / "cache"
    first = cached_bug(FFMPEG, red_logo, PROFILE, bug, cache)
    made = first.stat().st_mtime_ns
    # a second session: the same file, untouched (ffmpeg is not run again)
    assert cached_bug("/nonexistent/ffmpeg", red_logo, PROFILE, bug, cache) == first
    assert first.stat().st_mtime_ns == made
    assert [p.name for p in cache.iterdir()] == [first.name]
    # another opacity is another still
    assert cached_bug(FFMPEG, red_logo, PROFILE, LogoBug(size=0.25, opacity=0.3), cache) != first


def test_an_unreadable_logo_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(LogoBugError, match=r"cannot read logo .*logo\.png") as caught:
        cached_bug(FFMPEG, bad, PROFILE, LogoBug(), tmp_path / "cache")
    assert "\n" not in str(caught.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_overlay_positions_keep_the_margin() -> None:
    bug = LogoBug(position=BugPosition.TOP_RIGHT, margin=0.1)
    assert overlay_position(PROFILE, bug) == ("W-w-24", "24")


def test_breaks_stay_clean_unless_during_breaks(
    grey_clip: MediaItem, red_logo: Path, tmp_path: Path
) -> None:
    filler = replace(grey_clip, kind=ItemKind.FILLER)
    channel = Channel(
        number=1, name="A", programmes=(grey_clip,), logo=str(red_logo), bug=LogoBug()
    )
    cache = tmp_path / "cache"
    assert bug_for(FFMPEG, channel, filler, PROFILE, cache) is None
    shown = bug_for(FFMPEG, channel, grey_clip, PROFILE, cache)
    assert shown is not None and shown[0].is_file()
    always = replace(channel, bug=LogoBug(during_breaks=True))
    assert bug_for(FFMPEG, always, filler, PROFILE, cache) is not None
    assert bug_for(FFMPEG, replace(channel, bug=None), grey_clip, PROFILE, cache) is None
    assert bug_for(FFMPEG, replace(channel, logo=None), grey_clip, PROFILE, cache) is None


def test_a_filler_item_airs_without_the_bug(
    grey_clip: MediaItem, red_logo: Path, tmp_path: Path
) -> None:
    """The argv a session builds for a break item has no overlay, so its corner stays grey."""
    filler = replace(grey_clip, kind=ItemKind.FILLER)
    channel = Channel(
        number=1, name="A", programmes=(grey_clip,), logo=str(red_logo), bug=LogoBug(size=0.25)
    )
    bug = bug_for(FFMPEG, channel, filler, PROFILE, tmp_path / "cache")
    frame = _first_frame(transcode_command(FFMPEG, filler, PROFILE, 0.0, 1.0, bug=bug), tmp_path)
    x, y = _corner_centres(LogoBug(size=0.25))[BugPosition.BOTTOM_RIGHT]
    assert _near(_pixel(frame, x, y), GREY)
