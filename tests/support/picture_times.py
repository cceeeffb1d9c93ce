"""When a picture reached a viewer: each decoded picture's byte position in a capture, mapped to
the wall-clock time those bytes arrived (for switches that must happen within a second)."""

from __future__ import annotations

import bisect
import io
from collections.abc import Callable
from dataclasses import dataclass

import av

from tests.support.streaming import Capture

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Picture:
    pos: int  # byte offset of the packet that carried it (decoder order: within a frame or two)
    corner: RGB  # pixel (4, 4)
    time: float  # its presentation time, seconds


def pictures(data: bytes) -> list[Picture]:
    """Every decodable picture of the capture's video, in order."""
    found: list[Picture] = []
    with av.open(io.BytesIO(data), format="mpegts") as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue
            for frame in frames:
                rgb = frame.reformat(format="rgb24")
                plane = rgb.planes[0]
                at = 4 * plane.line_size + 4 * 3
                pixel = bytes(plane)[at : at + 3]
                corner = (pixel[0], pixel[1], pixel[2])
                found.append(Picture(packet.pos or 0, corner, float(frame.time or 0.0)))
    return found


def first_picture(
    found: list[Picture], test: Callable[[RGB], bool], after: int = 0
) -> Picture | None:
    """The first picture at or after byte ``after`` whose corner passes ``test``."""
    return next((p for p in found if p.pos >= after and test(p.corner)), None)


def first_position(found: list[Picture], test: Callable[[RGB], bool], after: int = 0) -> int | None:
    """The byte position of :func:`first_picture`."""
    picture = first_picture(found, test, after)
    return picture.pos if picture is not None else None


def received_by(capture: Capture, wall: float) -> int:
    """How many bytes of the body had arrived at ``time.time()`` == ``wall``."""
    counts = [count for t, count in capture.arrivals if capture.sent_at + t <= wall]
    return counts[-1] if counts else 0


def arrived_at(capture: Capture, pos: int) -> float:
    """``time.time()`` when byte ``pos`` of the body had arrived."""
    totals = [count for _, count in capture.arrivals]
    index = bisect.bisect_right(totals, pos)
    assert index < len(totals), f"byte {pos} never arrived"
    return capture.sent_at + capture.arrivals[index][0]
