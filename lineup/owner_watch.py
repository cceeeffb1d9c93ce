"""Make a pool worker die with the process that owns the pool, however that process ends.

A ``kill -9`` of ``retrovue scan`` used to leave the probe pool behind: with the forkserver
start method the workers' parent is the forkserver, not the CLI, and each worker holds the
forkserver's "alive" pipe and the resource tracker's pipe open, so none of the three ever sees
its parent go (about 115 MB, still there minutes later). ``PR_SET_PDEATHSIG`` cannot help (the
parent that dies is not the worker's parent), so each worker watches its owner's pidfd from a
thread and exits the moment the owner is gone; once the workers are gone the forkserver and the
resource tracker see end-of-file on their pipes and exit on their own.
"""

from __future__ import annotations

import logging
import os
import select
import threading

log = logging.getLogger(__name__)


def exit_with_owner(owner_pid: int) -> None:
    """Pool initializer: end this process (``os._exit``) as soon as ``owner_pid`` has exited.

    Runs in the worker. If the owner is already gone (it died while the worker was being
    forked) the worker exits at once.
    """
    try:
        pidfd = os.pidfd_open(owner_pid)
    except ProcessLookupError:
        os._exit(1)
    except OSError as exc:  # pragma: no cover - kernels before 5.3 have no pidfd
        log.debug("cannot watch the pool owner %d: %s", owner_pid, exc)
        return
    threading.Thread(target=_wait_then_exit, args=(pidfd,), name="owner-watch", daemon=True).start()


def _wait_then_exit(pidfd: int) -> None:
    """A pidfd becomes readable when its process exits; a blocked select holds no GIL."""
    select.select([pidfd], [], [])
    os._exit(1)
