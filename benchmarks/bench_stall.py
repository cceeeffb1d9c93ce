"""Dead air when a channel's ffmpeg hangs or dies: ``python -m benchmarks.bench_stall``.

Issue 10, defect 2. Serves a channel of 10 s noise clips at 20 Mbit/s (ffmpeg is held mid-item
by back-pressure, its read-ahead is under 2 s of stream) from a real ``retrovue serve`` on
127.0.0.1, tunes it as a slot starts and, 1.5 s in, SIGSTOPs the on-air ffmpeg for 3, 10 and
30 s (SIGCONT afterwards) or SIGKILLs it. Each fault gets a fresh channel. The ffmpeg is found
under the server's own pid and signalled by pid. Prints, per fault: the longest wall-clock wait
between received bytes, the longest hole between frames in media time, how far the stream fell
behind real time (PCR vs arrival), decode errors (``ffmpeg -v error ... -f null -``), timestamp
backsteps, and video/audio frames before and after the fault. ``--load`` repeats everything
with both cores busy (``stress-ng --cpu 2``, started and stopped by pid). Targets: ≤ 1.0 s
without bytes, 0 decode errors, 0 backsteps.

The measurement itself is :func:`tests.support.stall.record_fault` + :func:`judge`: give it a
port, a channel path and a way to find the pid (``on_air_ffmpeg``), e.g. from a fault harness.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.server_process import RunningServer, running_server
from tests.support.stall import StallStats, fault_noise_channel, judge, write_noise_channels

TARGET_GAP = 1.0


@contextlib.contextmanager
def stall_server(root: Path, ffmpeg: str, channels: int) -> Iterator[RunningServer]:
    config = write_noise_channels(root, ffmpeg, range(1, channels + 1))
    with running_server(
        "--config", config, data_dir=root / "data", command=("serve", "--linger", "1")
    ) as server:
        yield server


@contextlib.contextmanager
def cpu_load(on: bool) -> Iterator[None]:
    """Both cores busy (stress-ng), stopped by its pid however the block ends."""
    if not on:
        yield
        return
    stress = shutil.which("stress-ng")
    if stress is None:
        raise SystemExit("--load needs stress-ng")
    process = subprocess.Popen(
        [stress, "--cpu", "2", "--timeout", "600"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def measure(
    server: RunningServer, ffmpeg: str, scratch: Path, channel: int, action: str, hold: float
) -> StallStats:
    """One fault on a fresh channel (see :func:`tests.support.stall.fault_noise_channel`)."""
    capture, fault, _ = fault_noise_channel(server, channel, action, hold, timeout=60)
    return judge(capture, fault, ffmpeg, scratch / f"rec-{channel}.ts")


def row(label: str, load: str, stats: StallStats) -> str:
    errors = len(stats.decode_errors)
    return (
        f"| {label:<12} | {load:<5} | {stats.byte_gap:5.2f} | {stats.media_gap:5.3f} | "
        f"{stats.lateness:5.2f} | {errors:6d} | {stats.backsteps:9d} | "
        f"{stats.before[0]}/{stats.before[1]:<5} | {stats.after[0]}/{stats.after[1]:<5} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holds", type=float, nargs="*", default=[3.0, 10.0, 30.0])
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL case")
    parser.add_argument("--load", action="store_true", help="also with both cores busy")
    args = parser.parse_args(argv)
    ffmpeg = find_ffmpeg().path
    faults = [(f"SIGSTOP {h:g} s", "stop", h) for h in args.holds]
    if not args.no_kill:
        faults.append(("SIGKILL", "kill", 0.0))
    loads = [False, True] if args.load else [False]
    print(
        "| fault        | load  | max wait for bytes (s) | max media hole (s) | behind real time"
        " (s) | decode errors | PTS/PCR backsteps | frames before v/a | frames after v/a |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp:
        root = Path(tmp)
        with stall_server(root, ffmpeg, len(faults) * len(loads)) as server:
            channel = 0
            for loaded in loads:
                with cpu_load(loaded):
                    for label, action, hold in faults:
                        channel += 1
                        stats = measure(server, ffmpeg, root, channel, action, hold)
                        print(row(label, "busy" if loaded else "idle", stats), flush=True)
                        worst = max(worst, stats.byte_gap)
                        failed |= bool(stats.decode_errors) or stats.backsteps > 0
                        failed |= stats.fault is None or min(stats.after) == 0
    print(f"longest wait for bytes: {worst:.2f} s (target {TARGET_GAP:.1f} s)")
    if failed or worst > TARGET_GAP:
        sys.exit(1)


if __name__ == "__main__":
    main()
