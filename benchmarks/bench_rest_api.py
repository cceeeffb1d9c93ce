"""Latency of the REST API with a big lineup: ``python -m benchmarks.bench_rest_api``.

Starts a real ``retrovue serve`` on 127.0.0.1 with ``--channels`` channels (default 500, the
lineup of :mod:`benchmarks.bench_api`: one 3-s clip, slots padded to half an hour, a 1-hour
guide), tunes one channel so ``/api/v1/status`` has a session with a viewer, then times
``--requests`` sequential requests per path over one keep-alive connection (after a warm-up of
10) and prints p50, p95 and the largest time per path. One client, one request at a time: this
is what a console or a script waits, not the server's throughput (``bench_api`` measures that).

``bench_api.py`` measures requests per second of the HDHomeRun JSON documents; this one the time
of one answer of the ``/api/v1`` routes, whose cost grows with the lineup and the window.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench_api import write_library
from tests.support.server_process import running_server
from tests.support.streaming import BackgroundViewer, wait_for


@dataclass(frozen=True, slots=True)
class Timing:
    path: str
    seconds: list[float]
    body_bytes: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def time_path(port: int, path: str, requests: int, warmup: int = 10) -> Timing:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        times: list[float] = []
        size = 0
        for n in range(warmup + requests):
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
            if n >= warmup:
                times.append(elapsed)
                size = len(body)
        return Timing(path, times, size)
    finally:
        conn.close()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def paths(channels: int) -> list[str]:
    middle = max(1, channels // 2)
    now = time.time()
    return [
        "/api/v1/status",
        f"/api/v1/channels/{middle}/schedule",
        f"/api/v1/channels/{middle}/schedule?start={_iso(now)}&end={_iso(now + 24 * 3600)}",
        f"/api/v1/channels/{middle}",
        "/api/v1/channels",
        "/api/v1/guide?hours=3",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_rest_api", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200, help="per path (default 200)")
    parser.add_argument("--work", type=Path, help="keep the library and data here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-rest-api-") as scratch:
        root = args.work or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        config = write_library(root, args.channels)
        started = time.perf_counter()
        with running_server(
            "--config", config, data_dir=root / "data", ready_timeout=300
        ) as server:
            print(f"server up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            with BackgroundViewer(server.port, "/auto/v1", timeout=60) as viewer:
                if not wait_for(lambda: viewer.received() > 0, 60):
                    raise SystemExit("the viewer got no stream")
                results = [time_path(server.port, p, args.requests) for p in paths(args.channels)]
    print(
        f"\n{args.channels} channels, 1 session with 1 viewer, {args.requests} sequential "
        "requests per path (keep-alive)"
    )
    print(f"{'path':<54} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'body':>10}")
    for r in results:
        shown = r.path if len(r.path) <= 54 else r.path[:51] + "..."
        print(
            f"{shown:<54} {1000 * statistics.median(r.seconds):>8.1f} "
            f"{1000 * r.percentile(95):>8.1f} {1000 * max(r.seconds):>8.1f} {r.body_bytes:>9}B"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
