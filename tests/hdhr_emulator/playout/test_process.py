"""An owned child: it dies with the server, and starting it runs no Python in the forked child.

A ``preexec_fn`` runs Python between fork and exec; in a server with worker threads that can
deadlock on a lock another thread held at the fork, and the event loop then waits forever for
the exec (the whole station freezes). ``os.register_at_fork`` hooks run exactly when Python code
runs in such a child, so a hook that leaves a mark shows whether any did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import asyncio, os, sys
from hdhr_emulator.playout.process import FFmpegProcess

mark = sys.argv[1]
os.register_at_fork(after_in_child=lambda: open(mark, "a").write("python ran in the child\\n"))

async def main() -> None:
    proc = FFmpegProcess(sys.argv[2:], name="child")
    await proc.start()
    print(proc.pid, flush=True)
    if sys.argv[2] == "true":
        await proc.wait()
    else:
        os.kill(os.getpid(), 9)  # the server dies without cleaning up

asyncio.run(main())
"""


def _run(tmp_path: Path, *argv: str) -> tuple[Path, int]:
    mark = tmp_path / "mark"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(mark), *argv],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[3],
    )
    return mark, int(result.stdout.split()[0])


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_starting_a_child_runs_no_python_between_fork_and_exec(tmp_path: Path) -> None:
    mark, _ = _run(tmp_path, "true")
    assert not mark.exists(), mark.read_text()


def test_the_child_is_killed_when_its_parent_dies(tmp_path: Path) -> None:
    _, pid = _run(tmp_path, "sleep", "60")
    deadline = time.monotonic() + 5.0
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not _gone(pid):
        os.kill(pid, 9)  # ours by pid: do not leave it behind when the test fails
    assert _gone(pid), f"child {pid} outlived its parent"
