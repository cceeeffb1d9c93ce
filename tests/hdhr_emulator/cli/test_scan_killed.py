"""``kill -9`` of ``retrovue scan`` mid-scan leaves no process behind (issue 10, defect 3).

The probe pool's forkserver, resource tracker and workers used to outlive a killed scan for
good. The scan runs as a real subprocess on a library big enough for the process pool; its
descendants are read from /proc just before the kill, and every one of them must be gone a few
seconds later.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ClipFactory

FILES = 4000  # hard links to one clip: enough that the scan is still probing when killed
POOL = 3  # forkserver + resource tracker + at least one worker


def _parents() -> dict[int, int]:
    """``{pid: ppid}`` of every process, from /proc/*/stat (the field after the command)."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone since the listing
            continue
        found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def descendants(root: int) -> set[int]:
    """Children of ``root``, their children, and so on."""
    parents = _parents()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """A pid that exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_killed_scan_leaves_no_process(tmp_path: Path, make_clip: ClipFactory) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 1.0)
    movies = tmp_path / "media" / "Movies"
    movies.mkdir(parents=True)
    for n in range(FILES):
        os.link(clip, movies / f"Film {n} (1980).mp4")
    env = {k: v for k, v in os.environ.items() if k not in ("RETROVUE_DATA_DIR", "RETROVUE_DEBUG")}
    argv = [sys.executable, "-m", "hdhr_emulator", "--data-dir", str(tmp_path / "data")]
    scan = subprocess.Popen(
        [*argv, "scan", "--media", str(tmp_path / "media")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(seen) < POOL and time.monotonic() < deadline and scan.poll() is None:
            seen |= descendants(scan.pid)
            time.sleep(0.05)
        seen |= descendants(scan.pid)
        assert scan.poll() is None, "the scan ended before its pool was seen; use more files"
        assert len(seen) >= POOL, f"no process pool after 60 s: {sorted(seen)}"
        scan.send_signal(signal.SIGKILL)
        scan.wait(timeout=10)
        deadline = time.monotonic() + 5  # "within a few seconds"
        while any(map(_alive, seen)) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = sorted(pid for pid in seen if _alive(pid))
        assert not left, f"still running after the scan was killed: {left}"
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.wait(timeout=10)
        for pid in seen:  # by pid, each one recorded as a descendant of our scan
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
