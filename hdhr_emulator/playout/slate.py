"""The slate: a short "We'll be right back" clip per channel, encoded once in its stream shape.

The session loops it whenever an item cannot be played (missing file, ffmpeg failure, a process
that is late) and for the schedule's own slate segments, so the stream never stalls or goes
silent. Clips are cached on disk by a hash of the channel name and output shape, so a slate is
rendered once per channel, ever, and loading it at tune-in is a file read.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import textwrap
from collections.abc import Callable
from pathlib import Path

from hdhr_emulator.errors import FFmpegError
from hdhr_emulator.playout.drawtext import find_font
from hdhr_emulator.playout.ffmpeg_args import slate_command
from hdhr_emulator.playout.process import FFmpegProcess
from hdhr_emulator.util import cancel_and_wait
from lineup.models import ChannelProfile

log = logging.getLogger(__name__)

SLATE_SECONDS = 2.0
CARD_COLOR = "0x7a1010"  # an override's message card: alert red, unlike the slate's blue
CARD_LINE_CHARS = 28  # a message is wrapped to lines of this many characters at most ...
CARD_LINES = 6  # ... and this many lines (the rest would not fit the picture)


class SlateCache:
    """Renders and remembers slate clips (MPEG-TS bytes)."""

    def __init__(self, ffmpeg: str, directory: Path):
        self.ffmpeg = ffmpeg
        self.directory = directory
        self._clips: dict[str, bytes] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._warming: set[asyncio.Task[None]] = set()

    def warm(self, title: str, profile: ChannelProfile) -> None:
        """Load (or render) a slate in the background when its channel starts, so that the
        first late item is bridged at once instead of waiting for ffmpeg to render it."""
        if f"slate-{self.key(title, profile)}" in self._clips:
            return
        task = asyncio.create_task(self._warm(title, profile), name=f"slate {title}")
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def _warm(self, title: str, profile: ChannelProfile) -> None:
        try:
            await self.get(title, profile)
        except FFmpegError as exc:  # the session will meet it again when it needs the slate
            log.warning("%s", exc)

    async def aclose(self) -> None:
        """Stop any slate still being rendered in the background."""
        for task in list(self._warming):
            await cancel_and_wait(task)

    @staticmethod
    def key(title: str, profile: ChannelProfile) -> str:
        # v2: titles with "%" or a backslash lost them (or the whole title) in v1 clips;
        # v3: DTS leads PCR by the items' mux delay (a v2 clip's PCR would step back at a seam)
        return hashlib.sha1(f"v3|{title}|{profile!r}".encode()).hexdigest()[:16]

    async def get(self, title: str, profile: ChannelProfile) -> bytes:
        def argv(output: str) -> list[str]:
            return slate_command(self.ffmpeg, profile, title, SLATE_SECONDS, output, find_font())

        return await self._clip(f"slate-{self.key(title, profile)}", f"the slate for {title}", argv)

    async def card(self, channel: str, message: str, profile: ChannelProfile) -> bytes:
        """An emergency override's message card: the message full-screen over the channel's
        name, looped like the slate (rendered once per message, channel and shape)."""
        text = "\n".join(textwrap.wrap(message, CARD_LINE_CHARS)[:CARD_LINES]) or " "

        def argv(output: str) -> list[str]:
            return slate_command(
                self.ffmpeg,
                profile,
                text,
                SLATE_SECONDS,
                output,
                find_font(),
                subtitle=channel,
                color=CARD_COLOR,
            )

        key = hashlib.sha1(f"card-v1|{channel}|{message}|{profile!r}".encode()).hexdigest()[:16]
        return await self._clip(f"card-{key}", f"the message card on {channel}", argv)

    async def _clip(self, name: str, what: str, argv: Callable[[str], list[str]]) -> bytes:
        if name in self._clips:
            return self._clips[name]
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name not in self._clips:
                self._clips[name] = await self._load_or_render(name, what, argv)
        return self._clips[name]

    async def _load_or_render(
        self, name: str, what: str, argv: Callable[[str], list[str]]
    ) -> bytes:
        path = self.directory / f"{name}.ts"
        if path.exists() and path.stat().st_size > 0:
            return await asyncio.to_thread(path.read_bytes)
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        async with FFmpegProcess(argv(str(partial)), name=name) as process:
            code = await process.wait()
        if code != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            raise FFmpegError(f"cannot render {what}: {process.error_text}")
        partial.replace(path)
        log.debug("rendered %s for %s", path.name, what)
        return await asyncio.to_thread(path.read_bytes)
