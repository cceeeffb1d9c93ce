"""First-viewer tune-in of two checkouts, interleaved in one sitting: ``python -m
benchmarks.compare_tunein --before /path/to/old/checkout [--config bench.toml] [--rounds 15]``.

``bench_playout`` runs one checkout at a time, and on a shared 2-vCPU machine two runs minutes
apart differ by more than a refactoring could (its transcode p50 moved 40 % between two runs of
the same code). This starts both servers on 127.0.0.1 (``--before`` and this checkout, each with
``python -m hdhr_emulator`` from its own folder) on the same library and config, then alternates
tunes between them (copy and transcode channels, a new session each time: ``--linger 0.5`` and a
1.6 s pause), so load changes hit both alike. It reports the time from the request to the first
188 bytes, p50/p90/min per checkout and mode. The config is the one ``bench_playout`` writes
(channels 1-3 transcode, 21-23 copy); servers are stopped by pid.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHANNELS = {"copy": (21, 22, 23), "transcode": (1, 2, 3)}


def start_server(checkout: Path, port: int, config: Path, data: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "RETROVUE_DATA_DIR"}
    log = open(data / f"server-{port}.log", "wb")  # open as long as the server runs
    argv = [
        sys.executable,
        "-m",
        "hdhr_emulator",
        "--config",
        str(config),
        "--data-dir",
        str(data),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--linger",
        "0.5",
        "--no-hdhr-discovery",
        "--no-ssdp",
        "--no-zeroconf",
        "--rescan-hours",
        "0",
    ]
    process = subprocess.Popen(argv, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/discover.json")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server in {checkout} did not start; see {log.name}")


def first_packet_ms(port: int, channel: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started = time.perf_counter()
    connection.request("GET", f"/auto/v{channel}")
    connection.getresponse().read(188)
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--config", type=Path, required=True, help="bench_playout's bench.toml")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    this = Path(__file__).resolve().parent.parent
    checkouts = {"before": args.before.resolve(), "after": this}
    ports = {"before": 18101, "after": 18102}
    samples: dict[tuple[str, str], list[float]] = {(k, m): [] for k in ports for m in CHANNELS}
    with tempfile.TemporaryDirectory() as scratch:
        servers = {}
        try:
            for name, checkout in checkouts.items():
                data = Path(scratch) / name
                data.mkdir()
                servers[name] = start_server(checkout, ports[name], args.config, data)
            for name in ports:  # warm up both modes once
                for channels in CHANNELS.values():
                    first_packet_ms(ports[name], channels[0])
            time.sleep(2)
            for round_ in range(args.rounds):
                order = ("before", "after") if round_ % 2 else ("after", "before")
                for mode, channels in CHANNELS.items():
                    for name in order:
                        channel = channels[round_ % len(channels)]
                        samples[(name, mode)].append(first_packet_ms(ports[name], channel))
                        time.sleep(1.6)  # past the linger: the next tune starts a new session
        finally:
            for process in servers.values():
                process.send_signal(signal.SIGTERM)
                process.wait(10)
    print(
        "| mode | checkout | tunes | first packet p50 ms | p90 | min |\n|---|---|---|---|---|---|"
    )
    for (name, mode), values in sorted(samples.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        values.sort()
        p90 = values[max(0, int(0.9 * len(values)) - 1)]
        print(
            f"| {mode} | {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{p90:.1f} | {values[0]:.1f} |"
        )


if __name__ == "__main__":
    main()
