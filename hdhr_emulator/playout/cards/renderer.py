"""Up-next cards rendered ahead of air, so a card never delays a seam.

Sessions call :meth:`CardRenderer.prepare` for the cards due in the next minutes; one background
worker renders them (a low-priority ffmpeg each, owned like every other) or loads them from the
disk cache. When a card is due the session asks :meth:`CardRenderer.ready`, which never waits:
the clip if it is in memory, else None (the session then plays the slate instead).

A clip is keyed by what it shows (the card's text, the logo file's identity), the output shape,
its length and the renderer's version, so the same card on the same channel is rendered once
and a changed layout renders anew.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.errors import FFmpegError
from hdhr_emulator.playout.cards.layout import card_command, card_layout
from hdhr_emulator.playout.cards.shelf import ClipShelf
from hdhr_emulator.playout.drawtext import find_font
from hdhr_emulator.playout.process import FFmpegProcess
from hdhr_emulator.util import cancel_and_wait
from lineup.cards import CARD_SECONDS, CardText, card_text
from lineup.models import ChannelProfile, MediaItem

log = logging.getLogger(__name__)

RENDERER_VERSION = 1  # raise when the picture changes: every cached card is rendered anew
KEEP_ON_DISK = 200  # card clips kept in the data dir (~350 KB each at 720p: ~70 MB)
KEEP_IN_MEMORY = 16  # card clips kept in memory, ready to splice
QUEUE_LIMIT = 64  # cards waiting to be rendered; more are dropped (they get the slate)
NICENESS = 10  # renders yield the CPU to the channels' own encoders


@dataclass(frozen=True, slots=True)
class CardJob:
    """One card to render: what it says, its logo (a readable local file or None), its shape
    and length, and the key its clip is stored under."""

    text: CardText
    logo: str | None
    profile: ChannelProfile
    seconds: float
    key: str


def readable_logo(path: str | None) -> str | None:
    """``path`` if it is a local file we can read (a logo URL or a missing file: None)."""
    if not path or "://" in path:
        return None
    return path if os.path.isfile(path) and os.access(path, os.R_OK) else None


def card_job(item: MediaItem, profile: ChannelProfile) -> CardJob:
    """The job for a CARD item in ``profile`` (ValueError for any other item). Stats the logo:
    cheap, but a file-system call."""
    text = card_text(item)
    logo = readable_logo(text.logo or item.icon)
    seconds = item.info.duration if item.info.duration > 0 else CARD_SECONDS
    identity = ""
    if logo is not None:
        stat = os.stat(logo)
        identity = f"{stat.st_size}:{stat.st_mtime_ns}"
    shown = json.dumps(dataclasses.asdict(text), ensure_ascii=False, sort_keys=True)
    material = f"card-v{RENDERER_VERSION}|{shown}|{logo}|{identity}|{profile!r}|{seconds:.3f}"
    key = "card-" + hashlib.sha1(material.encode()).hexdigest()[:20]
    return CardJob(text, logo, profile, seconds, key)


class CardRenderer:
    """Renders up-next cards in the background and hands out the ones that are ready."""

    def __init__(
        self,
        ffmpeg: str,
        directory: Path,
        keep: int = KEEP_ON_DISK,
        in_memory: int = KEEP_IN_MEMORY,
    ):
        self.ffmpeg = ffmpeg
        self.shelf = ClipShelf(directory, keep)
        self.in_memory = in_memory
        self.renders = 0  # ffmpeg runs so far (a card loaded from disk is not one)
        self._clips: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._queued: set[str] = set()
        self._running: dict[str, asyncio.Task[bytes]] = {}  # one render of a key at a time
        self._queue: asyncio.Queue[CardJob] = asyncio.Queue(QUEUE_LIMIT)
        self._worker: asyncio.Task[None] | None = None

    def ready(self, item: MediaItem, profile: ChannelProfile) -> bytes | None:
        """The card's clip if it is ready in memory, else None: never waits."""
        return self._remember(card_job(item, profile).key)

    def prepare(self, item: MediaItem, profile: ChannelProfile) -> None:
        """Have the card ready before it airs: queue it for the background worker (once)."""
        job = card_job(item, profile)
        if job.key in self._clips or job.key in self._queued:
            return
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            log.warning(
                "too many cards waiting to be rendered; the card for %r gets the slate",
                job.text.up_next,
            )
            return
        self._queued.add(job.key)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="card renderer")

    async def render(self, item: MediaItem, profile: ChannelProfile) -> bytes:
        """The card's clip now: from memory, the disk, or ffmpeg (FFmpegError if it fails)."""
        return await self._get(card_job(item, profile))

    async def idle(self) -> None:
        """Wait until every queued card is rendered (tests and benchmarks)."""
        await self._queue.join()

    async def aclose(self) -> None:
        """Stop the worker and any render still running (and so its ffmpeg)."""
        await cancel_and_wait(self._worker)
        for task in list(self._running.values()):
            await cancel_and_wait(task)

    def _remember(self, key: str) -> bytes | None:
        clip = self._clips.get(key)
        if clip is not None:
            self._clips.move_to_end(key)
        return clip

    def _keep(self, key: str, clip: bytes) -> None:
        self._clips[key] = clip
        self._clips.move_to_end(key)
        while len(self._clips) > self.in_memory:
            self._clips.popitem(last=False)

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._get(job)
            except FFmpegError as exc:
                log.warning("%s", exc)
            finally:
                self._queued.discard(job.key)
                self._queue.task_done()

    async def _get(self, job: CardJob) -> bytes:
        clip = self._remember(job.key)
        if clip is not None:
            return clip
        task = self._running.get(job.key)
        if task is None:
            task = asyncio.create_task(self._load_or_render(job), name=f"card {job.key}")
            self._running[job.key] = task
            task.add_done_callback(lambda _: self._running.pop(job.key, None))
        # a caller that gives up (a stopping worker) must not cancel another's render
        return await asyncio.shield(task)

    async def _load_or_render(self, job: CardJob) -> bytes:
        clip = await self._load_or_draw(job)
        self._keep(job.key, clip)
        return clip

    async def _load_or_draw(self, job: CardJob) -> bytes:
        clip = await asyncio.to_thread(self.shelf.load, job.key)
        if clip is not None:
            return clip
        try:
            return await self._render(job, job.logo)
        except FFmpegError:
            if job.logo is None:
                raise
            log.warning("cannot draw the logo %s on a card; drawing it without", job.logo)
            return await self._render(job, None)

    async def _render(self, job: CardJob, logo: str | None) -> bytes:
        layout = card_layout(job.text, job.profile.width, job.profile.height)
        work = await asyncio.to_thread(self.shelf.scratch, job.key)
        try:
            textfiles = await asyncio.to_thread(_write_lines, work, [x.text for x in layout.lines])
            partial = work / "clip.ts"
            argv = card_command(
                self.ffmpeg,
                job.profile,
                layout,
                textfiles,
                job.seconds,
                str(partial),
                find_font(),
                logo,
            )
            self.renders += 1
            async with FFmpegProcess(argv, name=f"card {job.key}") as process:
                _lower_priority(process.pid)
                code = await process.wait()
            if code != 0 or not partial.exists():
                raise FFmpegError(f"cannot render the card {job.text}: {process.error_text}")
            clip = await asyncio.to_thread(self.shelf.store, job.key, partial)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        log.debug("rendered %s (%s)", job.key, job.text.up_next)
        return clip


def _write_lines(folder: Path, lines: list[str]) -> tuple[str, ...]:
    """Each line in its own UTF-8 file (no newline: drawtext would draw it)."""
    paths = []
    for index, line in enumerate(lines):
        path = folder / f"line{index}.txt"
        path.write_text(line, encoding="utf-8")
        paths.append(str(path))
    return tuple(paths)


def _lower_priority(pid: int | None) -> None:
    """Renders are background work: let the channels' encoders have the CPU first."""
    if pid is not None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, NICENESS)
