"""Probe a media file in-process with PyAV: what it holds, and whether it can be played to the end.

In-process because a library scan probes thousands of files: spawning ffprobe for each costs
more than the probe itself. Opening a file only reads its header, so we also check that the data
really reaches the duration the header promises: a download cut short (an mp4 with its index up
front, an mkv whose duration was written at the start) opens fine yet would stall the channel
halfway through. MPEG-TS and MPEG-PS carry no total duration; FFmpeg estimates theirs from the
last timestamps in the file, so a cut one is simply a shorter programme and probes as such.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import av.container
import av.stream
import av.video.codeccontext

from lineup import colour
from lineup.errors import RetrovueError
from lineup.models import MediaInfo

log = logging.getLogger(__name__)

MIN_DURATION = 0.1  # seconds; less than this is a still image or an empty stream
TRUNCATION_TOLERANCE = 1.0  # seconds the data may fall short of the header duration...
TRUNCATION_FRACTION = 0.01  # ...or this fraction of it, whichever is larger
_TIME_BASE = 1_000_000  # av.time_base: container durations and seeks are in microseconds
_PACKET_LIMIT = 2_000  # packets read after one seek (about a GOP); bounds I/O on odd files
_SEARCH_PRECISION = 0.5  # seconds; where the data of a truncated file ends, to this precision
_SEARCH_STEPS = 24
_NOT_A_PICTURE = av.stream.Disposition.attached_pic | av.stream.Disposition.still_image


class ProbeError(RetrovueError):
    """Raised when a file cannot be played; ``reason`` is one short human phrase.

    The scanner stores the reason next to the skipped file, e.g. ``no video stream`` or
    ``truncated (data ends at 12.3 s of 60.0 s)``.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class _SeekFailed(Exception):
    """Internal: the demuxer refused a seek, so this way of looking tells us nothing."""


@dataclass(frozen=True, slots=True)
class _Timing:
    """A container's clock: where its timestamps start and the duration its header claims."""

    start: float
    duration: float


def probe(path: Path | str) -> MediaInfo:
    """Describe the file at ``path``, or raise ProbeError saying why it cannot be played."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProbeError(f"cannot open: {_describe(exc)}") from exc
    if size == 0:
        raise ProbeError("cannot open: empty file")
    try:
        # av.open's keywords differ between the PyAV majors we support (see open_options)
        open_input: Callable[..., av.container.InputContainer] = av.open
        container = open_input(str(path), mode="r", **open_options())
    except (av.FFmpegError, OSError) as exc:
        raise ProbeError(f"cannot open: {_describe(exc)}") from exc
    with container:
        return _inspect(container, path)


def pyav_major() -> int:
    """The installed PyAV's major version (``av.__version__`` is e.g. ``"19.0.2"``)."""
    return int(av.__version__.split(".", 1)[0])


def open_options() -> dict[str, str]:
    """The keyword arguments the probe gives ``av.open`` on the installed PyAV.

    Up to PyAV 18 a tag that is not valid UTF-8 makes ``av.open`` raise unless
    ``metadata_errors="ignore"``; PyAV 19 removed the argument (passing it is a ``TypeError``)
    and always decodes metadata with ``surrogateescape``, which never raises. Either way a
    badly tagged file still probes.
    """
    return {"metadata_errors": "ignore"} if pyav_major() < 19 else {}


