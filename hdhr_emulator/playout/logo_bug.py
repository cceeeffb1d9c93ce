"""The station logo ("bug") over a transcoded item: a pre-scaled PNG and the overlay filter.

The logo is scaled and its opacity baked in ONCE per (logo file, profile, settings) into a
cached PNG, so an item's ffmpeg only decodes one small still and runs ``overlay`` (whose default
``eof_action=repeat`` holds that single frame for the whole item): no per-frame scaling, no
looped image input, and nothing that delays the first byte. Copy-mode channels get no bug: an
overlay needs decoded frames.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from pathlib import Path

from lineup.errors import RetrovueError
from lineup.models import BugPosition, Channel, ChannelProfile, ItemKind, LogoBug, MediaItem

log = logging.getLogger(__name__)

_SCALE_TIMEOUT = 30.0  # seconds one still scale may take (it takes milliseconds)


class LogoBugError(RetrovueError):
    """Raised when ffmpeg cannot read or scale a channel's logo for its bug (the message names
    the file); the item then airs without the bug, so it never reaches a boundary."""


def bug_height(profile: ChannelProfile, bug: LogoBug) -> int:
    """The bug's height in pixels: an even number (chroma subsampling), at least 2."""
    return max(2, round(profile.height * bug.size / 2) * 2)


def bug_margin(profile: ChannelProfile, bug: LogoBug) -> int:
    """The gap in pixels between the bug and the picture's edges."""
    return round(profile.height * bug.margin)


def overlay_position(profile: ChannelProfile, bug: LogoBug) -> tuple[str, str]:
    """``overlay`` x and y expressions for the bug's corner (W/H frame, w/h bug size)."""
    m = bug_margin(profile, bug)
    left = bug.position in (BugPosition.TOP_LEFT, BugPosition.BOTTOM_LEFT)
    top = bug.position in (BugPosition.TOP_LEFT, BugPosition.TOP_RIGHT)
    return (str(m) if left else f"W-w-{m}", str(m) if top else f"H-h-{m}")


def cache_key(logo: Path, profile: ChannelProfile, bug: LogoBug) -> str:
    """Names the scaled still by the logo file's identity (path, size, mtime) and everything
    that shapes it, so an edited logo or setting makes a new file and never a stale one."""
    st = logo.stat()
    parts = (
        str(logo.resolve()),
        str(st.st_size),
        str(st.st_mtime_ns),
        str(bug_height(profile, bug)),
        f"{bug.opacity:.4f}",
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def scale_filter(profile: ChannelProfile, bug: LogoBug) -> str:
    """Scale to the bug's height keeping aspect, and multiply the alpha by the opacity."""
    return (
        f"scale=-2:{bug_height(profile, bug)}:flags=lanczos,format=rgba,"
        f"colorchannelmixer=aa={bug.opacity:.4f}"
    )


def cached_bug(
    ffmpeg: str, logo: Path, profile: ChannelProfile, bug: LogoBug, cache_dir: Path
) -> Path:
    """The scaled, faded logo as a PNG in ``cache_dir``, made on first use only.

    Written to a temporary name and renamed, so a concurrent session never reads half a file.
    """
    target = cache_dir / f"bug-{cache_key(logo, profile, bug)}.png"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.{os.getpid()}.tmp.png")
    argv = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(logo),
        "-frames:v",
        "1",
        "-vf",
        scale_filter(profile, bug),
        str(partial),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=_SCALE_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LogoBugError(f"cannot scale logo {logo}: {exc}") from exc
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise LogoBugError(f"cannot read logo {logo}: {reason[-1] if reason else 'ffmpeg failed'}")
    partial.replace(target)
    log.info("scaled logo %s for %dp into %s", logo, profile.height, target)
    return target


def overlay_graph(
    video_filter: str, profile: ChannelProfile, bug: LogoBug, input_index: int
) -> str:
    """A ``-filter_complex`` graph: input 0's video through ``video_filter``, the bug still
    (input ``input_index``) laid over it, output labelled ``[v]`` for ``-map``."""
    x, y = overlay_position(profile, bug)
    return (
        f"[0:v:0]{video_filter}[base];"
        f"[base][{input_index}:v:0]overlay=x={x}:y={y}:format=yuv420,format=yuv420p[v]"
    )


_PROGRAMME_KINDS = frozenset({ItemKind.EPISODE, ItemKind.MOVIE})


def bug_for(
    ffmpeg: str, channel: Channel, item: MediaItem, profile: ChannelProfile, cache_dir: Path
) -> tuple[Path, LogoBug] | None:
    """The still and settings to overlay on ``item`` of ``channel``, or None: no logo, the bug
    turned off, or a break item (filler, card, override) while ``during_breaks`` is off.

    Blocking (a stat, and ffmpeg once per still): run it in a thread. A logo that cannot be
    scaled is logged and the item plays without a bug rather than not at all.
    """
    bug = channel.bug
    if bug is None or not channel.logo:
        return None
    if item.kind not in _PROGRAMME_KINDS and not bug.during_breaks:
        return None
    try:
        return cached_bug(ffmpeg, Path(channel.logo), profile, bug, cache_dir), bug
    except (LogoBugError, OSError) as exc:
        log.warning("channel %d: no logo bug: %s", channel.number, exc)
        return None
