"""One schedule segment's ffmpeg, read ahead into a bounded queue so the next seam never waits.

The reader task pulls whole TS packets from ffmpeg's stdout into a small queue; when the queue
is full the reader stops reading and pipe back-pressure pauses ffmpeg, so an item never encodes
far ahead of playout. The session starts the next segment's feed as soon as the current one has
reached the end of its output, a few seconds of media before the seam.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from hdhr_emulator.playout.process import FFmpegProcess
from hdhr_emulator.playout.ts import PacketBuffer
from hdhr_emulator.util import cancel_and_wait

log = logging.getLogger(__name__)

QUEUE_CHUNKS = 48  # ~4 MB of 84 KiB reads: a few seconds of media at typical bitrates


@dataclass(frozen=True, slots=True)
class FeedEnd:
    """The sentinel after an item's last chunk: how its process ended."""

    returncode: int | None
    error: str


class ItemFeed:
    """Runs ``argv`` and exposes its output as a stream of whole-packet chunks."""

    def __init__(self, argv: list[str], name: str):
        self.name = name
        self.process = FFmpegProcess(argv, name=name)
        self.queue: asyncio.Queue[bytes | FeedEnd] = asyncio.Queue(QUEUE_CHUNKS)
        self.output_complete = asyncio.Event()  # ffmpeg has written everything it will write
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._pump(), name=f"feed {self.name}")

    async def _pump(self) -> None:
        packets = PacketBuffer()
        try:
            await self.process.start()
            while chunk := await self.process.read():
                if data := packets.feed(chunk):
                    await self.queue.put(data)
            end = FeedEnd(await self.process.wait(), self.process.error_text)
        except OSError as exc:
            end = FeedEnd(None, f"cannot start ffmpeg: {exc}")
        self.output_complete.set()
        await self.queue.put(end)

    async def next(self, within: float | None = None) -> bytes | FeedEnd:
        """The next chunk, or the FeedEnd sentinel; raises TimeoutError if ffmpeg has given
        nothing ``within`` seconds (the session decides when a producer counts as late)."""
        # not wait_for: on 3.11 it swallows a cancellation that lands as the get() completes
        # (CPython gh-86296), and the session's producer then never stops
        async with asyncio.timeout(within):
            return await self.queue.get()

    async def stop(self, grace: float | None = None) -> None:
        """Stop reading and end the process (``grace=0``: kill it at once, see
        :meth:`FFmpegProcess.stop`).

        Shielded, in a task of its own: called from the ``finally`` of a task that is being
        cancelled (a session stopping), the inner ``cancel_and_wait`` would re-raise that
        cancellation before the process was stopped, and the process would outlive the session.
        """
        await asyncio.shield(self._stop(grace))

    async def _stop(self, grace: float | None) -> None:
        await cancel_and_wait(self._task)
        if grace is None:
            await self.process.stop()
        else:
            await self.process.stop(grace)
