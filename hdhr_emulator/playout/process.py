"""An ffmpeg child that is always reaped: an async context manager with terminate → wait → kill.

Lessons built in (docs/protocol/playout.md §7.3): ffmpeg runs in its own process group so the
whole group is signalled; stdout keeps being drained while we wait, because an ffmpeg blocked on
a full pipe ignores SIGTERM and asyncio's ``wait()`` can hang even after SIGKILL; stderr is
drained continuously (a full stderr pipe blocks ffmpeg too) and its tail kept for error messages;
on Linux the child gets SIGKILL if the server itself dies, so no orphan encoders survive.

That death signal is set by util-linux's ``setpriv --pdeathsig KILL`` in front of ffmpeg, not by
a Python ``preexec_fn``: a ``preexec_fn`` runs Python in the forked child of a threaded server
(our ``to_thread`` workers), which can deadlock before exec on a lock another thread held at the
fork; the server's loop then waits in ``fork_exec`` for an exec that never comes, and the whole
station freezes (seen in a test run: three orphaned children stuck in a futex). With no
``preexec_fn`` no Python code runs between fork and exec.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from types import TracebackType

from hdhr_emulator.util import cancel_and_wait

log = logging.getLogger(__name__)

READ_SIZE = 1316 * 64  # whole TS packets per read
_STOP_GRACE_SECONDS = 2.0
_PR_SET_PDEATHSIG = 1
_SETPRIV = shutil.which("setpriv") if sys.platform == "linux" else None


def _die_with_parent() -> None:  # runs in the child between fork and exec: fallback only
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def owned_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` run so that it gets SIGKILL when its parent dies (``setpriv`` execs it in the
    same process: same pid, ``comm`` becomes ffmpeg's)."""
    if _SETPRIV is not None:
        return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv]
    return list(argv)


class FFmpegProcess:
    """``async with FFmpegProcess(argv) as proc: data = await proc.read()``."""

    def __init__(self, argv: Sequence[str], name: str = "ffmpeg"):
        self.argv = list(argv)
        self.name = name
        self._process: asyncio.subprocess.Process | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=8)
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process else None

    @property
    def error_text(self) -> str:
        """The last lines ffmpeg wrote to stderr (its own explanation of a failure)."""
        return " | ".join(self._stderr_tail)

    async def start(self) -> None:
        log.debug("starting %s: %s", self.name, self.argv)
        self._process = await asyncio.create_subprocess_exec(
            *owned_argv(self.argv),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            # only where setpriv is missing (not on Debian: util-linux is essential)
            preexec_fn=_die_with_parent if sys.platform == "linux" and not _SETPRIV else None,
            limit=READ_SIZE * 2,
        )
        self._stderr_task = asyncio.create_task(self._drain_stderr(), name=f"{self.name}-stderr")

    async def __aenter__(self) -> FFmpegProcess:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.shield(self.stop())

    async def read(self, size: int = READ_SIZE) -> bytes:
        """Up to ``size`` bytes of stdout; ``b""`` at end of output."""
        assert self._process is not None and self._process.stdout is not None
        return await self._process.stdout.read(size)

    async def wait(self) -> int:
        assert self._process is not None
        code = await self._process.wait()
        if self._stderr_task is not None:
            await self._stderr_task
        return code

    async def stop(self, grace: float = _STOP_GRACE_SECONDS) -> None:
        """Terminate the process group, draining stdout meanwhile; kill after ``grace`` s.

        ``grace=0`` kills at once: for a process that is late or stopped (SIGSTOP), a SIGTERM
        would only wait, pending, while the viewers need the next item now.
        """
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            drain = asyncio.create_task(self._drain_stdout())
            self._signal(signal.SIGTERM if grace > 0 else signal.SIGKILL)
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that arrives as the wait completes (CPython gh-86296)
                async with asyncio.timeout(grace if grace > 0 else None):
                    await process.wait()
            except TimeoutError:
                log.warning("%s (pid %s) ignored SIGTERM; killing it", self.name, process.pid)
                self._signal(signal.SIGKILL)
                await process.wait()
            finally:
                await cancel_and_wait(drain)
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._stderr_task
        log.debug("%s (pid %s) exited with %s", self.name, process.pid, process.returncode)

    def _signal(self, sig: signal.Signals) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)

    async def _drain_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        while await self._process.stdout.read(READ_SIZE):
            pass

    async def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        async for raw in self._process.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._stderr_tail.append(line)
                log.debug("%s: %s", self.name, line)
