"""Render short test-pattern clips with ffmpeg (testsrc2 + a sine tone, optional burned-in title).

Used by the built-in demo library and by the tests, which need real media files of known shape.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.errors import FFmpegError
from hdhr_emulator.playout.drawtext import escape_drawtext, find_font

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """The shape of a clip to render."""

    duration: float
    title: str = ""
    tone_hz: int = 440
    width: int = 320
    height: int = 240
    fps: float = 25
    audio: bool = True
    video_codec: str = "libx264"
    audio_codec: str = "aac"
    audio_rate: int = 48000


def clip_command(ffmpeg: str, out: Path, spec: ClipSpec) -> list[str]:
    """The ffmpeg argv that renders ``spec`` into ``out`` (container from the file extension)."""
    video = f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps}:duration={spec.duration}"
    font = find_font()
    if spec.title and font:
        size = max(12, spec.height // 12)
        video += (
            f",drawtext=fontfile={font}:text='{escape_drawtext(spec.title)}':fontsize={size}"
            ":fontcolor=white:box=1:boxcolor=black@0.6:x=(w-text_w)/2:y=h-2*text_h"
        )
    argv = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    if spec.audio:
        tone = (
            f"sine=frequency={spec.tone_hz}:sample_rate={spec.audio_rate}:duration={spec.duration}"
        )
        argv += ["-f", "lavfi", "-i", tone]
    argv += ["-c:v", spec.video_codec, "-pix_fmt", "yuv420p"]
    if spec.video_codec == "libx264":
        argv += ["-preset", "ultrafast", "-crf", "30", "-g", str(max(1, round(spec.fps)))]
    if spec.audio:
        argv += ["-c:a", spec.audio_codec, "-ac", "2"]
    argv += ["-shortest", str(out)]
    return argv


def render_clip(ffmpeg: str, out: Path, spec: ClipSpec) -> Path:
    """Render one clip, atomically: a half-written file never appears under ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{out.name}")
    argv = clip_command(ffmpeg, partial, spec)
    log.debug("rendering %s: %s", out, argv)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FFmpegError(f"ffmpeg could not render {out.name}: {exc}") from exc
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise FFmpegError(f"ffmpeg could not render {out.name}: {tail[0]}")
    partial.replace(out)
    return out
