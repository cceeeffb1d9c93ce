"""Short connections against a server at a low descriptor limit: ``python -m
benchmarks.bench_descriptors [--before /path/to/old/checkout] [--nofile 1024] [--requests 1300]``.

The reproduction of issue #10's descriptor exhaustion (1 300 ``curl`` requests to
``/discover.json``): a ``retrovue serve`` on 127.0.0.1 with an empty library, started with
RLIMIT_NOFILE = ``--nofile`` (soft and hard), first gets ``--idle`` keep-alive clients that ask
once and stay connected, then ``--requests`` sequential requests, each on a new connection that
the client closes after the answer (as ``curl`` does). It prints, per checkout: failed requests,
the server's peak descriptors, how long until the idle connections were closed by the server,
the log's size and its ``Too many open files`` lines. A request that gets no answer in 10 s
fails; after 5 failures the burst stops. Servers are stopped by pid.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def limit(count: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return apply


def start(checkout: Path, port: int, data: Path, nofile: int) -> subprocess.Popen[bytes]:
    (data / "media").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "RETROVUE_DATA_DIR"}
    env["PYTHONPATH"] = str(checkout)
    argv = [sys.executable, "-m", "hdhr_emulator", "--data-dir", str(data / "data")]
    argv += ["--media", str(data / "media"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--no-hdhr-discovery", "--no-ssdp", "--no-zeroconf"]
    with open(data / "server.log", "wb") as log:
        server = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=checkout,
            preexec_fn=limit(nofile),
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/discover.json", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"server in {checkout} did not start; see {data / 'server.log'}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def ask(sock: socket.socket) -> bool:
    sock.sendall(b"GET /discover.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
    return data.startswith(b"HTTP/1.1 200")


def short_request(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            return ask(sock)
    except OSError:
        return False


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def idle_hold(port: int, pid: int, count: int) -> float:
    """Seconds until the server closed ``count`` idle keep-alive connections (60 at most)."""
    baseline = descriptors(pid)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    try:
        for client in clients:
            ask(client)
        start = time.monotonic()
        while descriptors(pid) > baseline + 2 and time.monotonic() - start < 60:
            time.sleep(0.1)
        return time.monotonic() - start
    finally:
        for client in clients:
            client.close()


def measure(checkout: Path, nofile: int, requests: int, idle: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="rv-fd-") as tmp:
        port = free_port()
        server = start(checkout, port, Path(tmp), nofile)
        try:
            held = idle_hold(port, server.pid, idle)
            failures, peak, sent = 0, 0, 0
            began = time.monotonic()
            for sent in range(1, requests + 1):  # noqa: B007 (sent is reported)
                failures += not short_request(port)
                if sent % 20 == 0:
                    peak = max(peak, descriptors(server.pid))
                if failures >= 5:
                    break
            elapsed = time.monotonic() - began
        finally:
            stop(server)
        log = (Path(tmp) / "server.log").read_text(errors="replace")
    return {
        "checkout": str(checkout),
        "requests": sent,
        "failed": failures,
        "seconds": round(elapsed, 1),
        "peak_fds": peak,
        "idle_closed_after_s": round(held, 1),
        "log_bytes": len(log),
        "emfile_lines": log.count("Too many open files"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="an older checkout to measure first")
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--requests", type=int, default=1300)
    parser.add_argument("--idle", type=int, default=50, help="idle keep-alive clients")
    args = parser.parse_args()
    for checkout in [args.before, HERE] if args.before else [HERE]:
        print(json.dumps(measure(checkout.resolve(), args.nofile, args.requests, args.idle)))


if __name__ == "__main__":
    main()
