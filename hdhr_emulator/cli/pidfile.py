"""Which Retrovue serves which port: a pid file per port, so ``--kill-existing`` can stop it.

The pid file lives in the user's runtime dir (not the data dir), because the instance to stop
may have been started with another data dir. Before signalling, the pid is checked to still be a
Retrovue process, so a stale file never gets an unrelated program killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import tempfile
import time
from pathlib import Path

from hdhr_emulator.util import atomic_write
from lineup.errors import RetrovueError

log = logging.getLogger(__name__)

RUNTIME_ENV = "RETROVUE_RUNTIME_DIR"


def pid_file(port: int) -> Path:
    """``$RETROVUE_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/retrovue``, else a per-user temp dir."""
    if os.environ.get(RUNTIME_ENV):
        base = Path(os.environ[RUNTIME_ENV])
    elif os.environ.get("XDG_RUNTIME_DIR"):
        base = Path(os.environ["XDG_RUNTIME_DIR"]) / "retrovue"
    else:
        user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
        base = Path(tempfile.gettempdir()) / f"retrovue-{user}"
    return base / f"serve-{port}.pid"


def _is_retrovue(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(b"retrovue" in part or b"hdhr_emulator" in part for part in cmdline)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_existing(port: int, timeout: float = 10.0) -> int | None:
    """Stop the Retrovue serving ``port`` (SIGTERM, then SIGKILL); return its pid, or None."""
    path = pid_file(port)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    if not _alive(pid) or not _is_retrovue(pid):
        path.unlink(missing_ok=True)
        return None
    log.info("stopping the Retrovue already serving port %d (pid %d)", port, pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and _is_retrovue(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    deadline = time.monotonic() + 2
    while _alive(pid) and _is_retrovue(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid) and _is_retrovue(pid):
        raise RetrovueError(f"could not stop the Retrovue on port {port} (pid {pid})")
    return pid


class PidFile:
    """This process's claim to ``port``: written once the server is listening (a process that
    fails to bind, e.g. because another Retrovue serves the port, never overwrites that one's
    file), removed at exit only if it still names this process."""

    def __init__(self, port: int):
        self.path = pid_file(port)

    def claim(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, f"{os.getpid()}\n".encode())
        except OSError as exc:  # a read-only runtime dir must not stop the server
            log.debug("cannot write %s: %s", self.path, exc)

    def release(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if int(self.path.read_text().strip()) == os.getpid():
                self.path.unlink()
