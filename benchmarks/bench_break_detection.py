"""Benchmark break detection at scan: CPU seconds per media-minute, against decoding everything.

    python -m benchmarks.bench_break_detection       # 10-min clips at the profile's size
    python -m benchmarks.bench_break_detection --minutes 3 --runs 1 --small --no-reference

Each clip is testsrc2 + a 440 Hz tone at the default channel profile's size and rate (1280x720,
29.97 fps; ``--small``: 160x120), H.264 ``veryfast`` with 2-s GOPs and B-frames, AAC stereo,
with 1-s black-and-silent gaps at 20, 40, 60 and 80 % of its length. The "quiet" clip also has a
0.6-s silence without black every 20 s, so the picture is looked at around many more silences
(the expensive case). The cost is user + system CPU time of :func:`lineup.breaks.find.find_breaks`
in this process (the best of ``--runs``), divided by the clip's minutes; the reference is
``ffmpeg -threads 1`` decoding the whole picture (``-map 0:v -f null``), measured the same way
on its child process. Clips are rendered once into ``--clips`` (default: a temp folder).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from lineup.breaks.find import EDGE_SECONDS, find_breaks
from lineup.models import ChannelProfile
from tests.support.break_clips import BreakClip, Span, render_break_clip

BUDGET = 0.5  # CPU-s per media-minute (issue 12)
TOLERANCE = 0.5  # seconds between a found break and its gap's middle


def clips(minutes: float, small: bool) -> dict[str, tuple[BreakClip, tuple[float, ...]]]:
    """name -> (clip, expected break points)."""
    duration = minutes * 60
    profile = ChannelProfile()
    gaps: tuple[Span, ...] = tuple(
        (round(duration * share), round(duration * share) + 1) for share in (0.2, 0.4, 0.6, 0.8)
    )
    base = BreakClip(
        duration,
        black=gaps,
        silent=gaps,
        width=160 if small else profile.width,
        height=120 if small else profile.height,
        fps="30000/1001",
        gop=60,
        preset="veryfast",
    )
    pauses = tuple(
        (at, at + 0.6)
        for at in range(10, int(duration), 20)
        if all(abs(at - g) > 5 for g, _ in gaps)
    )
    expected = tuple(
        start + 0.5 for start, _ in gaps if EDGE_SECONDS < start < duration - EDGE_SECONDS - 1
    )
    return {
        "gaps": (base, expected),
        "quiet": (replace(base, silent=gaps + pauses), expected),
    }


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure(path: Path, runs: int) -> tuple[float, float, tuple[float, ...]]:
    """Best CPU seconds and wall seconds of ``runs`` detections, and the points found."""
    best_cpu = best_wall = float("inf")
    points: tuple[float, ...] = ()
    for _ in range(runs):
        cpu, wall = cpu_seconds(resource.RUSAGE_SELF), time.perf_counter()
        points = find_breaks(path).points
        best_cpu = min(best_cpu, cpu_seconds(resource.RUSAGE_SELF) - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, points


def full_decode(ffmpeg: str, path: Path) -> float:
    """CPU seconds of decoding the whole picture on one thread (the cost detection avoids)."""
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    argv = [ffmpeg, "-nostdin", "-v", "error", "-threads", "1", "-i", str(path)]
    subprocess.run([*argv, "-map", "0:v", "-f", "null", "-"], check=True)
    return cpu_seconds(resource.RUSAGE_CHILDREN) - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="clip length (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="detections per clip (best kept)")
    parser.add_argument("--small", action="store_true", help="160x120 instead of the profile")
    parser.add_argument("--clips", type=Path, help="render the clips here (kept for reuse)")
    parser.add_argument("--no-reference", action="store_true", help="skip the full decode")
    args = parser.parse_args(argv)
    ffmpeg = find_ffmpeg().path
    folder = args.clips or Path(tempfile.mkdtemp(prefix="bench-breaks-"))
    ok = True
    print(f"{'clip':<6} {'min':>5} {'breaks':>6} {'CPU-s':>7} {'CPU-s/min':>9} {'wall s':>7}  ref")
    for name, (clip, expected) in clips(args.minutes, args.small).items():
        path = folder / f"{name}-{clip.width}x{clip.height}-{args.minutes:g}min.mp4"
        if not path.exists():
            render_break_clip(ffmpeg, path, clip)
        cpu, wall, points = measure(path, args.runs)
        right = len(points) == len(expected) and all(
            abs(found - want) <= TOLERANCE for found, want in zip(points, expected, strict=True)
        )
        ok = ok and right
        per_minute = cpu / args.minutes
        reference = "" if args.no_reference else f"{full_decode(ffmpeg, path) / args.minutes:.2f}"
        print(
            f"{name:<6} {args.minutes:>5g} {len(points):>4}{'' if right else '!!':<2} {cpu:>7.2f}"
            f" {per_minute:>9.3f} {wall:>7.2f}  {reference}"
        )
        ok = ok and per_minute <= BUDGET
    print(f"budget {BUDGET} CPU-s per media-minute; ref = full picture decode, CPU-s per minute")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
