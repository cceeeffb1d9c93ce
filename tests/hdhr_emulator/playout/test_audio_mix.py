"""The downmix matrix applied by our audio filter, on real ffmpeg with generated 5.1/mono."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from hdhr_emulator.playout import audio_mix

# A 1 kHz tone only in the centre of a 5.1 source, or a mono tone.
_SOURCES = {
    "center51": "sine=f=1000:d=1:sample_rate=48000,pan=5.1|FC=c0",
    "back_left51": "sine=f=440:d=1:sample_rate=48000,pan=5.1|BL=c0",
    "mono": "sine=f=1000:d=1:sample_rate=44100",
}


def _rms_levels(tmp_path: Path, source: str) -> list[float]:
    clip = tmp_path / "in.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, str(clip)], check=True
    )
    chain = (
        f"aresample=48000:async=1:first_pts=0:{audio_mix.resample_options()},"
        "aformat=sample_fmts=fltp:channel_layouts=stereo,"
        "astats=measure_overall=none:measure_perchannel=RMS_level"
    )
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", str(clip), "-af", chain, "-f", "null", "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(v) for v in re.findall(r"RMS level dB: (\S+)", done.stderr)]


def test_center_is_in_both_channels_at_minus_3_db(tmp_path: Path) -> None:
    left, right = _rms_levels(tmp_path, _SOURCES["center51"])
    # lavfi sine is amplitude 1/8: RMS -21.07 dBFS; BS.775 centre at -3 dB.
    assert left == pytest.approx(right, abs=0.01)
    assert left == pytest.approx(-21.07 - 3.0, abs=0.3)


def test_mono_is_centred(tmp_path: Path) -> None:
    left, right = _rms_levels(tmp_path, _SOURCES["mono"])
    assert left == pytest.approx(right, abs=0.01)
    assert left > -30.0


def test_surround_goes_to_its_side_at_minus_3_db(tmp_path: Path) -> None:
    left, right = _rms_levels(tmp_path, _SOURCES["back_left51"])
    assert left == pytest.approx(-21.07 - 3.0, abs=0.3)
    assert right == float("-inf")
