"""The tuner pool: at most ``count`` channel sessions, one per channel however many viewers.

A request for a channel that already has a session joins it. A new channel takes the lowest
free tuner; when every tuner is busy, a session that is only lingering (no viewers, kept warm for
channel surfing) is stopped to make room, and only if none is lingering does the request fail
with HDHomeRun's 805 "All Tuners In Use" (804 "Tuner In Use" for a specific ``/tunerN``).
A new session on a free tuner is first offered to ``admit`` (``--tuners auto``: the CPU headroom
check of :mod:`hdhr_emulator.playout.headroom`), which may refuse it with 805 as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from hdhr_emulator.errors import TunerBusyError

log = logging.getLogger(__name__)


class TunerSession(Protocol):
    channel_number: int
    tuner: int

    @property
    def viewer_count(self) -> int: ...

    @property
    def stopped(self) -> bool: ...

    async def async_stop(self) -> None: ...


class TunerPool:
    """Maps tuner indexes to running channel sessions."""

    def __init__(
        self,
        count: int,
        start_session: Callable[[int, int], TunerSession],
        admit: Callable[[int], None] | None = None,
    ):
        self.count = count
        self._start_session = start_session  # (channel number, tuner index) -> session
        self._admit = admit  # (sessions running) -> None, or raises TunerBusyError
        self._tuners: dict[int, TunerSession] = {}
        self._lock = asyncio.Lock()

    def sessions(self) -> dict[int, TunerSession]:
        """Tuner index → live session."""
        self._forget_stopped()
        return dict(self._tuners)

    def session_for(self, channel_number: int) -> TunerSession | None:
        self._forget_stopped()
        return next((s for s in self._tuners.values() if s.channel_number == channel_number), None)

    async def acquire(self, channel_number: int, tuner: int | None = None) -> TunerSession:
        """The session for ``channel_number``, started if needed; raises TunerBusyError."""
        async with self._lock:
            self._forget_stopped()
            existing = self.session_for(channel_number)
            if existing is not None and (tuner is None or existing.tuner == tuner):
                return existing
            if tuner is not None:
                if not 0 <= tuner < self.count:
                    raise TunerBusyError(804, "Tuner In Use")  # no such tuner on this device
                current = self._tuners.get(tuner)
                if current is not None:
                    if current.viewer_count > 0:
                        raise TunerBusyError(804, "Tuner In Use")
                    await current.async_stop()
                else:
                    self._check_admission()
                index = tuner
            else:
                index = await self._free_index()
            session = self._start_session(channel_number, index)
            self._tuners[index] = session
            log.info("tuner %d: channel %d", index, channel_number)
            return session

    async def _free_index(self) -> int:
        free = [i for i in range(self.count) if i not in self._tuners]
        if free:
            self._check_admission()
            return free[0]
        lingering = [i for i, s in sorted(self._tuners.items()) if s.viewer_count == 0]
        if not lingering:
            raise TunerBusyError(805, "All Tuners In Use")
        index = lingering[0]
        log.info(
            "tuner %d: stopping idle channel %d to make room",
            index,
            self._tuners[index].channel_number,
        )
        await self._tuners.pop(index).async_stop()
        return index

    def _check_admission(self) -> None:
        """A session that takes a free tuner adds load (one replacing a lingering one does not)."""
        if self._admit is not None:
            self._admit(len(self._tuners))

    def _forget_stopped(self) -> None:
        for index in [i for i, s in self._tuners.items() if s.stopped]:
            del self._tuners[index]

    async def async_stop(self) -> None:
        """Stop every session (server shutdown)."""
        sessions = list(self._tuners.values())
        self._tuners.clear()
        await asyncio.gather(*(s.async_stop() for s in sessions), return_exceptions=True)
