"""Overload: tune 1080p veryfast channels one after another and measure each running channel's
speed (media seconds per wall second; below 1.0 its viewers starve once their lead is gone).

``python -m benchmarks.bench_overload --tuners 4 --tuners auto``: with a fixed count every tune
is admitted and, once the CPU is saturated, every channel slows down; with ``auto`` the tune the
CPU cannot encode is refused (503 + 805) and the running channels keep real time. Loopback only;
about 50 s per setting on two cores (uses both on purpose).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.overload import HEAVY_PROFILE, heavy_library, tune_until_refused
from tests.support.server_process import running_server
from tests.support.streaming import write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuners", action="append", help="a --tuners value (repeatable)")
    parser.add_argument("--channels", type=int, default=4, help="tunes at most (default 4)")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds between tunes")
    parser.add_argument("--watch", type=float, default=12.0, help="seconds measured at the end")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg(None).path
    with tempfile.TemporaryDirectory(prefix="bench-overload-") as scratch:
        root = Path(scratch)
        clip = render_clip(ffmpeg, root / "clip.mp4", ClipSpec(10.0))

        def make_clip(path: Path, duration: float) -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(clip.read_bytes())
            return path

        channels = heavy_library(root / "media", args.channels, make_clip)
        config = write_config(root / "retrovue.toml", root / "media", channels, HEAVY_PROFILE)
        print("| --tuners | tune | answer | speed (media s / wall s) |")
        print("|---|---|---|---|")
        for tuners in args.tuners or ["4", "auto"]:
            with running_server(
                "--config",
                config,
                data_dir=root / f"data-{tuners}",
                command=("serve", "--tuners", tuners, "--linger", "1"),
            ) as server:
                tunes, _ = tune_until_refused(server.port, args.channels, args.settle, args.watch)
            for tune in tunes:
                answer = f"{tune.status} {tune.error}".strip()
                speed = f"{tune.speed:.2f}" if tune.status == 200 else "-"
                print(f"| {tuners} | channel {tune.channel} | {answer} | {speed} |", flush=True)


if __name__ == "__main__":
    main()
