"""A long-running viewer of one channel that analyses the stream as it arrives, for the soak and
fault harnesses.

It reads ``/auto/vN`` over plain HTTP on 127.0.0.1 (``http.client``, chunked decoding included)
in its own thread, stamps each read with ``time.monotonic()`` (the longest wall-clock silence
between bytes), feeds a ``TsMonitor`` (continuity, DTS backsteps, media gaps) and, when asked,
pipes the bytes into a real ffmpeg that decodes video and audio: its error lines are the decode
errors, and its 8-kHz mono audio goes to a ``ToneTracker`` that reports the seams it hears.
Nothing is kept: hours of stream cost constant memory.
"""

from __future__ import annotations

import array
import contextlib
import http.client
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from benchmarks._tones import AUDIO_OUT, Run, ToneTracker
from tests.support.ts_monitor import MonitorTotals, TsMonitor

log = logging.getLogger(__name__)

READ_SIZE = 65536


def decoder_argv(ffmpeg: str, audio: bool) -> list[str]:
    """ffmpeg decoding a TS from stdin: video to nowhere, audio (optional) as 8 kHz s16 mono."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mpegts"]
    argv += ["-i", "pipe:0", "-map", "0:v:0", "-f", "null", "-"]
    if audio:
        argv += AUDIO_OUT
    return argv


@dataclass
class ViewerState:
    """What the viewer saw so far (read it from any thread; ints and floats only)."""

    status: int = 0
    connected_at: float | None = None
    first_byte_at: float | None = None
    last_byte_at: float | None = None
    bytes: int = 0
    max_wall_gap: float = 0.0  # longest silence between reads after the first byte
    max_wall_gap_at: float = 0.0  # monotonic time the longest silence ended
    ended: str | None = None  # why the stream ended (None while it runs)
    decode_errors: int = 0
    decode_error_lines: list[str] = field(default_factory=list)  # the first 20
    errors_at_close: int = 0  # the cut-off last frame when the viewer stops: not counted


class LiveViewer:
    """One viewer of one channel in a thread; ``stop()`` ends it and its ffmpeg."""

    def __init__(
        self,
        port: int,
        channel: int,
        *,
        ffmpeg: str | None = None,
        tones: Mapping[str, float] | None = None,
        on_seam: Callable[[Run], None] | None = None,
        read_size: int = READ_SIZE,
        rate_limit: float | None = None,
    ):
        self.port = port
        self.channel = channel
        self.state = ViewerState()
        self.monitor = TsMonitor()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ffmpeg = ffmpeg
        self._tones = ToneTracker(tones) if tones else None
        self._on_seam = on_seam
        self._read_size = read_size
        self._rate_limit = rate_limit  # bytes/s: a slow viewer
        self._decoder: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._conn: http.client.HTTPConnection | None = None
        self._closing = False

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> LiveViewer:
        if self._ffmpeg:
            self._decoder = subprocess.Popen(
                decoder_argv(self._ffmpeg, self._tones is not None),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE if self._tones else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self._spawn(self._read_errors)
            if self._tones:
                self._spawn(self._read_audio)
        self._spawn(self._read_stream)
        return self

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True, name=f"viewer-{target.__name__}")
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._closing = True
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(2)
        for thread in self._threads[-1:]:
            thread.join(timeout=10)
        decoder = self._decoder
        if decoder is not None:
            with contextlib.suppress(OSError):
                if decoder.stdin:
                    decoder.stdin.close()
            try:
                decoder.wait(timeout=20)
            except subprocess.TimeoutExpired:
                decoder.kill()
                decoder.wait(timeout=10)
        for thread in self._threads:
            thread.join(timeout=10)

    def __enter__(self) -> LiveViewer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reading ---------------------------------------------------------------------------------
    def totals(self) -> MonitorTotals:
        with self._lock:
            return self.monitor.totals()

    @property
    def connected(self) -> bool:
        return self.state.first_byte_at is not None and self.state.ended is None

    def _read_stream(self) -> None:
        state = self.state
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self._conn = conn
            conn.request("GET", f"/auto/v{self.channel}", headers={"User-Agent": "soak"})
            response = conn.getresponse()
            state.status = response.status
            state.connected_at = time.monotonic()
            if response.status != 200:
                state.ended = f"HTTP {response.status}"
                return
            began = time.monotonic()
            while not self._stop.is_set():
                data = response.read1(self._read_size)
                now = time.monotonic()
                if not data:
                    state.ended = "server closed the stream"
                    return
                if state.last_byte_at is not None:
                    gap = now - state.last_byte_at
                    if gap > state.max_wall_gap:
                        state.max_wall_gap, state.max_wall_gap_at = gap, now
                else:
                    state.first_byte_at = now
                state.last_byte_at = now
                state.bytes += len(data)
                with self._lock:
                    self.monitor.feed(data)
                if self._decoder is not None and self._decoder.stdin is not None:
                    try:
                        self._decoder.stdin.write(data)
                    except (BrokenPipeError, ValueError):
                        state.ended = "the decoder exited"
                        return
                if self._rate_limit:
                    ahead = state.bytes / self._rate_limit - (time.monotonic() - began)
                    if ahead > 0:
                        self._stop.wait(ahead)
        except (OSError, http.client.HTTPException) as exc:
            if not self._stop.is_set():
                state.ended = f"{type(exc).__name__}: {exc}"
        finally:
            if self._stop.is_set() and state.ended is None:
                state.ended = "stopped"
            with contextlib.suppress(Exception):
                self._conn.close()  # type: ignore[union-attr]

    def _read_errors(self) -> None:
        assert self._decoder is not None and self._decoder.stderr is not None
        for raw in self._decoder.stderr:
            line = raw.decode(errors="replace").rstrip()
            if not line:
                continue
            if self._closing:
                self.state.errors_at_close += 1
                continue
            self.state.decode_errors += 1
            if len(self.state.decode_error_lines) < 20:
                elapsed = time.monotonic() - (self.state.first_byte_at or time.monotonic())
                self.state.decode_error_lines.append(f"+{elapsed:.1f}s {line}")

    def _read_audio(self) -> None:
        assert self._decoder is not None and self._decoder.stdout is not None
        assert self._tones is not None
        stream = self._decoder.stdout
        carry = b""
        while True:
            chunk = stream.read1(16000)  # type: ignore[attr-defined]
            if not chunk:
                return
            data = carry + chunk
            whole = len(data) - len(data) % 2
            carry = data[whole:]
            pcm = array.array("h")
            pcm.frombytes(data[:whole])
            if sys.byteorder == "big":
                pcm.byteswap()
            for seam in self._tones.feed(pcm):
                if self._on_seam is not None:
                    self._on_seam(seam)

    @property
    def audio_seconds(self) -> float:
        return self._tones.media_seconds if self._tones else 0.0
