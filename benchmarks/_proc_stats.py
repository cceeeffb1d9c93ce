"""CPU and memory of a process and its children from /proc (Linux), for the playout benchmark.

A server's ffmpeg children come and go. Their CPU over a window [A, B] is exact if both ends are
sampled with :func:`sample`: the CPU of children reaped in between shows up in the server's
``cutime + cstime`` (the kernel adds a child's totals there when the parent waits for it), and
the CPU of children alive at an end is read from their own ``/proc/<pid>/stat``::

    children(A→B) = (reaped_B − reaped_A) + Σ live_B − Σ live_A
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (index 0 is field 3, "state")."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _cpu(fields: list[str]) -> float:
    """utime + stime in seconds (fields 14 and 15)."""
    return (int(fields[11]) + int(fields[12])) / TICK


def _reaped(fields: list[str]) -> float:
    """cutime + cstime in seconds (fields 16 and 17): children already waited for."""
    return (int(fields[13]) + int(fields[14])) / TICK


def children_of(pid: int) -> dict[int, float]:
    """{child pid: utime + stime} for every live (or zombie) child of ``pid``."""
    found: dict[int, float] = {}
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        kids: set[int] = set()
        for task in tasks:  # the children file is per thread (Linux ≥ 3.5)
            try:
                kids.update(int(k) for k in (task / "children").read_text().split())
            except OSError:
                pass
    except OSError:
        kids = set()
    if not kids:  # no /proc/<pid>/task/*/children: scan every process for its parent
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _stat_fields(int(entry.name))
                if fields and int(fields[1]) == pid:
                    kids.add(int(entry.name))
    for kid in kids:
        fields = _stat_fields(kid)
        if fields is not None:
            found[kid] = _cpu(fields)
    return found


@dataclass(frozen=True, slots=True)
class Sample:
    own: float  # the process's own CPU seconds
    reaped: float  # CPU seconds of children it has waited for
    live: dict[int, float]  # live children's CPU seconds
    rss: int  # bytes

    @property
    def family(self) -> float:
        """The process and every child it ever had, as of this sample."""
        return self.own + self.reaped + sum(self.live.values())


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def sample(pid: int) -> Sample:
    """Children first, then the parent: a child reaped in between is counted twice (tiny) rather
    than missed."""
    live = children_of(pid)
    fields = _stat_fields(pid)
    if fields is None:
        raise ProcessLookupError(pid)
    return Sample(_cpu(fields), _reaped(fields), live, rss_bytes(pid))


def children_cpu(a: Sample, b: Sample) -> float:
    """CPU seconds the children used between samples ``a`` and ``b``."""
    return (b.reaped - a.reaped) + sum(b.live.values()) - sum(a.live.values())


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def own_cpu() -> float:
    """This process and its waited-for children (e.g. ffmpeg decoding a capture), in seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class LoadMeter:
    """CPU used by everything on the machine except a server (and its children) and this
    process, over a phase: a busy neighbour makes latency numbers meaningless."""

    def __init__(self, pid: int):
        self.pid = pid
        self.wall = os.times().elapsed
        self.busy = machine_busy()
        self.mine = own_cpu()
        self.server = sample(pid).family

    def foreign_cores(self, pid: int) -> float | None:
        """Average cores used by other processes since the start; None if the server changed."""
        if pid != self.pid:
            return None
        wall = os.times().elapsed - self.wall
        if wall <= 0:
            return None
        busy = machine_busy() - self.busy
        other = busy - (own_cpu() - self.mine) - (sample(pid).family - self.server)
        return max(0.0, other) / wall
