"""Seams heard in a capture by their PTS, and their drift from the schedule.

Every test clip has its own tone. A seam is the first AAC frame of a new tone (``STEADY``
frames of it in a row: a frame that straddles a seam reads as either tone), timed by that
frame's PTS: counting decoded samples instead would add up the hole of less than one AAC frame
that each seam leaves in the audio (about 15 ms a seam), and read as the air running early.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import av

from tests.support.streaming import decodable_frames

STEADY = 3  # AAC frames of one tone in a row make a seam


@dataclass(frozen=True, slots=True)
class Seam:
    tone: int  # Hz
    pts: float  # seconds: the first AAC frame of the tone


def tone_of(frame: av.AudioFrame, tones: Sequence[int]) -> int | None:
    """The clip tone nearest this frame's pitch (zero crossings of its first channel), None for
    silence (the slate) or a pitch that is no clip's (a frame across a seam)."""
    samples = array.array("f", bytes(frame.planes[0]))[: frame.samples]  # AAC decodes to fltp
    if not samples or max(map(abs, samples)) < 1e-3:
        return None
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    hz = crossings / 2 / (len(samples) / frame.sample_rate)
    best = min(tones, key=lambda t: abs(t - hz))
    return best if abs(best - hz) <= 0.1 * best else None


def seams_heard(data: bytes, tones: Sequence[int]) -> list[Seam]:
    """Each new tone in the capture, at the PTS of its first frame. Packets the decoder
    rejects (a capture that ends mid-frame) are skipped."""
    labels = [
        (tone_of(frame, tones), float(frame.pts * stream.time_base))
        for _, frame, stream in decodable_frames(data, "audio")
        if frame.pts is not None
    ]
    seams: list[Seam] = []
    current: int | None = None
    for at in range(len(labels) - STEADY + 1):
        tone = labels[at][0]
        if tone is None or tone == current:
            continue
        if all(label == tone for label, _ in labels[at : at + STEADY]):
            seams.append(Seam(tone, labels[at][1]))
            current = tone
    return seams


def drifts_ms(
    seams: Sequence[Seam], starts: Mapping[int, Sequence[float]], first_at: float
) -> list[int]:
    """Per seam: (its PTS − the first seam's) − (its schedule start − the first seam's), in ms,
    as the soak measures it. ``starts``: tone → schedule start times of that clip's segments;
    ``first_at``: the schedule time the first seam is expected near (matched by tone)."""
    first = seams[0]
    origin = min(starts[first.tone], key=lambda s: abs(s - first_at))
    out = []
    for seam in seams:
        expected = min(
            (s - origin for s in starts[seam.tone]),
            key=lambda rel: abs(rel - (seam.pts - first.pts)),
        )
        out.append(round((seam.pts - first.pts - expected) * 1000))
    return out
