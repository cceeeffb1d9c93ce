"""One viewer's bounded buffer between the channel session and its HTTP response.

The session pushes spliced bytes to every viewer without ever waiting; a viewer whose client
cannot keep up fills its buffer and is dropped (its connection closed) instead of slowing the
channel for everyone else. Memory per viewer is therefore bounded by ``max_bytes``.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
WRITE_ALIGN = 7 * 188  # 1316: whole TS packets per write, as UDP-minded clients expect
MAX_WRITE = 199 * WRITE_ALIGN  # ~256 KiB per write
_ids = itertools.count(1)


class Viewer:
    """A FIFO of byte chunks with a size cap; ``await next_chunk()`` returns b"" once closed."""

    def __init__(self, address: str = "", max_bytes: int = DEFAULT_MAX_BYTES):
        self.id = next(_ids)
        self.address = address
        self.max_bytes = max_bytes  # buffered bytes that close the viewer
        self.allowance = max_bytes  # of which "falling behind" (the rest: the joining burst)
        self.connected_at = time.monotonic()
        self.joined_at = time.time()  # wall clock, for status reports
        self.bytes_sent = 0
        self.dropped_reason: str | None = None
        self._chunks: collections.deque[bytes | memoryview] = collections.deque()
        self._buffered = 0
        self._ready = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def buffered(self) -> int:
        return self._buffered

    def push(self, data: bytes) -> bool:
        """Queue ``data``; returns False (and closes the viewer) if it would overflow."""
        if self._closed or not data:
            return not self._closed
        if self._buffered + len(data) > self.max_bytes:
            self.close(f"fell behind by more than {self.allowance // 1024} KiB")
            return False
        self._chunks.append(data)
        self._buffered += len(data)
        self._ready.set()
        return True

    def prime(self, data: bytes) -> None:
        """Queue the joining burst (the session's cached GOP, up to a source GOP in copy mode)
        on top of the allowance for falling behind, so a big GOP never drops a new viewer."""
        self.max_bytes += len(data)
        self.push(data)

    def close(self, reason: str | None = None) -> None:
        if not self._closed:
            self._closed = True
            self.dropped_reason = reason
            self._ready.set()

    async def next_chunk(self) -> bytes:
        """Queued bytes that fill whole 1316-byte blocks, at most ``MAX_WRITE``; b"" when the
        viewer is closed.

        A remainder of less than a block waits for the next push, so every write to the client
        is 1316-byte aligned. The cap keeps a joiner's first write (its cached GOP: megabytes
        in copy mode) from holding up its first byte and every other viewer's turn; the queue
        keeps zero-copy views of what is left of a big chunk.
        """
        while self._buffered < WRITE_ALIGN:
            if self._closed:
                return b""
            self._ready.clear()
            await self._ready.wait()
        if self._closed and self.dropped_reason is not None:
            self._chunks.clear()
            self._buffered = 0
            return b""
        want = min(self._buffered - self._buffered % WRITE_ALIGN, MAX_WRITE)
        parts: list[bytes | memoryview] = []
        got = 0
        while got < want:
            head = self._chunks[0]
            take = min(len(head), want - got)
            if take == len(head):
                parts.append(self._chunks.popleft())
            else:
                view = memoryview(head)
                parts.append(view[:take])
                self._chunks[0] = view[take:]
            got += take
        self._buffered -= want
        self.bytes_sent += want
        if len(parts) == 1 and isinstance(parts[0], bytes):
            return parts[0]
        return b"".join(parts)

    def bitrate(self) -> float:
        """Average bits per second delivered since the viewer connected."""
        elapsed = max(1e-3, time.monotonic() - self.connected_at)
        return self.bytes_sent * 8 / elapsed
