"""When a picture reached a viewer: each decoded picture's byte position in a capture, mapped to
the wall-clock time those bytes arrived (for switches that must happen within a second)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.streaming import Capture, corner_rgb, decodable_frames

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Picture:
    pos: int  # byte offset of the packet that carried it (decoder order: within a frame or two)
    corner: RGB  # pixel (4, 4)
    time: float  # its presentation time, seconds


def pictures(data: bytes) -> list[Picture]:
    """Every decodable picture of the capture's video, in order."""
    return [
        Picture(packet.pos or 0, corner_rgb(frame), float(frame.time or 0.0))
        for packet, frame, _ in decodable_frames(data, "video")
    ]


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
