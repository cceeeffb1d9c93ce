"""Even loudness: what items mastered at -14, -23 and -31 LUFS measure on air, and its cost.

``python -m benchmarks.bench_loudness [--items 10] [--seconds 20]``

Renders 720p30 H.264/AAC tone clips at the three levels, measures each once as the scan does
(CPU-s per media-minute of :func:`lineup.loudness.measure_loudness`), then plays a channel of
``--items`` items cycling through the levels with the real per-item transcode argv (default
profile, 1280x720 veryfast) twice, with the -24 LUFS target and with ``loudness = "off"``, and
measures each item's output with ``ebur128``: the spread on air and the ffmpeg CPU per item
(RUSAGE_CHILDREN) with the gain on and off.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hdhr_emulator.playout.ffmpeg_args import transcode_command
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from lineup.loudness import measure_loudness
from lineup.models import ChannelProfile, ItemKind, MediaItem
from lineup.probe import probe
from tests.support.loudness_clips import render_level_clip

LEVELS = (-14.0, -23.0, -31.0)
TARGET = -24.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg().path
    with tempfile.TemporaryDirectory(prefix="bench-loudness-") as folder:
        root = Path(folder)
        items: dict[float, MediaItem] = {}
        measure_cpu = 0.0
        for index, level in enumerate(LEVELS):
            clip = render_level_clip(
                ffmpeg, root / f"tone{index}.mp4", level, args.seconds, "1280x720:rate=30"
            )
            started = time.process_time()
            found = measure_loudness(str(clip))
            measure_cpu += time.process_time() - started
            items[level] = MediaItem(index, str(clip), ItemKind.EPISODE, f"{level:g}",
                                     probe(str(clip)), loudness=found.integrated,
                                     true_peak=found.true_peak)  # fmt: skip
            print(f"clip mastered {level:g} LUFS: measured {found.integrated} LUFS, "
                  f"{found.true_peak} dBTP")  # fmt: skip
        per_minute = measure_cpu / (len(LEVELS) * args.seconds / 60)
        print(f"measurement: {per_minute:.3f} CPU-s per media-minute (PyAV + ebur128, 1 thread)")
        print()
        print("| mode | item | mastered LUFS | output LUFS | output dBTP | ffmpeg CPU-s |")
        print("|---|---|---|---|---|---|")
        for mode, target in (("loudness = -24", TARGET), ('loudness = "off"', None)):
            profile = replace(ChannelProfile(), loudness=target)
            outputs: list[float] = []
            cpu: list[float] = []
            for n in range(args.items):
                level = LEVELS[n % len(LEVELS)]
                argv = transcode_command(ffmpeg, items[level], profile, 0.0, args.seconds)
                out = root / f"out{n}.ts"
                before = children_cpu()
                with out.open("wb") as sink:
                    subprocess.run(argv, stdout=sink, check=True)
                cpu.append(children_cpu() - before)
                found = measure_loudness(str(out))
                assert found.integrated is not None
                outputs.append(found.integrated)
                print(f"| {mode} | {n + 1} | {level:g} | {found.integrated:.2f} | "
                      f"{found.true_peak} | {cpu[-1]:.2f} |")  # fmt: skip
            spread = max(outputs) - min(outputs)
            worst = max(abs(value - TARGET) for value in outputs)
            print(f"| {mode} | all | | spread {spread:.2f} LU, worst {worst:.2f} LU off -24 | "
                  f"| mean {statistics.mean(cpu):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
