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
_ids = itertools.count(1)


class Viewer:
    """A FIFO of byte chunks with a size cap; ``await next_chunk()`` returns b"" once closed."""

    def __init__(self, address: str = "", max_bytes: int = DEFAULT_MAX_BYTES):
        self.id = next(_ids)
        self.address = address
        self.max_bytes = max_bytes
        self.connected_at = time.monotonic()
        self.bytes_sent = 0
        self.dropped_reason: str | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
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
            self.close(f"fell behind by more than {self.max_bytes // 1024} KiB")
            return False
        self._chunks.append(data)
        self._buffered += len(data)
        self._ready.set()
        return True

    def close(self, reason: str | None = None) -> None:
        if not self._closed:
            self._closed = True
            self.dropped_reason = reason
            self._ready.set()

    async def next_chunk(self) -> bytes:
        """All queued bytes that fill whole 1316-byte blocks; b"" when the viewer is closed.

        A remainder of less than a block waits for the next push, so every write to the client
        is 1316-byte aligned.
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
        data = b"".join(self._chunks)
        cut = len(data) - len(data) % WRITE_ALIGN
        self._chunks.clear()
        if cut < len(data):
            self._chunks.append(data[cut:])
        self._buffered = len(data) - cut
        self.bytes_sent += cut
        return data[:cut]

    def bitrate(self) -> float:
        """Average bits per second delivered since the viewer connected."""
        elapsed = max(1e-3, time.monotonic() - self.connected_at)
        return self.bytes_sent * 8 / elapsed
