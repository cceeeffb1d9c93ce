"""How much CPU the TS splicer costs per channel: ``python -m benchmarks.bench_splicer``.

Renders about 10 s of real 720p25 MPEG-TS at ~4 Mbit/s with ffmpeg (H.264 with B-frames, AAC,
our playout muxer options), then times ``Splicer.feed`` over it in 84 224-byte reads (64 x 1316,
the size the playout reads from ffmpeg), as successive items, several rounds. Also times the
other per-packet stages a channel runs (PacketBuffer reassembly, GopCache) and ``analyse``.
Reports CPU time per packet (median round) and the share of one core that a 4 Mbit/s channel
implies (4e6 / 8 / 188 = 2660 packets/s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.playout.ts import CHUNK, PACKET_SIZE, GopCache, PacketBuffer, Splicer
from tests.support.ts_analysis import analyse

READ = 64 * CHUNK
TS_ARGS = [
    "-f", "mpegts", "-mpegts_start_pid", "256", "-mpegts_pmt_start_pid", "4096",
    "-mpegts_service_id", "1", "-muxdelay", "0", "-muxpreload", "0", "-pcr_period", "40",
]  # fmt: skip


def render(ffmpeg: str, out: Path, seconds: float, bitrate: str) -> bytes:
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-sc_threshold", "0",
        "-flags", "+cgop", "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
        *TS_ARGS, str(out),
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=300)
    return out.read_bytes()


def cpu_per_packet(action: Callable[[], object], packets: int, rounds: int) -> float:
    """Median CPU microseconds per packet over ``rounds`` runs of ``action``."""
    costs = []
    for _ in range(rounds):
        started = time.process_time_ns()
        action()
        costs.append((time.process_time_ns() - started) / packets / 1000)
    return statistics.median(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="media rendered")
    parser.add_argument("--bitrate", default="3800k", help="video bitrate (plus 128k audio)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--items", type=int, default=3, help="the media spliced this many times")
    args = parser.parse_args()

    ffmpeg = find_ffmpeg().path
    with tempfile.TemporaryDirectory() as folder:
        data = render(ffmpeg, Path(folder) / "bench.ts", args.seconds, args.bitrate)
    packets = len(data) // PACKET_SIZE
    mbit = len(data) * 8 / args.seconds / 1e6
    print(
        f"input: {args.seconds:g} s of 720p25 TS, {packets} packets, {mbit:.2f} Mbit/s, "
        f"spliced {args.items}x per round, {args.rounds} rounds"
    )
    reads = [data[at : at + READ] for at in range(0, len(data), READ)]

    def splice() -> None:
        splicer = Splicer()
        for _ in range(args.items):
            splicer.start_item()
            for read in reads:
                splicer.feed(read)

    def reassemble() -> None:
        buffer = PacketBuffer()
        for _ in range(args.items):
            for read in reads:
                buffer.feed(read)

    spliced: list[tuple[bytes, tuple[int, ...]]] = []
    splicer = Splicer()
    for _ in range(args.items):
        splicer.start_item()
        for read in reads:
            spliced.append((splicer.feed(read), splicer.keyframe_offsets))

    def cache() -> None:
        gop = GopCache()
        for chunk, keyframes in spliced:
            gop.feed(chunk, keyframes)

    total = packets * args.items
    per_second = 4e6 / 8 / PACKET_SIZE
    results = {
        "Splicer.feed": cpu_per_packet(splice, total, args.rounds),
        "PacketBuffer.feed": cpu_per_packet(reassemble, total, args.rounds),
        "GopCache.feed (offsets from the splicer)": cpu_per_packet(cache, total, args.rounds),
        "analyse (test/benchmark checker)": cpu_per_packet(lambda: analyse(data), packets, 3),
    }
    for label, micros in results.items():
        share = micros * per_second / 1e6 * 100
        print(f"{label:<42} {micros:6.3f} us/packet  {share:5.2f} % of a core at 4 Mbit/s")
    chain = sum(v for k, v in results.items() if not k.startswith("analyse"))
    print(
        f"{'per channel (reassemble + splice + cache)':<42} {chain:6.3f} us/packet  "
        f"{chain * per_second / 1e4:5.2f} % of a core at 4 Mbit/s"
    )
    report = analyse(b"".join(chunk for chunk, _ in spliced))
    print(
        f"check: {report.packets} packets spliced, {report.cc_error_total} CC errors, "
        f"video DTS strictly increasing: {report.video and report.video.dts_strictly_increasing}"
    )


if __name__ == "__main__":
    main()
