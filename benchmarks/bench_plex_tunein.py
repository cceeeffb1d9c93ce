"""Tune-in through Plex: a mapped local file vs ffmpeg reading the part through our proxy.

    python -m benchmarks.bench_plex_tunein --tunes 15
    python -m benchmarks.bench_plex_tunein --latency 0.005     # a stand-in 5 ms away

A stand-in PMS (``tests/plex_standin.py``) serves one show of four 30-s 1280x720p30 H.264/AAC
episodes with 8.3-s GOPs (like typical library files). Two ``retrovue serve`` runs on 127.0.0.1
import it: one with a ``path_map`` that makes the files readable here, one without (ffmpeg then
reads each part through ``/internal/plex/…``, which fetches it from the stand-in with the token
in a header). Each tune is a NEW session (``--linger 0.5``; the harness waits for the last one to
stop): request → first body byte and → first video keyframe, p50/p95, plus what the stand-in
served. Both runs go in one process, one after the other, so compare their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._playout_lab import pct, render_command
from benchmarks._stream_client import Capture, watch
from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.plex_standin import (
    STANDIN_TOKEN,
    Episode,
    Part,
    PlexStandin,
    Season,
    Section,
    Show,
    StandinLibrary,
)
from tests.support.server_process import running_server
from tests.support.streaming import ffmpeg_children

EPISODES, SECONDS, GOP = 4, 30.0, 250


def build(root: Path, ffmpeg: str) -> StandinLibrary:
    season = Season(rating_key=11, index=1)
    for n in range(1, EPISODES + 1):
        local = root / f"Bench/Season 01/Bench - S01E{n:02d}.mp4"
        local.parent.mkdir(parents=True, exist_ok=True)
        spec = ClipSpec(SECONDS, f"Bench S01E{n:02d}", 300 + 100 * n, 1280, 720, 30)
        subprocess.run(render_command(ffmpeg, local, spec, GOP), check=True, capture_output=True)
        part = Part(
            id=100 + n,
            file=f"/data/Bench/Season 01/{local.name}",
            local_path=local,
            width=1280,
            height=720,
            frame_rate=30.0,
        )
        season.episodes.append(
            Episode(
                rating_key=20 + n,
                index=n,
                title=f"Episode {n}",
                part=part,
                duration=int(SECONDS * 1000),
            )
        )
    library = StandinLibrary()
    library.sections.append(Section(key=1, title="TV Shows", type="show", location="/data"))
    library.shows.append(Show(rating_key=10, title="Bench", section_key=1, seasons=[season]))
    return library


def config(folder: Path, url: str, root: Path | None) -> Path:
    token = folder / "plex.token"
    token.write_text(STANDIN_TOKEN)
    os.chmod(token, 0o600)
    mapping = f'path_map = {{ "/data" = "{root}" }}\n' if root else ""
    path = folder / ("mapped.toml" if root else "proxied.toml")
    path.write_text(
        f'horizon_hours = 2\n[[plex]]\nurl = "{url}"\ntoken_file = "plex.token"\n{mapping}'
    )
    return path


async def wait_until(predicate: Callable[[], object], within: float, every: float = 0.05) -> bool:
    """Poll ``predicate`` every ``every`` s until it is true (True) or ``within`` s have passed
    (False)."""
    deadline = time.monotonic() + within
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


async def tunes(port: int, pid: int, count: int) -> list[Capture]:
    out = []
    for _ in range(count):
        await wait_until(lambda: not ffmpeg_children(pid), within=10)  # the last session stopped
        capture = await watch(
            port, "/auto/v1", lambda c, now: c.first_idr_at is not None, within=15
        )
        if capture.first_idr_at is None:
            raise SystemExit(f"no keyframe: {capture.error}")
        out.append(capture)
        await asyncio.sleep(0.6)  # past --linger
    return out


def row(label: str, captures: list[Capture], served: str) -> str:
    first = [(c.first_byte_at or 0) - c.started for c in captures]
    idr = [(c.first_idr_at or 0) - c.started for c in captures]
    return (
        f"| {label} | {len(captures)} | {statistics.median(first) * 1000:.0f} / "
        f"{pct(first, 0.95) * 1000:.0f} | {statistics.median(idr) * 1000:.0f} / "
        f"{pct(idr, 0.95) * 1000:.0f} | {served} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tunes", type=int, default=15)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    ffmpeg = find_ffmpeg().path
    with tempfile.TemporaryDirectory(prefix="bench-plex-tunein-") as tmp:
        folder = Path(tmp)
        root = folder / "media"
        library = build(root, ffmpeg)
        print(
            "| source | tunes | first byte p50 / p95 ms | first keyframe p50 / p95 ms "
            "| stand-in served |"
        )
        print("|---|---:|---:|---:|---|")
        with PlexStandin(library, latency=args.latency) as standin:
            for label, mapped in (("mapped local file", root), ("Plex part via proxy", None)):
                cfg = config(folder, standin.url, mapped)
                data = folder / f"data-{'mapped' if mapped else 'proxied'}"
                with running_server(
                    "--config", cfg, data_dir=data, command=("serve", "--linger", "0.5")
                ) as server:
                    standin.requests.clear()
                    captures = asyncio.run(tunes(server.port, server.process.pid, args.tunes))
                    parts = [
                        r
                        for r in standin.requests.snapshot()
                        if r.path.startswith("/library/parts/")
                    ]
                    print(row(label, captures, f"{len(parts)} part requests"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
