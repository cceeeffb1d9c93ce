"""Whether the picture is black during a silent run, decoding only the frames around it.

The second half of natural-break detection. Seeking lands on the keyframe before the run, so
each look decodes at most a GOP before the run plus the run itself, instead of the whole file.
A frame is black as ffmpeg's ``blackdetect`` defines it: at least 98 % of its pixels have a luma
within 10 % of the black level. Counting dark pixels is ``bytes.translate`` over every 4th pixel
of every 4th row of the luma plane: C speed, no per-pixel Python.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import av
import av.container
import av.video.stream

from lineup.breaks.runs import Run, join_runs

log = logging.getLogger(__name__)

BLACK_RATIO = 0.98  # blackdetect's picture_black_ratio_th
_DARK = bytes(range(38 + 1))  # luma ≤ 16 + 10 % of (235 - 16): blackdetect's pix_th = 0.10
_STEP = 4  # look at every 4th pixel of every 4th row
_LUMA_FORMATS = frozenset(
    {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}
)  # 8-bit formats whose first plane is the luma, one byte per pixel
_TIME_BASE = 1_000_000


def black_runs(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    silence: Run,
    start_time: float,
) -> list[Run]:
    """The black runs of ``stream`` inside ``silence`` (seconds from the file's start)."""
    return [
        run
        for found in join_runs(_frames(container, stream, silence, start_time))
        if (run := found.overlap(silence)) is not None
    ]


def is_black(frame: av.VideoFrame) -> bool:
    """At least 98 % of a sample of the frame's pixels are black."""
    if frame.format.name not in _LUMA_FORMATS:
        frame = frame.reformat(format="yuv420p")  # 10-bit, RGB...: 8-bit luma first
    plane = frame.planes[0]
    data = bytes(plane)
    width, stride = frame.width, plane.line_size
    rows = [
        data[row * stride : row * stride + width : _STEP] for row in range(0, frame.height, _STEP)
    ]
    sample = b"".join(rows)
    bright = len(sample.translate(None, _DARK))
    return bright <= (1 - BLACK_RATIO) * len(sample)


def _frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    silence: Run,
    start_time: float,
) -> Iterator[tuple[float, float, bool]]:
    """``(start, stop, black)`` per decoded frame from ``silence.start`` to its stop."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    frame_seconds = 1 / float(rate) if rate else 0.04
    container.seek(int((start_time + silence.start) * _TIME_BASE), backward=True, any_frame=False)
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            log.debug("skipping an undecodable video packet at %s", packet.pts)
            continue
        for frame in frames:
            if frame.pts is None or frame.time_base is None:
                continue
            at = float(frame.pts * frame.time_base) - start_time
            if at + frame_seconds <= silence.start:
                continue  # decoded only to reach the run
            if at >= silence.stop:
                return
            yield at, at + frame_seconds, is_black(frame)
