"""Clips with known break points: chapter marks, or black pictures and silences at set times.

A testsrc2 picture with a sine tone, where ``drawbox`` blacks out the picture and ``volume``
mutes the tone over the given stretches; chapters come from an ffmetadata file. Used by the
break-point tests and ``benchmarks/bench_breaks.py``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Span = tuple[float, float]  # seconds from the file's start


@dataclass(frozen=True, slots=True)
class BreakClip:
    """The shape of a clip; ``black`` and ``silent`` are the stretches to black out / mute."""

    duration: float
    black: tuple[Span, ...] = ()
    silent: tuple[Span, ...] = ()
    chapters: tuple[float, ...] = ()  # starts of the chapters after the first
    width: int = 160
    height: int = 120
    fps: str = "25"
    gop: int = 25
    preset: str = "ultrafast"


def gaps(*spans: Span) -> dict[str, tuple[Span, ...]]:
    """``black`` and ``silent`` both over ``spans``: natural breaks, as broadcast leaves them."""
    return {"black": spans, "silent": spans}


def _enable(spans: Sequence[Span]) -> str:
    return "+".join(f"between(t,{start},{stop})" for start, stop in spans)


def render_break_clip(ffmpeg: str, out: Path, clip: BreakClip) -> Path:
    """Render ``clip`` to ``out`` (H.264 + AAC; the container from the extension)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    size = f"{clip.width}x{clip.height}"
    video = f"testsrc2=size={size}:rate={clip.fps}:duration={clip.duration}"
    if clip.black:
        video += f",drawbox=c=black:t=fill:enable='{_enable(clip.black)}'"
    audio = f"sine=frequency=440:sample_rate=48000:duration={clip.duration}"
    if clip.silent:
        audio += f",volume=volume=0:enable='{_enable(clip.silent)}'"
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    argv += ["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio]
    if clip.chapters:
        metadata = out.with_name(out.name + ".ffmeta")
        metadata.write_text(_ffmetadata(clip.chapters, clip.duration))
        argv += ["-i", str(metadata), "-map_chapters", "2"]
    argv += ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", clip.preset]
    argv += ["-g", str(clip.gop), "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest"]
    subprocess.run([*argv, str(out)], check=True, capture_output=True, timeout=600)
    return out


def _ffmetadata(starts: Sequence[float], duration: float) -> str:
    marks = [0.0, *starts, duration]
    lines = [";FFMETADATA1"]
    for number, (start, stop) in enumerate(zip(marks, marks[1:], strict=False), start=1):
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}"]
        lines += [f"END={round(stop * 1000)}", f"title=Part {number}"]
    return "\n".join(lines) + "\n"
