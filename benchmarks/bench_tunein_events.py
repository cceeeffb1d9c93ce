"""Tune-in with and without a console watching: ``python -m benchmarks.bench_tunein_events
[--work DIR] [--rounds 20]``.

A web console keeps ``/api/v1/events`` open and polls ``/api/v1/status`` every 2 s. Publishing
an event is meant to cost the tune-in nothing measurable: the bus never waits for a listener,
and the SSE route only formats a frame per event. This measures it on one server (this
checkout, on ``bench_playout``'s library and lineup, rendered under ``--work`` if missing):
first-viewer tunes, a NEW session each time (``--linger 0.5`` and a 1.6 s pause), on the
transcode 720p and copy channels, alternating per tune between "quiet" (nobody listening) and
"console" (an SSE client connected and a 2-s status poll running, started 0.5 s before the
tune), the order swapped every round so load changes hit both alike. It reports request →
first 188 bytes p50/p90/min per mode and condition, and, for the console tunes, the server's
own tune-in latency from the ``tune`` event (request → first write) as a cross-check, and
what one ``publish`` costs in process (the metrics tap, the SSE history, 0/1/10 listeners).
The server is stopped by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.client
import signal
import statistics
import tempfile
import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks._playout_lab import COPY, T720, build_library, write_config
from benchmarks.compare_tunein import first_packet_ms, start_server
from hdhr_emulator.events import LISTENER_BACKLOG, EventBus, EventKind
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.server.metrics import StationMetrics
from tests.support.sse import SseReader

PORT = 18131
CHANNELS = {"copy": COPY, "transcode 720p": T720}
POLL_SECONDS = 2.0


class Console:
    """What a console tab does: the event stream open, and a status poll every 2 s."""

    def __init__(self, port: int):
        self.port = port
        self.sse = SseReader(f"http://127.0.0.1:{port}/api/v1/events")
        self.polls: dict[int, int] = {}  # status code → count
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="status poll", daemon=True)

    def __enter__(self) -> Console:
        self.sse.__enter__()
        self._poller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._poller.join(10)
        self.sse.close()

    def _poll(self) -> None:
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            connection.request("GET", "/api/v1/status")
            response = connection.getresponse()
            response.read()
            self.polls[response.status] = self.polls.get(response.status, 0) + 1
            connection.close()
            if self._stop.wait(POLL_SECONDS):
                return


def console_tune(port: int, channel: int) -> tuple[float, float | None, dict[int, int]]:
    """A tune with a console watching: client ms, the server's ``tune`` latency ms, polls."""
    with Console(port) as console:
        time.sleep(0.5)
        client = first_packet_ms(port, channel)
        seen = console.sse.wait_for_event("tune", 5)
        tunes = console.sse.events("tune")
        server = tunes[-1]["data"]["latency_s"] * 1000 if seen and tunes else None
        return client, server, dict(console.polls)


def publish_cost(listeners: int, events: int = 20_000) -> float:
    """µs per ``bus.publish`` of a tune event with the metrics tap, the SSE route's history tap
    and ``listeners`` listeners registered (each gets it queued; nobody reads meanwhile)."""

    async def run() -> float:
        bus = EventBus()
        StationMetrics(bus)
        bus.tap(collections.deque(maxlen=LISTENER_BACKLOG).append)
        async with AsyncExitStack() as stack:
            for _ in range(listeners):
                await stack.enter_async_context(bus.listen())
            started = time.perf_counter()
            for _ in range(events):
                bus.publish(EventKind.TUNE, 5, address="127.0.0.1", tuner=0, latency_s=0.2)
            return (time.perf_counter() - started) / events * 1e6

    return asyncio.run(run())


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, int(0.9 * len(ordered)) - 1)]
    return f"{len(ordered)} | {statistics.median(ordered):.1f} | {p90:.1f} | {ordered[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "retrovue-bench-playout"
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--source-gop", type=int, default=250)
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    library = build_library(find_ffmpeg().path, work, args.source_gop)
    run_dir = work / f"run-events-{library.name}"
    run_dir.mkdir(exist_ok=True)
    config = write_config(run_dir / "bench.toml", library)
    checkout = Path(__file__).resolve().parent.parent
    client: dict[tuple[str, str], list[float]] = {}
    server_ms: dict[str, list[float]] = {}
    polls: dict[int, int] = {}
    with tempfile.TemporaryDirectory(dir=run_dir) as data:
        process = start_server(checkout, PORT, config, Path(data))
        try:
            for channels in CHANNELS.values():  # warm up both modes once
                first_packet_ms(PORT, channels[0])
            time.sleep(2)
            for round_ in range(args.rounds):
                order = ("quiet", "console") if round_ % 2 else ("console", "quiet")
                for mode, channels in CHANNELS.items():
                    channel = channels[round_ % len(channels)]
                    for condition in order:
                        if condition == "quiet":
                            ms = first_packet_ms(PORT, channel)
                        else:
                            ms, server, counted = console_tune(PORT, channel)
                            if server is not None:
                                server_ms.setdefault(mode, []).append(server)
                            for status, n in counted.items():
                                polls[status] = polls.get(status, 0) + n
                        client.setdefault((mode, condition), []).append(ms)
                        time.sleep(1.6)  # past the linger: the next tune starts a new session
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    print("| mode | condition | tunes | first packet p50 ms | p90 | min |")
    print("|---|---|---|---|---|---|")
    for (mode, condition), values in sorted(client.items()):
        print(f"| {mode} | {condition} | {summary(values)} |")
    for mode, values in sorted(server_ms.items()):
        print(f"| {mode} | console: server's tune event | {summary(values)} |")
    print(f"\nstatus polls by HTTP status: {polls}")
    costs = ", ".join(f"{n} listeners {publish_cost(n):.1f} µs" for n in (0, 1, 10))
    print(f"one publish (metrics tap, SSE history, listeners' queues): {costs}")


if __name__ == "__main__":
    main()
