"""Descriptor exhaustion: a real ``retrovue serve`` started under ``ulimit -n 256`` (soft and
hard), hammered on 127.0.0.1 with short connections and keep-alive clients that go idle.

The budget for 256 descriptors (:class:`ConnectionBudget`): served up to 144 open connections,
503 up to 192, closed unanswered past that, 64 descriptors left for files and ffmpeg.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.server.connection_gate import ConnectionGate
from hdhr_emulator.server.descriptors import ConnectionBudget
from hdhr_emulator.server.log_limiter import OncePerPeriod
from hdhr_emulator.server.runner import install_resource_error_handler
from tests.support.server_process import RunningServer, running_server

NOFILE = 256
BUDGET = ConnectionBudget.for_limit(NOFILE)
PROFILE = '[profile]\nresolution = "320x240"\npreset = "ultrafast"\n'


# -- helpers ------------------------------------------------------------------------------------
def send_request(sock: socket.socket, path: str) -> None:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def read_status(sock: socket.socket) -> int | None:
    """The status of the response on ``sock`` (its body read off too); None when the server
    closed or reset the connection without answering."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            data += chunk
    except ConnectionResetError:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1])


def keep_alive_client(port: int, path: str = "/discover.json") -> tuple[socket.socket, int | None]:
    """A client that asks once over HTTP/1.1 and keeps the connection, idle."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    send_request(sock, path)
    return sock, read_status(sock)


def short_request(port: int, path: str = "/discover.json") -> int | None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        send_request(sock, path)
        return read_status(sock)


def hammer(port: int, count: int, workers: int = 8) -> list[int | None]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda _: short_request(port), range(count)))


def closed_by_server(sockets: list[socket.socket], timeout: float) -> float:
    """Seconds until the server closed every socket in ``sockets`` (inf after ``timeout``)."""
    start = time.monotonic()
    waiting = list(sockets)
    while waiting:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            return float("inf")
        sock = waiting[-1]
        sock.settimeout(left)
        try:
            if sock.recv(1):
                raise AssertionError("an idle keep-alive connection got unexpected bytes")
        except TimeoutError:
            return float("inf")
        except ConnectionResetError:
            pass
        waiting.pop()
    return time.monotonic() - start


def stream_bytes(port: int, seconds: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET /auto/v1?duration={seconds} HTTP/1.0\r\n\r\n".encode())  # unchunked
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.split()[1] == b"200", head
    return body


def open_descriptors(server: RunningServer) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def descriptors_settle(server: RunningServer, at_most: int, timeout: float) -> float:
    """Seconds until the server holds at most ``at_most`` descriptors (inf after ``timeout``)."""
    start = time.monotonic()
    while open_descriptors(server) > at_most:
        if time.monotonic() - start > timeout:
            return float("inf")
        time.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
def limited_server(
    tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> Iterator[RunningServer]:
    media = tmp_path / "media/TV/Cheers/Season 01"
    media.mkdir(parents=True)
    shutil.copyfile(clip_cache(ClipSpec(3.0), "mp4"), media / "Cheers - S01E01 - Pilot.mp4")
    config = tmp_path / "retrovue.toml"
    config.write_text(f'media = ["{tmp_path / "media"}"]\n{PROFILE}', encoding="utf-8")
    with running_server(
        "--config",
        config,
        data_dir=tmp_path / "data",
        command=("serve", "--tuners", "1", "--linger", "1"),
        nofile=NOFILE,
    ) as server:
        yield server


# -- the server under ulimit -n 256 ------------------------------------------------------------
@pytest.mark.slow
def test_a_server_at_its_descriptor_limit_answers_503_and_recovers(
    limited_server: RunningServer,
) -> None:
    port = limited_server.port
    # short connections, each closed by its client: the server lets go of each at once
    before = open_descriptors(limited_server)
    assert hammer(port, 300) == [200] * 300
    settled_after = descriptors_settle(limited_server, before + 5, timeout=10)
    assert settled_after < 3, f"closed connections held {settled_after:.1f} s"

    # keep-alive clients that go idle, one after another: served up to the soft cap, then 503
    idle: list[socket.socket] = []
    statuses: list[int | None] = []
    try:
        for _ in range(BUDGET.soft_cap + 20):
            sock, status = keep_alive_client(port)
            statuses.append(status)
            idle.append(sock)
        assert set(statuses) == {200, 503}, statuses
        assert statuses.count(200) >= BUDGET.soft_cap - 10, statuses  # the server's own few
        assert statuses[-1] == 503

        # a burst of short connections while they idle: every one answered, 503 at the cap
        burst = hammer(port, 300)
        assert set(burst) <= {200, 503}, [s for s in burst if s not in (200, 503)]
        assert 503 in burst

        # past the hard cap, new connections are closed unanswered, and nothing breaks
        extra = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(60)]
        idle += extra
        for sock in extra:
            send_request(sock, "/discover.json")
        refused = [read_status(sock) for sock in extra]
        assert None in refused and set(refused) <= {None, 503}, refused

        # the idle keep-alive connections are closed by the server after a few seconds
        closed_after = closed_by_server(idle[: BUDGET.soft_cap // 2], timeout=15)
        assert closed_after < 15, "idle keep-alive connections held for 15 s or more"
    finally:
        for sock in idle:
            sock.close()

    # after the burst: no failures, the documents and a stream are served
    time.sleep(0.5)
    assert hammer(port, 300) == [200] * 300
    assert short_request(port, "/lineup.json") == 200
    body = stream_bytes(port, 2)
    assert len(body) > 10_000 and body[0] == 0x47

    log = limited_server.log()
    assert f"descriptor limit: soft {NOFILE}" in log, log[-3000:]
    assert "answering 503" in log
    assert log.count("Traceback") <= 2, log[-5000:]
    assert log.count("Too many open files") <= 3, log[-5000:]


# -- in process ---------------------------------------------------------------------------------
def test_the_budget_leaves_descriptors_for_files_and_processes() -> None:
    assert ConnectionBudget.for_limit(256) == ConnectionBudget(soft_cap=144, hard_cap=192)
    assert ConnectionBudget.for_limit(1024) == ConnectionBudget(soft_cap=576, hard_cap=768)
    big = ConnectionBudget.for_limit(1 << 20)
    assert big.hard_cap == (1 << 20) - 256 and big.soft_cap < big.hard_cap


def test_the_gate_marks_past_the_soft_cap_and_refuses_past_the_hard_cap() -> None:
    gate = ConnectionGate(ConnectionBudget(soft_cap=2, hard_cap=3))
    keys = [("127.0.0.1", 40000 + n, 8000) for n in range(4)]

    assert [gate.admit(key) for key in keys] == [True, True, True, False]
    assert [gate.take_busy(key) for key in keys[:3]] == [False, False, True]
    assert not gate.take_busy(keys[2])  # answered once
    gate.release(keys[0])
    assert gate.open == 2 and gate.admit(keys[3])


def test_running_out_of_descriptors_is_logged_once_a_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    limiter = OncePerPeriod(logging.getLogger("test.limits"), 60.0, clock=lambda: now[0])

    async def main() -> None:
        loop = asyncio.get_running_loop()
        install_resource_error_handler(loop, limiter)
        try:
            error = OSError(24, "Too many open files")
            for _ in range(1000):  # asyncio retries a failed accept every second
                loop.call_exception_handler(
                    {"message": "socket.accept() out of system resource", "exception": error}
                )
            now[0] = 61.0
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": error}
            )
        finally:
            loop.set_exception_handler(None)

    with caplog.at_level(logging.WARNING, logger="test.limits"):
        asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "test.limits"]
    assert len(lines) == 2, lines
    assert "out of system resource: Too many open files" in lines[0]
    assert "999 more times" in lines[1]
    assert not any(r.exc_info for r in caplog.records)


def test_a_count_is_logged_when_the_period_ends_without_another_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = OncePerPeriod(logging.getLogger("test.limits"), period=0.05)

    async def main() -> None:
        for _ in range(5):
            limiter.event("accept", "out of descriptors")
        await asyncio.sleep(0.5)

    with caplog.at_level(logging.WARNING, logger="test.limits"):
        asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "test.limits"]
    assert lines == ["out of descriptors", "out of descriptors (4 times in the last 0 s)"]
