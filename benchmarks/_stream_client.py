"""A minimal asyncio HTTP/1.1 client that records when each byte of a TS stream arrived.

Used by ``bench_playout``: many of these run at once against a real server on 127.0.0.1, so it
is plain sockets (no client library between the bytes and the clock). It decodes chunked
transfer coding or reads to close, stamps every read with ``time.perf_counter()``, and can spot
the first video keyframe as it arrives.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hdhr_emulator.playout.ts.packets import (
    PACKET_SIZE,
    PTS_HZ,
    SYNC_BYTE,
    is_keyframe_start,
    parse_pat,
    parse_pmt,
    payload_offset,
    pes_timestamps,
    stream_kind,
    wrap_delta,
)

READ_SIZE = 65536


class _Dechunker:
    """Incremental decoder of ``Transfer-Encoding: chunked``."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.left = 0
        self.crlf = False
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        out = bytearray()
        while not self.done:
            if self.left:
                take = min(self.left, len(self.buf))
                out += self.buf[:take]
                del self.buf[:take]
                self.left -= take
                if self.left:
                    break
                self.crlf = True
            if self.crlf:
                if len(self.buf) < 2:
                    break
                del self.buf[:2]
                self.crlf = False
            end = self.buf.find(b"\r\n")
            if end < 0:
                break
            size = int(bytes(self.buf[:end]).split(b";")[0], 16)
            del self.buf[: end + 2]
            if size == 0:
                self.done = True
            self.left = size
        return bytes(out)


@dataclass
class Capture:
    """One viewer's response: status, when its body bytes arrived, and (optionally) the bytes."""

    path: str
    started: float  # perf_counter() just before connecting
    keep: bool = True
    status: int = 0
    headers_at: float | None = None
    first_idr_at: float | None = None
    times: list[float] = field(default_factory=list)  # arrival of each read ...
    totals: list[int] = field(default_factory=list)  # ... and the body bytes received by then
    body: bytearray = field(default_factory=bytearray)
    received: int = 0
    error: str | None = None
    _scan: int = 0

    @property
    def first_byte_at(self) -> float | None:
        return self.times[0] if self.times else None

    def bytes_by(self, when: float) -> int:
        """Body bytes that had arrived at ``when`` (perf_counter time), whole packets only."""
        i = bisect.bisect_right(self.times, when)
        n = self.totals[i - 1] if i else 0
        return n - n % PACKET_SIZE

    def _note(self, data: bytes, now: float) -> None:
        if not data:
            return
        self.received += len(data)
        self.times.append(now)
        self.totals.append(self.received)
        if self.keep:
            self.body += data
            if self.first_idr_at is None:
                self._find_idr(now)

    def _find_idr(self, now: float) -> None:
        b = self.body
        at = self._scan
        while at + PACKET_SIZE <= len(b):
            if b[at] != SYNC_BYTE:
                self.error = self.error or f"lost sync at byte {at}"
                self.first_idr_at = float("nan")
                return
            if b[at + 1] & 0x40 and is_keyframe_start(b, at):
                self.first_idr_at = now
                return
            at += PACKET_SIZE
        self._scan = at


Until = Callable[[Capture, float], bool]


async def watch(
    port: int,
    path: str,
    until: Until,
    *,
    keep: bool = True,
    within: float = 30.0,
    stop: asyncio.Event | None = None,
    method: str = "GET",
) -> Capture:
    """GET ``path`` from 127.0.0.1:``port`` and read until ``until(capture, now)`` is true,
    ``stop`` is set, the server closes, or ``within`` s have passed (``method="HEAD"``: until
    the headers)."""
    capture = Capture(path, time.perf_counter(), keep)
    deadline = capture.started + within
    writer = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "User-Agent: bench_playout\r\nAccept: */*\r\n\r\n".encode()
        )
        head = bytearray()
        while b"\r\n\r\n" not in head:
            data = await asyncio.wait_for(reader.read(READ_SIZE), deadline - time.perf_counter())
            if not data:
                raise ConnectionError("closed before the headers")
            head += data
        capture.headers_at = time.perf_counter()
        raw, rest = bytes(head).split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        capture.status = int(lines[0].split()[1])
        if method == "HEAD":
            return capture
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        dechunk = _Dechunker() if "chunked" in fields.get("transfer-encoding", "").lower() else None
        data = rest
        while True:
            now = time.perf_counter()
            body = dechunk.feed(data) if dechunk else data
            capture._note(body, now)
            if (dechunk and dechunk.done) or until(capture, now) or (stop and stop.is_set()):
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            read = asyncio.ensure_future(reader.read(READ_SIZE))
            waits: set[asyncio.Future[object]] = {read}  # type: ignore[arg-type]
            if stop is not None:
                waits.add(asyncio.ensure_future(stop.wait()))
            done, pending = await asyncio.wait(
                waits, timeout=left, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            if read not in done:
                break
            data = read.result()
            if not data:
                break
    except (TimeoutError, OSError, ConnectionError, ValueError, IndexError) as exc:
        capture.error = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ConnectionError):
                pass
    return capture


# -- media time of what arrived ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PtsIndex:
    """Byte offsets of video PES starts and their PTS (unwrapped, seconds, from the first)."""

    offsets: list[int]
    pts: list[float]  # seconds relative to the lowest PTS seen up to that offset's stream start
    frame: float  # median frame duration

    def media_by(self, nbytes: int) -> float:
        """Seconds of video (PTS span plus one frame) contained in the first ``nbytes``."""
        # PES starts whose first packet has arrived; a frame is complete once its successor
        # starts, so the last one is not counted
        complete = bisect.bisect_left(self.offsets, nbytes - PACKET_SIZE + 1) - 1
        if complete <= 0:
            return 0.0
        return max(self.pts[:complete]) - min(self.pts[:complete]) + self.frame


def video_pts_index(data: bytes | bytearray) -> PtsIndex:
    """Walk the packets once and list where each video PES starts and its PTS."""
    b = memoryview(data)
    types: dict[int, int] = {}
    pmt_pid = None
    video_pid = None
    offsets: list[int] = []
    pts: list[float] = []
    last_raw = None
    unwrapped = 0
    for at in range(0, len(b) - len(b) % PACKET_SIZE, PACKET_SIZE):
        if b[at] != SYNC_BYTE or not b[at + 1] & 0x40:
            continue
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        if pid == 0:
            programs = parse_pat(b, at)
            if programs:
                pmt_pid = next(iter(programs.values()))
            continue
        if pid == pmt_pid:
            types.update(parse_pmt(b, at) or {})
            if video_pid is None:
                video_pid = next((p for p, t in types.items() if stream_kind(t) == "video"), None)
            continue
        if pid != video_pid:
            continue
        start = payload_offset(b, at)
        if start is None:
            continue
        p, _ = pes_timestamps(b[: at + PACKET_SIZE], start)
        if p is None:
            continue
        unwrapped = p if last_raw is None else unwrapped + wrap_delta(p, last_raw)
        last_raw = p
        offsets.append(at)
        pts.append(unwrapped / PTS_HZ)
    steps = sorted(b - a for a, b in itertools.pairwise(sorted(pts)) if b > a)
    frame = steps[len(steps) // 2] if steps else 0.0
    return PtsIndex(offsets, pts, frame)
