"""What colour conversion costs an item: ``python -m benchmarks.bench_colour``.

For each kind of source (BT.709 720p: no conversion; BT.601 480p, full-range 720p, BT.2020 PQ
10-bit 720p: converted), a ``--seconds`` clip is generated once, then played ``--rounds`` times
by the real item argv (``transcode_command``, the default 1280x720 profile) into a pipe, as
playout does: time to the first TS byte and to the first 64 KiB (the tune-in path), and the
ffmpeg process's CPU seconds per media second (user + sys, from ``wait4``). Rounds alternate
between the kinds so that load from other work on the machine falls on all of them alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.playout.colour import colour_filter
from hdhr_emulator.playout.ffmpeg_args import transcode_command
from lineup.models import ChannelProfile, ItemKind, MediaItem
from lineup.probe import probe

_FIRST_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    size: str
    args: tuple[str, ...]


SOURCES = (
    Source("bt709 720p (no conversion)", "1280x720", ("-pix_fmt", "yuv420p", "-colorspace",
           "bt709", "-color_primaries", "bt709", "-color_trc", "bt709")),
    Source("bt601 480p", "720x480", ("-pix_fmt", "yuv420p", "-colorspace", "smpte170m",
           "-color_primaries", "smpte170m", "-color_trc", "smpte170m")),
    Source("full range 720p", "1280x720", ("-pix_fmt", "yuv420p", "-colorspace", "bt709",
           "-color_range", "pc")),
    Source("HDR PQ bt2020 720p 10-bit", "1280x720", ("-pix_fmt", "yuv420p10le", "-colorspace",
           "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "smpte2084")),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Run:
    first_byte_ms: float
    first_chunk_ms: float
    cpu_per_media_s: float


def _make(source: Source, seconds: float, folder: Path) -> MediaItem:
    path = folder / f"{source.name.split()[0]}-{source.size}.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=s={source.size}:r=30000/1001:d={seconds}", "-f", "lavfi", "-i",
         f"sine=f=440:d={seconds}", "-c:v", "libx264", "-preset", "veryfast", "-g", "250",
         *source.args, "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return MediaItem(id=1, path=str(path), kind=ItemKind.MOVIE, title=source.name, info=probe(path))


def _play(item: MediaItem, seconds: float) -> Run:
    argv = transcode_command("ffmpeg", item, ChannelProfile(), 0.0, seconds)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    first = proc.stdout.read(188)
    first_byte = time.perf_counter() - start
    got = len(first)
    while got < _FIRST_CHUNK:
        chunk = proc.stdout.read1(_FIRST_CHUNK)
        if not chunk:
            break
        got += len(chunk)
    first_chunk = time.perf_counter() - start
    while proc.stdout.read1(1 << 20):
        pass
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    assert proc.returncode == 0, f"ffmpeg exited {proc.returncode}"
    cpu = usage.ru_utime + usage.ru_stime
    return Run(first_byte * 1000, first_chunk * 1000, cpu / seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        items = [_make(s, args.seconds, Path(tmp)) for s in SOURCES]
        runs: dict[str, list[Run]] = {s.name: [] for s in SOURCES}
        for _ in range(args.rounds):
            for source, item in zip(SOURCES, items, strict=True):
                runs[source.name].append(_play(item, args.seconds))
    print("| source | filter | first byte p50 (ms) | first 64 KiB p50 (ms) | CPU s per media s |")
    print("|---|---|---|---|---|")
    for source, item in zip(SOURCES, items, strict=True):
        done = runs[source.name]
        kind = colour_filter(item.info).split("=", 1)[0] or "none"
        if "tonemap" in colour_filter(item.info):
            kind = "zscale+tonemap"
        print(
            f"| {source.name} | {kind} "
            f"| {statistics.median(r.first_byte_ms for r in done):.0f} "
            f"| {statistics.median(r.first_chunk_ms for r in done):.0f} "
            f"| {statistics.median(r.cpu_per_media_s for r in done):.3f} |"
        )


if __name__ == "__main__":
    main()
