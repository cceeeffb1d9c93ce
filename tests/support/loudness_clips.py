"""Clips mastered at a known loudness: a 1 kHz stereo tone whose level in LUFS is its peak in
dBFS (EBU R128 is calibrated so; K-weighting is ~0 dB at 1 kHz), under a small test picture."""

from __future__ import annotations

import subprocess
from pathlib import Path


def render_level_clip(
    ffmpeg: str, path: Path, lufs: float, seconds: float = 6.0, picture: str = "160x120:rate=10"
) -> Path:
    """An H.264 + AAC clip of ``seconds`` whose audio measures ``lufs`` integrated; ``picture``
    is testsrc2's size and rate."""
    amplitude = 10 ** (lufs / 20)
    tone = f"{amplitude:.6f}*sin(2*PI*1000*t)"
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={picture}:duration={seconds}",
            "-f", "lavfi", "-i", f"aevalsrc={tone}|{tone}:s=48000:d={seconds}",
            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "aac", "-b:a", "192k", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path
