"""The override desk: the station's active emergency overrides, kept, persisted and timed.

An override puts a message card, a library item or a file from the media folders on some or
all channels, now, for some minutes or until it is ended. The desk is what the API and the CLI
steer; the schedule reads its :meth:`OverrideDesk.windows` (laid over the schedule by
:mod:`lineup.schedule.overlay`), so playout and the API see the same thing. When an override
starts or ends the desk tells the running sessions to re-plan at once (``interrupt``), so
viewers switch within a frame instead of at the next seam.

Active overrides are written to ``overrides.json`` in the data dir (atomically, mode 0600) so
they survive a restart; those that expired meanwhile are dropped when it is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from hdhr_emulator.errors import ApiError
from hdhr_emulator.events import EventBus, EventKind
from hdhr_emulator.util import atomic_write, cancel_and_wait
from lineup.errors import RetrovueError, UnknownChannelError
from lineup.models import ItemKind, MediaInfo, MediaItem
from lineup.probe import probe
from lineup.schedule.overlay import OverrideWindow

log = logging.getLogger(__name__)

OVERRIDES_FILE = "overrides.json"
EXPIRED = "expired"
MESSAGE_LOOP_SECONDS = 3600.0  # a message card's loop unit in the schedule (it is one card)
_NO_INFO = MediaInfo(MESSAGE_LOOP_SECONDS, container="", video_codec="", width=0, height=0, fps=0)

Target = Literal["all"] | tuple[int, ...]


def iso_utc(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class OverrideError(ApiError):
    """Raised when an override cannot be honoured: 400 for a bad request (none or two of message,
    item and file; minutes not above 0; a file outside the media folders), 404 for an unknown
    channel, item or override id."""


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    """What to put on air: exactly one of ``message``, ``item`` (catalog id) or ``file``."""

    target: Target
    message: str | None = None
    item: int | None = None
    file: str | None = None
    minutes: float | None = None  # None: until ended


@dataclass(frozen=True, slots=True)
class Override:
    """An active override (times are POSIX seconds; ``ends`` None: until ended)."""

    id: str
    target: Target
    channels: tuple[int, ...]
    message: str | None
    item: int | None
    file: str | None
    title: str
    started: float
    ends: float | None

    def as_record(self) -> dict[str, Any]:
        """As ``overrides.json`` keeps it (POSIX times)."""
        record = asdict(self)
        record["target"] = "all" if self.target == "all" else list(self.target)
        record["channels"] = list(self.channels)
        return record

    def as_json(self) -> dict[str, Any]:
        """As the API and the event stream show it (ISO 8601 times in UTC)."""
        shown = self.as_record()
        shown["started"] = iso_utc(self.started)
        shown["ends"] = None if self.ends is None else iso_utc(self.ends)
        return shown

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Override:
        target = record["target"]
        return cls(
            id=str(record["id"]),
            target="all" if target == "all" else tuple(int(n) for n in target),
            channels=tuple(int(n) for n in record["channels"]),
            message=record.get("message"),
            item=record.get("item"),
            file=record.get("file"),
            title=str(record["title"]),
            started=float(record["started"]),
            ends=None if record.get("ends") is None else float(record["ends"]),
        )


@dataclass(frozen=True, slots=True)
class DeskContext:
    """What the desk asks the rest of the server."""

    channels: Callable[[], Sequence[int]]  # the lineup's channel numbers
    item: Callable[[int], MediaItem | None]  # a lineup item by catalog id
    media_folders: tuple[Path, ...]  # a ``file`` must lie inside one of these
    interrupt: Callable[[Collection[int]], None]  # sessions of these channels re-plan now
    # render whatever a running channel will need at once (a message card), before the switch
    prepare: Callable[[str, Collection[int]], Awaitable[None]] | None = None
    clock: Callable[[], float] = time.time


class OverrideDesk:
    """The active overrides; :meth:`start` and :meth:`end` change them, a timer expires them."""

    def __init__(self, data_dir: Path, events: EventBus, context: DeskContext):
        self.path = data_dir / OVERRIDES_FILE
        self.events = events
        self.context = context
        self._active: dict[str, tuple[Override, OverrideWindow]] = {}
        self._windows: tuple[OverrideWindow, ...] = ()
        self._changed: asyncio.Event | None = None
        self._timer: asyncio.Task[None] | None = None

    # -- reading -----------------------------------------------------------------------------
    def windows(self) -> tuple[OverrideWindow, ...]:
        """The schedule's view of the active overrides (read on every schedule lookup)."""
        return self._windows

    def active(self) -> list[Override]:
        return sorted((o for o, _ in self._active.values()), key=lambda o: o.started)

    def get(self, override_id: str) -> Override:
        found = self._active.get(override_id)
        if found is None:
            raise OverrideError(404, f"no active override {override_id}")
        return found[0]

    # -- changing ----------------------------------------------------------------------------
    async def start(self, request: OverrideRequest) -> Override:
        """Put ``request`` on air now; returns it once the running channels are switching."""
        now = self.context.clock()
        channels = self._channels(request.target)
        if request.minutes is not None and request.minutes <= 0:
            raise OverrideError(400, "minutes must be more than 0")
        item = await asyncio.to_thread(self._item_for, request)
        ends = None if request.minutes is None else now + request.minutes * 60.0
        override = Override(
            id=f"ov-{secrets.token_hex(3)}",
            target=request.target,
            channels=channels,
            message=request.message,
            item=request.item,
            file=None if request.file is None else item.path,
            title=item.title,
            started=now,
            ends=ends,
        )
        if request.message is not None and self.context.prepare is not None:
            await self.context.prepare(request.message, channels)
        self._add(override, item)
        await asyncio.to_thread(self._save)
        log.info(
            "override %s started on %s: %s (%s)",
            override.id,
            "all channels" if override.target == "all" else f"channels {list(channels)}",
            override.title,
            "until ended" if ends is None else f"{request.minutes:g} min",
        )
        self.events.publish(EventKind.OVERRIDE_START, **override.as_json())
        self.context.interrupt(channels)
        return override

    async def end(self, override_id: str, reason: str = "ended") -> Override:
        """End an override now; its channels return to their schedule at once (an expired
        one needs no nudge: its window ends there, so the sessions planned the switch)."""
        override = self.get(override_id)
        del self._active[override_id]
        self._publish_windows()
        await asyncio.to_thread(self._save)
        log.info("override %s %s: %s", override.id, reason, override.title)
        self.events.publish(EventKind.OVERRIDE_END, id=override.id, reason=reason)
        if reason != EXPIRED:
            self.context.interrupt(override.channels)
        return override

    # -- lifecycle ---------------------------------------------------------------------------
    def load(self) -> None:
        """Read the overrides still active from the data dir (before playout starts)."""
        try:
            records = json.loads(self.path.read_text())["overrides"]
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring %s: %s", self.path, exc)
            return
        now = self.context.clock()
        for record in records:
            try:
                override = Override.from_record(record)
                if override.ends is not None and override.ends <= now:
                    log.info("override %s expired while stopped", override.id)
                    continue
                request = OverrideRequest(
                    override.target, override.message, override.item, override.file
                )
                override = replace(override, channels=self._channels(override.target))
                self._add(override, self._item_for(request))
                log.info("override %s still on air: %s", override.id, override.title)
            except (RetrovueError, ValueError, KeyError, TypeError) as exc:
                log.warning("dropping a stored override (%s)", exc)
        self._save()

    async def async_start(self) -> None:
        self._changed = asyncio.Event()
        self._timer = asyncio.create_task(self._expire_forever(), name="override-expiry")

    async def async_stop(self) -> None:
        await cancel_and_wait(self._timer)
        self._timer = None

    # -- plumbing ----------------------------------------------------------------------------
    def _channels(self, target: Target) -> tuple[int, ...]:
        lineup = tuple(self.context.channels())
        if target == "all":
            return lineup
        if not target:
            raise OverrideError(400, "channels: name at least one channel, or all")
        for number in target:
            if number not in lineup:
                raise UnknownChannelError(number)
        return tuple(sorted(set(target)))

    def _item_for(self, request: OverrideRequest) -> MediaItem:
        """The item an override loops (blocking: a file is probed)."""
        given = [v for v in (request.message, request.item, request.file) if v is not None]
        if len(given) != 1:
            raise OverrideError(400, "give exactly one of message, item or file")
        if request.message is not None:
            if not request.message.strip():
                raise OverrideError(400, "message: empty")
            return MediaItem(0, "", ItemKind.OVERRIDE, request.message.strip(), _NO_INFO)
        if request.item is not None:
            found = self.context.item(request.item)
            if found is None:
                raise OverrideError(404, f"no item {request.item} in the lineup")
            return replace(found, kind=ItemKind.OVERRIDE)
        assert request.file is not None
        path = self._media_file(request.file)
        info = probe(path)
        return MediaItem(0, str(path), ItemKind.OVERRIDE, path.stem, info)

    def _media_file(self, name: str) -> Path:
        """``name`` resolved inside a media folder (relative names: to each folder in turn)."""
        folders = [folder.resolve() for folder in self.context.media_folders]
        candidates = [Path(name)] if Path(name).is_absolute() else [f / name for f in folders]
        for candidate in candidates:
            path = candidate.resolve()
            if any(path.is_relative_to(folder) for folder in folders) and path.is_file():
                return path
        raise OverrideError(400, f"file: {name} is not a file inside the media folders")

    def _add(self, override: Override, item: MediaItem) -> None:
        channels = None if override.target == "all" else frozenset(override.channels)
        window = OverrideWindow(override.started, override.ends, item, channels)
        self._active[override.id] = (override, window)
        self._publish_windows()

    def _publish_windows(self) -> None:
        self._windows = tuple(window for _, window in self._active.values())
        if self._changed is not None:
            self._changed.set()

    def _save(self) -> None:
        records = [override.as_record() for override in self.active()]
        data = json.dumps({"overrides": records}, indent=1).encode()

        def write(out: BinaryIO) -> None:
            os.fchmod(out.fileno(), 0o600)
            out.write(data)

        atomic_write(self.path, write)

    async def _expire_forever(self) -> None:
        assert self._changed is not None
        while True:
            self._changed.clear()
            ends = [o.ends for o, _ in self._active.values() if o.ends is not None]
            wait = None if not ends else max(0.0, min(ends) - self.context.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)
            now = self.context.clock()
            for override in self.active():
                if override.ends is not None and override.ends <= now:
                    await self.end(override.id, EXPIRED)
