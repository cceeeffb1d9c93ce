"""Seam timing and stream hygiene (issue 10): ``python -m benchmarks.bench_seams``.

Renders a small library of 2–3 s H.264 (with B-frames) / AAC clips, each with its own tone,
serves it from a real ``retrovue serve`` on 127.0.0.1 as two channels, transcode and copy, and
records both at once for ``--seconds``. In each channel one episode's file is deleted once the
server runs, so the recording also crosses the changeover to the slate and back. Each recording
is read back with ``ffprobe -show_packets`` and reports:

* audio gaps: where an audio packet starts after the previous one ended (count, max, p95 ms);
* video DTS steps that are not one frame: the largest hole (step − frame), how many steps were
  shorter than a frame (the 1-tick steps of a raised offset);
* how far DTS leads PCR at the start and at worst (``tests.support.ts_analysis.decode_leads``).

``--server-tree DIR`` runs the server from another checkout (e.g. a worktree of ``main``) for a
before/after comparison; the analysis is always this tree's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.server_process import running_server
from tests.support.streaming import Capture, fetch, write_config
from tests.support.ts_analysis import decode_leads

PTS_HZ = 90_000
# (title, seconds, tone Hz): several lengths so the seams fall at every phase of the frames
EPISODES = (("One", 2.0, 440), ("Two", 2.5, 550), ("Three", 3.0, 660), ("Four", 2.2, 770))
DOOMED = ("Doomed", 2.0, 880)  # deleted once the server runs: a failed item, slate, back
FILLER = (("Bump", 1.3, 990),)


def render(ffmpeg: str, out: Path, seconds: float, tone_hz: int) -> None:
    """320x240 25 fps H.264 with 2 B-frames and 1 s GOPs, AAC stereo 48 kHz."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-ar", "48000", str(out),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip


def build(ffmpeg: str, root: Path) -> tuple[Path, list[Path]]:
    """The library and config; returns the config and the files to delete once serving."""
    media = root / "media"
    doomed = []
    for show in ("Trans", "Copy"):
        for n, (title, seconds, hz) in enumerate((*EPISODES, DOOMED), start=1):
            path = media / f"TV/{show}/Season 01/{show} - S01E0{n} - {title}.mp4"
            render(ffmpeg, path, seconds, hz)
            if (title, seconds, hz) == DOOMED:
                doomed.append(path)
    for title, seconds, hz in FILLER:
        render(ffmpeg, media / f"Commercials/{title}.mp4", seconds, hz)
    config = write_config(
        root / "retrovue.toml",
        media,
        """
[[channel]]
number = 1
name = "Trans"
shows = ["Trans"]
mode = "transcode"
filler = { items = 1 }

[[channel]]
number = 2
name = "Copy"
shows = ["Copy"]
mode = "copy"
filler = { items = 1 }
""",
    )
    return config, doomed


@dataclass(frozen=True, slots=True)
class Packet:
    kind: str
    pts: int
    dts: int
    duration: int


def packets(ffprobe: str, path: Path) -> list[Packet]:
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "packet=codec_type,pts,dts,duration",
         "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = []
    for line in done.stdout.splitlines():
        kind, pts, dts, duration, *_ = [*line.split(","), "", "", "", ""]
        if kind in ("video", "audio") and pts.isdigit() and dts.isdigit():
            found.append(Packet(kind, int(pts), int(dts), int(duration or 0)))
    return found


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass(frozen=True, slots=True)
class Seams:
    seconds: float
    audio_gaps: list[float]  # ms, every positive hole between audio frames
    video_holes: list[float]  # ms, DTS step − frame, every step longer than a frame
    video_short: int  # DTS steps shorter than a frame
    lead_first: float  # ms
    lead_min: float  # ms

    def row(self, label: str) -> str:
        a, v = self.audio_gaps, self.video_holes
        return (
            f"| {label} | {self.seconds:.0f} | {len(a)} | {max(a, default=0):.1f} | "
            f"{p95(a):.1f} | {len(v)} | {max(v, default=0):.1f} | {p95(v):.1f} | "
            f"{self.video_short} | {self.lead_first:.1f} | {self.lead_min:.1f} |"
        )


def measure(ffprobe: str, body: bytes, path: Path) -> Seams:
    path.write_bytes(body)
    found = packets(ffprobe, path)
    audio = sorted((p for p in found if p.kind == "audio"), key=lambda p: p.pts)
    video = [p for p in found if p.kind == "video"]  # in decoding order
    gaps = [
        (b.pts - a.pts - (a.duration or 1920)) * 1000 / PTS_HZ
        for a, b in zip(audio, audio[1:], strict=False)
    ]
    steps = [b.dts - a.dts for a, b in zip(video, video[1:], strict=False)]
    frame = statistics.median(steps) if steps else 0
    leads = decode_leads(body)
    seconds = (video[-1].dts - video[0].dts) / PTS_HZ if video else 0.0
    return Seams(
        seconds=seconds,
        audio_gaps=[g for g in gaps if g > 0.05],
        video_holes=[(s - frame) * 1000 / PTS_HZ for s in steps if s > frame],
        video_short=sum(1 for s in steps if s < frame),
        lead_first=leads[0].lead * 1000 if leads else float("nan"),
        lead_min=min((x.lead for x in leads), default=float("nan")) * 1000,
    )


HEADER = (
    "| channel | s | audio gaps | max ms | p95 ms | video DTS holes | max ms | p95 ms "
    "| short DTS steps | DTS−PCR first ms | min ms |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="recorded per channel")
    parser.add_argument("--server-tree", type=Path, help="run the server from this checkout")
    parser.add_argument("--keep", type=Path, help="save the recordings in this folder")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg().path
    ffprobe = str(Path(ffmpeg).with_name("ffprobe"))
    if args.server_tree is not None:
        # the server (``python -m hdhr_emulator``) imports from its working directory first,
        # and inherits the environment; this process has imported everything it needs already
        tree = args.server_tree.resolve()
        os.environ["PYTHONPATH"] = str(tree)
        os.chdir(tree)
    with tempfile.TemporaryDirectory(prefix="bench-seams-") as scratch:
        root = Path(scratch)
        config, doomed = build(ffmpeg, root)
        with running_server(
            "--config", config, data_dir=root / "data", command=("serve", "--linger", "1")
        ) as server:
            for path in doomed:
                path.unlink()
            captures: dict[int, Capture] = {}

            def record(channel: int) -> None:
                captures[channel] = fetch(
                    server.port,
                    f"/auto/v{channel}?duration={args.seconds:g}",
                    timeout=args.seconds + 30,
                )

            threads = [threading.Thread(target=record, args=(ch,)) for ch in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        keep = (args.keep or root).resolve()
        keep.mkdir(parents=True, exist_ok=True)
        print(HEADER)
        for channel, label in ((1, "transcode"), (2, "copy")):
            seams = measure(ffprobe, captures[channel].body, keep / f"seams-ch{channel}.ts")
            print(seams.row(label), flush=True)


if __name__ == "__main__":
    main()
