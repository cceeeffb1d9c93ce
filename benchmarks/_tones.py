"""Which item is airing when, heard from a captured stream: every test clip has its own tone.

``tone_runs`` decodes the audio of a TS capture with ffmpeg (mono, 8 kHz, gaps filled with
silence so a sample's index is its media time) and labels each 20 ms window with the strongest
of the candidate tones (Goertzel), or "silence" (the slate). Runs of one label are items; the
start of a run is a seam, in media seconds from the first audio sample.
"""

from __future__ import annotations

import array
import math
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

RATE = 8000
WINDOW = 160  # 20 ms
MIN_RUN = 3  # windows: shorter runs are transition noise
SILENCE_RMS = 200.0  # s16 units: the slate is digital silence, the tones are about -20 dBFS


@dataclass(frozen=True, slots=True)
class Run:
    label: str
    start: float  # media seconds from the first audio sample
    end: float


# the first audio track as 8 kHz s16 mono on stdout, gaps filled so a sample's index is media time
AUDIO_OUT = (
    "-map",
    "0:a:0",
    "-af",
    f"aresample={RATE}:async=1:min_hard_comp=0.005:first_pts=0",
    "-ac",
    "1",
    "-f",
    "s16le",
    "pipe:1",
)


def decode_audio(ffmpeg: str, ts: bytes) -> array.array:
    argv = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "mpegts",
        "-i",
        "pipe:0",
        *AUDIO_OUT,
    ]
    done = subprocess.run(argv, input=ts, capture_output=True, timeout=120, check=True)
    pcm = array.array("h")
    pcm.frombytes(done.stdout[: len(done.stdout) // 2 * 2])
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm


def _label(window: array.array, coefficients: Mapping[str, float]) -> str:
    energy = sum(s * s for s in window)
    if math.sqrt(energy / len(window)) < SILENCE_RMS:
        return "silence"
    best, best_power = "?", -1.0
    for label, coeff in coefficients.items():
        s1 = s2 = 0.0
        for sample in window:
            s1, s2 = sample + coeff * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        if power > best_power:
            best, best_power = label, power
    return best


def tone_runs(ffmpeg: str, ts: bytes, tones: Mapping[str, float]) -> list[Run]:
    """Runs of the loudest candidate tone (``{label: Hz}``) in the capture's audio."""
    pcm = decode_audio(ffmpeg, ts)
    coefficients = {label: 2 * math.cos(2 * math.pi * hz / RATE) for label, hz in tones.items()}
    labels = [
        _label(pcm[at : at + WINDOW], coefficients)
        for at in range(0, len(pcm) - WINDOW + 1, WINDOW)
    ]
    runs: list[list[object]] = []  # [label, first window, windows]
    for i, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1][2] += 1  # type: ignore[operator]
        else:
            runs.append([label, i, 1])
    # fold transition noise into the run before it (at the very start: into the run after it)
    while len(runs) > 1 and runs[0][2] < MIN_RUN:  # type: ignore[operator]
        runs[1][1] = runs[0][1]
        runs[1][2] += runs.pop(0)[2]  # type: ignore[operator]
    merged: list[list[object]] = []
    for run in runs:
        if merged and (run[2] < MIN_RUN or merged[-1][0] == run[0]):  # type: ignore[operator]
            merged[-1][2] += run[2]  # type: ignore[operator]
        else:
            merged.append(run)
    step = WINDOW / RATE
    return [
        Run(str(label), first * step, (first + n) * step)  # type: ignore[operator]
        for label, first, n in merged
    ]


class ToneTracker:
    """``tone_runs`` for a live stream: fed PCM as it is decoded, it reports each seam (a new
    label lasting at least ``MIN_RUN`` windows) once, with its media time, and keeps nothing
    else: a soak of hours analyses its audio in 20-ms windows and forgets them."""

    def __init__(self, tones: Mapping[str, float]):
        self._coefficients = {
            label: 2 * math.cos(2 * math.pi * hz / RATE) for label, hz in tones.items()
        }
        self._pending = array.array("h")
        self._window = 0  # index of the next window
        self._current: str | None = None
        self._candidate: tuple[str, int, int] | None = None  # label, first window, windows

    def feed(self, pcm: array.array[int]) -> list[Run]:
        """Add samples; returns the seams completed by them (``Run.end`` is unknown: = start)."""
        self._pending.extend(pcm)
        seams: list[Run] = []
        step = WINDOW / RATE
        used = 0
        while len(self._pending) - used >= WINDOW:
            label = _label(self._pending[used : used + WINDOW], self._coefficients)
            used += WINDOW
            index = self._window
            self._window += 1
            if self._current is None:
                self._current = label
            elif label == self._current:
                self._candidate = None  # transition noise folds into the current run
            elif self._candidate is not None and self._candidate[0] == label:
                first, n = self._candidate[1], self._candidate[2] + 1
                self._candidate = (label, first, n)
                if n >= MIN_RUN:
                    seams.append(Run(label, first * step, first * step))
                    self._current, self._candidate = label, None
            else:
                self._candidate = (label, index, 1)
        del self._pending[:used]
        return seams

    @property
    def media_seconds(self) -> float:
        return self._window * WINDOW / RATE
