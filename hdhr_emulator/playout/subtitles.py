"""Burned-in subtitles: which subtitles an item has, and the filter that draws them.

A channel with ``subtitles = "burn"`` draws its programmes' text subtitles into the picture,
because HDHomeRun clients show no subtitle track of a live MPEG-TS stream. Where they come from,
in order: a sidecar file next to the video named as Plex and Jellyfin expect
(``Name.en.srt``, ``Name.srt``, also ``.ass``/``.ssa``/``.vtt``), else a text subtitle stream in
the file (SubRip, ASS/SSA, mov_text, WebVTT). The preferred language wins in each; else a
sidecar without a language, the stream flagged default, the first one.

Join in progress: ffmpeg's input ``-ss`` makes the picture start at 0, while the subtitles
filter times its cues on the file's own clock, so the filter sees the picture moved back to the
file's time (``setpts=PTS+seek``) and the picture is moved to 0 again after it. Image subtitles
(PGS, VobSub) need an overlay of a second stream and are not drawn (logged once per file).

Finding is a directory listing plus, only when no sidecar fits, an open of the container's
header: done off the event loop and cached per file version, so a seam never waits on it.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import av

from hdhr_emulator.playout.drawtext import escape_filter_path

__all__ = ["SubtitleSource", "find_subtitles", "subtitle_filter"]

log = logging.getLogger(__name__)

SIDECAR_EXTENSIONS = (".srt", ".ass", ".ssa", ".vtt")
TEXT_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "mov_text", "webvtt", "text"})
_LANGUAGE_ALIASES = {  # ISO 639-1 → the 639-2 codes files use
    "en": ("eng",),
    "fr": ("fre", "fra"),
    "de": ("ger", "deu"),
    "es": ("spa",),
    "it": ("ita",),
    "nl": ("dut", "nld"),
    "pt": ("por",),
    "sv": ("swe",),
    "ja": ("jpn",),
}


@dataclass(frozen=True, slots=True)
class SubtitleSource:
    """A file holding the subtitles to draw, and which subtitle stream of it (0 for a sidecar)."""

    path: str
    stream: int = 0
    language: str | None = None


def languages(preferred: str | None) -> frozenset[str]:
    """Every spelling of ``preferred`` ("en" → en, eng), lower case."""
    if not preferred:
        return frozenset()
    code = preferred.strip().lower()
    spellings = {code, *_LANGUAGE_ALIASES.get(code, ())}
    for short, long_codes in _LANGUAGE_ALIASES.items():
        if code in long_codes:
            spellings |= {short, *long_codes}
    return frozenset(spellings)


def find_subtitles(path: str, preferred: str | None) -> SubtitleSource | None:
    """The subtitles to draw for the video at ``path`` (None: it has none we can draw)."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _find(path, stamp, preferred or "")


@functools.lru_cache(maxsize=512)
def _find(path: str, stamp: int, preferred: str) -> SubtitleSource | None:
    wanted = languages(preferred)
    return _sidecar(Path(path), wanted) or _embedded(path, wanted)


def _sidecar(video: Path, wanted: frozenset[str]) -> SubtitleSource | None:
    """``Name.<lang>.srt`` (a wanted language first), else ``Name.srt``, else any language."""
    try:
        names = os.listdir(video.parent)
    except OSError:
        return None
    stem = video.stem
    plain: SubtitleSource | None = None
    other: SubtitleSource | None = None
    for name in sorted(names):
        base, ext = os.path.splitext(name)
        if ext.lower() not in SIDECAR_EXTENSIONS or not base.startswith(stem):
            continue
        tags = [tag.lower() for tag in base[len(stem) :].split(".") if tag]
        full = str(video.parent / name)
        if not tags:
            plain = plain or SubtitleSource(full)
        elif wanted & set(tags):
            return SubtitleSource(full, 0, tags[0])
        else:
            other = other or SubtitleSource(full, 0, tags[0])
    return plain or (other if not wanted else plain or other)


def _embedded(path: str, wanted: frozenset[str]) -> SubtitleSource | None:
    """A text subtitle stream of the file itself, by language, default flag, then order."""
    try:
        with av.open(path) as container:
            streams = list(container.streams.subtitles)
            found: list[tuple[int, str | None, bool]] = []
            for number, stream in enumerate(streams):
                codec = stream.codec_context.name if stream.codec_context else ""
                if codec not in TEXT_CODECS:
                    log.info(
                        "%s: subtitle stream %d is %s (an image): not drawn", path, number, codec
                    )
                    continue
                language = (stream.metadata or {}).get("language")
                default = bool(stream.disposition & av.stream.Disposition.default)
                found.append((number, language, default))
    except (av.error.FFmpegError, OSError, AttributeError) as exc:
        log.info("%s: cannot read its subtitle streams: %s", path, exc)
        return None
    if not found:
        return None
    for number, language, _ in found:
        if language and language.lower() in wanted:
            return SubtitleSource(path, number, language)
    number, language, _ = next((entry for entry in found if entry[2]), found[0])
    return SubtitleSource(path, number, language)


def subtitle_filter(source: SubtitleSource, seek: float) -> str:
    """The filters drawing ``source`` onto the picture, in sync from ``seek`` s into the file."""
    where = escape_filter_path(source.path)
    draw = f"subtitles=filename={where}:si={source.stream}"
    if seek <= 0:
        return draw
    return f"setpts=PTS+{seek:.3f}/TB,{draw},setpts=PTS-STARTPTS"
