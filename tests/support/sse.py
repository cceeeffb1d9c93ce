"""Server-Sent Events for tests and benchmarks: a frame parser, and a reader thread that keeps
what ``GET /api/v1/events`` sends (over real HTTP, to 127.0.0.1 only; http.client, whose
socket another thread can shut down to hang up at once)."""

from __future__ import annotations

import codecs
import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self


@dataclass(frozen=True)
class SseFrame:
    """One frame: its fields (``id``, ``event``, ``data``, ``retry``) and its comment lines."""

    fields: dict[str, str]
    comments: tuple[str, ...]

    @property
    def kind(self) -> str | None:
        return self.fields.get("event")

    def json(self) -> Any:
        return json.loads(self.fields["data"])


def split_frames(buffer: str) -> tuple[list[SseFrame], str]:
    """The complete frames at the start of ``buffer`` (each ends with a blank line) and the rest."""
    frames = []
    while "\n\n" in buffer:
        block, buffer = buffer.split("\n\n", 1)
        fields: dict[str, str] = {}
        comments: list[str] = []
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif ":" in line:
                name, value = line.split(":", 1)
                fields[name] = value[1:] if value.startswith(" ") else value
        frames.append(SseFrame(fields, tuple(comments)))
    return frames, buffer


class SseReader:
    """Reads ``url`` in a thread until closed, keeping every frame (with when it arrived)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None):
        self.url = url
        self.headers = headers or {}
        self.frames: list[tuple[float, SseFrame]] = []
        self.status: int | None = None
        self.content_type = ""
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname == "127.0.0.1", "tests talk to loopback only"
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self._thread = threading.Thread(target=self._run, name="sse reader", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self.wait_for(lambda frames: bool(frames), 10):  # the retry frame: registered
            raise AssertionError(f"no first frame from {self.url}: {self.error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Hang up: shutting the socket down from here ends the thread's blocking read."""
        self._stop.set()
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        assert not self._thread.is_alive(), "the SSE reader did not stop"
        self._connection.close()

    def ended(self, timeout: float) -> bool:
        """Whether the response ended (by itself or cut off) within ``timeout`` s."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The events' JSON (``StationEvent.as_json()``), of one kind or all."""
        with self._changed:
            frames = [f for _, f in self.frames]
        return [f.json() for f in frames if f.kind is not None and kind in (None, f.kind)]

    def wait_for(self, condition: Callable[[list[SseFrame]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition([f for _, f in self.frames]):
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._changed.wait(left)
            return True

    def wait_for_event(self, kind: str, timeout: float, count: int = 1) -> bool:
        return self.wait_for(lambda frames: sum(f.kind == kind for f in frames) >= count, timeout)

    def _run(self) -> None:
        try:
            self._connection.request("GET", self._path, headers=self.headers)
            response = self._connection.getresponse()
            self.status = response.status
            self.content_type = response.headers.get("content-type", "")
            self._read(response)
        except BaseException as exc:  # kept for the test's message (not when we hung up)
            if not self._stop.is_set():
                self.error = exc
        finally:
            with self._changed:
                self._changed.notify_all()

    def _read(self, response: http.client.HTTPResponse) -> None:
        buffer = ""
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := response.read1(1 << 16):
            text = decoder.decode(chunk).replace("\r\n", "\n")
            frames, buffer = split_frames(buffer + text)
            if frames:
                now = time.monotonic()
                with self._changed:
                    self.frames.extend((now, f) for f in frames)
                    self._changed.notify_all()
