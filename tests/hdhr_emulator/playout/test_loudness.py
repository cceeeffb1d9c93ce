"""Even loudness on air: the static gain and limiter in the item's argv, and on real output
every item lands within 1 LU of the channel's target."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_args import copy_command, transcode_command
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.loudness import item_gain, loudness_filter
from lineup.loudness import measure_loudness
from lineup.models import ChannelProfile, ItemKind, MediaItem
from lineup.probe import probe
from tests.lineup.media import info
from tests.support.loudness_clips import render_level_clip

PROFILE = ChannelProfile(width=320, height=240, fps=10.0, preset="ultrafast")  # type: ignore[arg-type]
ITEM = MediaItem(1, "/m/a.mp4", ItemKind.EPISODE, "A", info(60.0), loudness=-14.0, true_peak=-13.0)
LIMITER = "alimiter=limit=0.7943:level=0"


def af_of(argv: list[str]) -> str:
    return argv[argv.index("-af") + 1]


def test_a_loud_item_is_turned_down_and_limited() -> None:
    af = af_of(transcode_command("ffmpeg", ITEM, PROFILE, 0.0, 30.0))

    assert af.endswith(f",apad,volume=-10.00dB,{LIMITER}")


def test_copy_mode_gains_the_reencoded_audio() -> None:
    quiet = replace(ITEM, loudness=-31.0)

    af = af_of(copy_command("ffmpeg", quiet, PROFILE, 0.0, 30.0))

    assert af.endswith(f",apad,volume=7.00dB,{LIMITER}")


def test_unmeasured_items_and_channels_with_loudness_off_air_as_they_are() -> None:
    unmeasured = replace(ITEM, loudness=None)
    off = replace(PROFILE, loudness=None)

    assert item_gain(unmeasured, PROFILE) is None
    assert loudness_filter(ITEM, off) == ""
    assert "volume" not in af_of(transcode_command("ffmpeg", unmeasured, PROFILE, 0.0, 30.0))
    assert "volume" not in af_of(transcode_command("ffmpeg", ITEM, off, 0.0, 30.0))


def test_the_channel_target_sets_the_gain_and_a_boost_is_bounded() -> None:
    assert item_gain(ITEM, replace(PROFILE, loudness=-16.0)) == pytest.approx(-2.0)
    assert item_gain(replace(ITEM, loudness=-60.0), PROFILE) == pytest.approx(20.0)


@pytest.mark.parametrize("level", [-14.0, -23.0, -31.0])
def test_output_lands_on_the_target(tmp_path: Path, ffmpeg: FFmpeg, level: float) -> None:
    """Real ffmpeg, the real argv: the item's output measures the target within 1 LU."""
    clip = render_level_clip(ffmpeg.path, tmp_path / "in.mp4", level)
    measured = measure_loudness(str(clip))
    item = MediaItem(1, str(clip), ItemKind.EPISODE, "A", probe(str(clip)),
                     loudness=measured.integrated, true_peak=measured.true_peak)  # fmt: skip
    argv = transcode_command(ffmpeg.path, item, PROFILE, 0.0, 6.0)
    out = tmp_path / "out.ts"
    with out.open("wb") as sink:
        subprocess.run(argv, stdout=sink, check=True, timeout=120)

    found = measure_loudness(str(out))

    assert found.integrated == pytest.approx(-24.0, abs=1.0)
    assert found.true_peak is not None and found.true_peak <= -1.0