def _describe(exc: Exception) -> str:
    """FFmpeg's message without the errno and path PyAV wraps it in, lower-cased like ours."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _inspect(container: av.container.InputContainer, path: Path) -> MediaInfo:
    video = next(
        (s for s in container.streams.video if not s.disposition & _NOT_A_PICTURE), None
    )  # cover art in an mkv/mp4 is a "video stream" too, but not one to play
    if video is None:
        raise ProbeError("no video stream")
    if video.codec_context is None:  # PyAV found no decoder for it
        raise ProbeError("unsupported video codec")
    vcc = video.codec_context
    if not vcc.width or not vcc.height:
        raise ProbeError("no video stream (unknown picture size)")
    audio = next(iter(container.streams.audio), None)
    acc = audio.codec_context if audio is not None else None

    timing = _header_timing(container)
    if timing.duration <= 0:  # no duration in the header (e.g. a live-recorded webm): measure it
        try:
            end = _reach(container, timing.start, 0.0, stop_at=float("inf"), packet_limit=None)
        except _SeekFailed:
            end = None
        timing = _Timing(timing.start, end or 0.0)
    elif not _reaches_end(container, timing):
        end = _find_data_end(container, timing)
        raise ProbeError(f"truncated (data ends at {end:.1f} s of {timing.duration:.1f} s)")
    if timing.duration < MIN_DURATION:
        raise ProbeError("zero duration")

    rate = video.average_rate or video.guessed_rate or video.base_rate
    info = MediaInfo(
        duration=timing.duration,
        container=container.format.name,
        video_codec=vcc.codec.canonical_name,
        width=vcc.width,
        height=vcc.height,
        fps=float(rate) if rate else 0.0,
        audio_codec=acc.codec.canonical_name if acc is not None else None,
        audio_channels=acc.channels if acc is not None else 0,
        **_colour(vcc),
    )
    log.debug("probed %s: %s", path, info)
    return info


def _colour(vcc: av.video.codeccontext.VideoCodecContext) -> dict[str, str | None]:
    """The stream's colour tags by name (None where unspecified); a ``yuvj`` pixel format is
    full range whatever the tag says (MJPEG and some phone videos)."""
    full = vcc.format is not None and vcc.format.name.startswith("yuvj")
    return {
        "colour_matrix": colour.MATRICES.get(int(vcc.colorspace)),
        "colour_range": "pc" if full else colour.RANGES.get(int(vcc.color_range)),
        "colour_primaries": colour.PRIMARIES.get(int(vcc.color_primaries)),
        "colour_transfer": colour.TRANSFERS.get(int(vcc.color_trc)),
    }


def _header_timing(container: av.container.InputContainer) -> _Timing:
    start = container.start_time / _TIME_BASE if container.start_time is not None else 0.0
    if container.duration is not None and container.duration > 0:
        return _Timing(start, container.duration / _TIME_BASE)
    durations = [
        float(s.duration * s.time_base)
        for s in container.streams
        if s.duration is not None and s.time_base  # PyAV 19: an unset time base is 0, not None
    ]
    return _Timing(start, max(durations, default=0.0))


def _tolerance(duration: float) -> float:
    return max(TRUNCATION_TOLERANCE, TRUNCATION_FRACTION * duration)


def _reaches_end(container: av.container.InputContainer, timing: _Timing) -> bool:
    """Seek just short of the claimed end and check packets are really there.

    If the demuxer cannot seek at all we cannot tell, and give the file the benefit of the doubt
    rather than reject a playable one.
    """
    want = timing.duration - _tolerance(timing.duration)
    try:
        end = _reach(container, timing.start, max(0.0, want), stop_at=want)
    except _SeekFailed as exc:
        log.debug("cannot verify the end of the data (%s); trusting the header", exc)
        return True
    return end is not None and end >= want


def _find_data_end(container: av.container.InputContainer, timing: _Timing) -> float:
    """Bisect on seeks for where a truncated file's data stops (to about half a second).

    A few seeks cost far less than reading half of a multi-gigabyte file to find out.
    """
    low, high = 0.0, timing.duration
    for _ in range(_SEARCH_STEPS):
        if high - low <= _SEARCH_PRECISION:
            break
        middle = (low + high) / 2
        try:
            end = _reach(container, timing.start, middle, stop_at=middle)
        except _SeekFailed:
            end = None
        if end is not None:
            low = max(low, min(end, high))
        if end is None or end < middle:
            high = middle
    return low


def _reach(
    container: av.container.InputContainer,
    start: float,
    at: float,
    stop_at: float,
    packet_limit: int | None = _PACKET_LIMIT,
) -> float | None:
    """Seek to ``at`` seconds and read packets until one ends at ``stop_at`` or the data stops.

    Returns the furthest packet end seen (seconds from the file's start), or None if no packet
    could be read there at all.
    """
    try:
        container.seek(int((start + at) * _TIME_BASE), backward=True, any_frame=False)
    except (av.FFmpegError, OSError) as exc:
        raise _SeekFailed(_describe(exc)) from exc
    furthest: float | None = None
    try:
        for count, packet in enumerate(container.demux()):
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None or not packet.time_base:
                continue  # the demuxer's end-of-stream marker, or a packet with no clock
            end = float((stamp + (packet.duration or 0)) * packet.time_base) - start
            furthest = end if furthest is None else max(furthest, end)
            if furthest >= stop_at or (packet_limit is not None and count >= packet_limit):
                break
    except (av.FFmpegError, OSError) as exc:  # corrupt data past this point counts as no data
        log.debug("reading stopped at %s s: %s", furthest, _describe(exc))
    return furthest
