"""Requests per second of the HDHomeRun JSON API: ``python -m benchmarks.bench_api``.

Starts a real ``retrovue serve`` on 127.0.0.1 (``tests/hdhr_emulator/server_process``) with a
lineup of ``--channels`` channels (default 500: one 3-s test clip shared by every channel, each
slot padded to half an hour, a 1-hour guide, so start-up stays quick), then loads
``/discover.json`` and ``/lineup.json`` with a load generator on loopback:

* ``wrk`` (Debian package ``wrk``) when installed, else a Python asyncio client; ``--client``
  picks one. Both keep connections alive over ``--connections`` concurrent connections.
* ``--close`` adds a run per path with ``Connection: close``: a new TCP connection per request,
  as Plex's HTTP/1.0 API calls do.

The server is one Python process; on a small machine the load generator competes with it for
CPU, so the numbers are a floor. Each run is preceded by a one-second warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.server_process import running_server

PATHS = ("/discover.json", "/lineup.json")


@dataclass(frozen=True, slots=True)
class Result:
    path: str
    client: str
    keep_alive: bool
    requests: int
    seconds: float
    errors: int
    read_bytes: int  # headers + bodies

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def write_library(root: Path, channels: int) -> Path:
    """One real clip and a config of ``channels`` channels airing it, padded to :00/:30."""
    ffmpeg = find_ffmpeg()
    clip = root / "media/TV/Test Card/Season 01/Test Card - S01E01 - Bars.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    render_clip(ffmpeg.path, clip, ClipSpec(3.0))
    lines = [
        f'media = ["{root / "media"}"]',
        "horizon_hours = 1",
        '[profile]\nresolution = "320x240"\npreset = "ultrafast"',
    ]
    for number in range(1, channels + 1):
        lines.append(
            f'[[channel]]\nnumber = {number}\nname = "Channel {number} & Friends"\n'
            f'shows = ["Test Card"]\n[channel.filler]\npad_minutes = 30'
        )
    config = root / "retrovue.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


# -- load generators -----------------------------------------------------------------------------
_WRK_REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_WRK_BYTES = re.compile(r"([\d.]+)([KMG]?)B read")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
_SIZES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def wrk_argv(
    wrk: str, url: str, seconds: float, connections: int, threads: int, keep_alive: bool
) -> list[str]:
    argv = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency"]
    if not keep_alive:
        argv += ["-H", "Connection: close"]
    return [*argv, url]


def run_wrk(argv: list[str], path: str, keep_alive: bool) -> Result:
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    out = done.stdout
    count, amount, unit = _WRK_REQUESTS.search(out).groups()  # type: ignore[union-attr]
    errors = sum(map(int, m.groups())) if (m := _WRK_ERRORS.search(out)) else 0
    errors += int(m[1]) if (m := _WRK_NON_2XX.search(out)) else 0
    size = _WRK_BYTES.search(out)
    read = int(float(size[1]) * _SIZES[size[2]]) if size else 0
    return Result(path, "wrk", keep_alive, int(count), float(amount) * _UNITS[unit], errors, read)


async def _one_connection(
    port: int, request: bytes, deadline: float, keep_alive: bool, counts: list[int]
) -> None:
    """Send requests back to back until ``deadline``; counts = [requests, errors, bytes]."""
    loop = asyncio.get_running_loop()
    reader = writer = None
    try:
        while loop.time() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            ok = head.startswith(b"HTTP/1.1 200")
            counts[0] += ok
            counts[1] += not ok
            counts[2] += len(head) + length
            if not keep_alive:
                writer.close()
                await writer.wait_closed()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def _python_load(
    port: int, path: str, seconds: float, connections: int, keep_alive: bool
) -> tuple[int, int, int, float]:
    connection = "keep-alive" if keep_alive else "close"
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: {connection}\r\n\r\n"
    counts = [0, 0, 0]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(
        *(
            _one_connection(port, request.encode(), started + seconds, keep_alive, counts)
            for _ in range(connections)
        )
    )
    return counts[0], counts[1], counts[2], loop.time() - started


def run_python(port: int, path: str, seconds: float, connections: int, keep_alive: bool) -> Result:
    ok, errors, read, elapsed = asyncio.run(
        _python_load(port, path, seconds, connections, keep_alive)
    )
    return Result(path, "python", keep_alive, ok, elapsed, errors, read)


# -- main ----------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_api", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0, help="per run (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--close",
        action="store_true",
        help="also measure a new connection per request (Plex's HTTP/1.0)",
    )
    parser.add_argument("--work", type=Path, help="keep the library and data here")
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    client = args.client if args.client != "auto" else ("wrk" if wrk else "python")
    if client == "wrk" and wrk is None:
        parser.error("wrk is not installed (apt-get install wrk), use --client python")

    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        root = args.work or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        config = write_library(root, args.channels)
        started = time.perf_counter()
        with running_server(
            "--config", config, data_dir=root / "data", ready_timeout=300
        ) as server:
            print(
                f"server up in {time.perf_counter() - started:.1f} s "
                f"(pid {server.process.pid}, {server.base_url})",
                file=sys.stderr,
            )
            with urllib.request.urlopen(f"{server.base_url}/lineup.json", timeout=10) as reply:
                lineup = json.load(reply)
            assert len(lineup) == args.channels, f"{len(lineup)} channels"
            results = []
            modes = [True, False] if args.close else [True]
            for path in PATHS:
                for keep_alive in modes:
                    url = f"{server.base_url}{path}"
                    if client == "wrk":
                        assert wrk is not None
                        run_wrk(
                            wrk_argv(wrk, url, 1, args.connections, args.threads, keep_alive),
                            path,
                            keep_alive,
                        )  # warm-up
                        command = wrk_argv(
                            wrk, url, args.seconds, args.connections, args.threads, keep_alive
                        )
                        print("$ " + " ".join(command), file=sys.stderr)
                        results.append(run_wrk(command, path, keep_alive))
                    else:
                        run_python(server.port, path, 1, args.connections, keep_alive)
                        results.append(
                            run_python(
                                server.port, path, args.seconds, args.connections, keep_alive
                            )
                        )
            print(
                f"\n{args.channels} channels, {args.connections} connections, "
                f"{args.seconds:g} s per run, client {client}"
            )
            print(
                f"{'path':<16} {'connection':<11} {'req/s':>9} {'requests':>9} "
                f"{'errors':>6} {'read/req':>9}"
            )
            for r in results:
                per = r.read_bytes / r.requests if r.requests else 0
                print(
                    f"{r.path:<16} {'keep-alive' if r.keep_alive else 'close':<11} "
                    f"{r.rate:>9.0f} {r.requests:>9} {r.errors:>6} {per:>8.0f}B"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
