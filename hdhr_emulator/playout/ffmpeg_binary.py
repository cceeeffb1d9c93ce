"""Find the ffmpeg binary once and check it works, so failures surface at start-up, not at tune-in.

Order: an explicit path (``--ffmpeg`` / ``RETROVUE_FFMPEG``), then ``ffmpeg`` on PATH, then the
binary shipped in the ``imageio-ffmpeg`` wheel, so ``pip install`` alone is a complete install.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from hdhr_emulator.errors import FFmpegError

log = logging.getLogger(__name__)

ENV_VAR = "RETROVUE_FFMPEG"
_REQUIRED_ENCODERS = ("libx264", "aac")


@dataclass(frozen=True, slots=True)
class FFmpeg:
    """A checked ffmpeg binary."""

    path: str
    version: str
    origin: str  # "option", "environment", "PATH" or "imageio-ffmpeg"


def _candidates(explicit: str | None) -> list[tuple[str, str]]:
    if explicit:
        return [(explicit, "option")]
    if os.environ.get(ENV_VAR):
        return [(os.environ[ENV_VAR], "environment")]
    found: list[tuple[str, str]] = []
    on_path = shutil.which("ffmpeg")
    if on_path:
        found.append((on_path, "PATH"))
    try:
        import imageio_ffmpeg

        found.append((imageio_ffmpeg.get_ffmpeg_exe(), "imageio-ffmpeg"))
    except (ImportError, RuntimeError):  # wheel without a binary for this platform
        pass
    return found


def _check(path: str, origin: str) -> FFmpeg:
    try:
        out = subprocess.run(
            [path, "-hide_banner", "-version"], capture_output=True, text=True, timeout=20
        )
        encoders = subprocess.run(
            [path, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FFmpegError(f"ffmpeg at {path} cannot be run ({exc})") from exc
    if out.returncode != 0:
        raise FFmpegError(f"ffmpeg at {path} failed its version check (exit {out.returncode})")
    missing = [enc for enc in _REQUIRED_ENCODERS if not re.search(rf"\s{enc}\s", encoders.stdout)]
    if missing:
        raise FFmpegError(f"ffmpeg at {path} lacks the encoder(s) {', '.join(missing)}")
    return FFmpeg(path=path, version=_version(out.stdout), origin=origin)


def _version(banner: str) -> str:
    match = re.search(r"ffmpeg version (\S+)", banner)
    return match.group(1) if match else "unknown"


@functools.cache
def find_ffmpeg(explicit: str | None = None) -> FFmpeg:
    """Return a working ffmpeg, or raise FFmpegError with what to do about it."""
    candidates = _candidates(explicit)
    errors: list[str] = []
    for path, origin in candidates:
        try:
            ffmpeg = _check(path, origin)
        except FFmpegError as exc:
            if origin in ("option", "environment"):
                raise FFmpegError(f"{exc}; fix --ffmpeg / {ENV_VAR}") from exc
            errors.append(str(exc))
            continue
        log.debug("using ffmpeg %s (%s) from %s", ffmpeg.version, ffmpeg.path, origin)
        return ffmpeg
    detail = f" ({'; '.join(errors)})" if errors else ""
    raise FFmpegError(
        "no usable ffmpeg found" + detail + ": install ffmpeg (e.g. 'apt-get install ffmpeg'), "
        f"'pip install imageio-ffmpeg', or point --ffmpeg / {ENV_VAR} at a binary"
    )


@functools.cache
def ffmpeg_version(path: str) -> str:
    """The version ffmpeg at ``path`` reports (``7.1.1``), asked once per path; ``unknown`` if it
    cannot say. Blocking: call it from a worker thread."""
    try:
        out = subprocess.run(
            [path, "-hide_banner", "-version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return _version(out.stdout)
