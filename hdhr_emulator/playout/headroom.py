"""Admission by measured CPU headroom: refuse a new channel the CPU cannot encode in real time.

Without it, one channel too many slows *every* channel below real time (each viewer starves
after its lead). With ``--tuners auto`` a new session is started only when the machine's idle
CPU covers what one more channel costs; otherwise the tune is refused like a busy tuner
(503 + HDHomeRun 805) and the running channels keep real time.

The measurement is two counters read once a second, never per packet: the machine's idle time
(``/proc/stat``) and the CPU time of our own ffmpeg children (``os.times()`` for the reaped ones,
``/proc/<pid>/stat`` for the live ones). A paced encoder runs at real time, so the CPU it uses
per second of wall time *is* its cost per second of media: our children's CPU rate divided by
the running sessions is what the next channel will cost. Both rates are smoothed over a few
seconds, and each admission reserves its estimate until the measurement has caught up with it,
so two tunes in the same second cannot both take the last free core.

The CPU figures can be wrong where it matters most (a container's CPU quota is not in
``/proc/stat``), so the sessions' own view is checked as well: a session whose pacer lead has
shrunk below :data:`MIN_LEAD_SECONDS` is already slower than real time, and no new channel is
admitted until it has caught up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.errors import TunerBusyError
from hdhr_emulator.util import cancel_and_wait
from lineup.config import MAX_TUNERS

log = logging.getLogger(__name__)

AUTO_TUNERS_PER_CPU = 4  # the cap for --tuners auto (copy-mode channels cost almost no CPU)
SAMPLE_SECONDS = 1.0
SMOOTHING = 0.4  # weight of the newest sample: about three seconds of memory
MARGIN = 1.25  # a new channel needs this many times its estimated cost in idle CPU ...
RESERVE_CPUS = 0.15  # ... plus this much for the server itself and its viewers
RESERVATION_SECONDS = 6.0  # an admitted channel's cost counts until the measurement shows it
MIN_LEAD_SECONDS = 1.0  # a running channel this close to real time (of its 3 s) is falling behind
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")


def cpu_count() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def auto_tuner_count(cpus: int | None = None) -> int:
    """The tuner count ``--tuners auto`` advertises: a cap, not a promise (admission decides)."""
    return min(MAX_TUNERS, AUTO_TUNERS_PER_CPU * (cpus or cpu_count()))


@dataclass(frozen=True, slots=True)
class CpuCounters:
    """Cumulative CPU seconds: the whole machine's idle time and our children's busy time."""

    when: float  # time.monotonic()
    machine_idle: float  # summed over every CPU
    children_busy: float


def read_counters() -> CpuCounters:
    return CpuCounters(time.monotonic(), _machine_idle_seconds(), _children_cpu_seconds())


def _machine_idle_seconds() -> float:
    """Idle + iowait of all CPUs, from the first line of ``/proc/stat``."""
    with open(_PROC / "stat", encoding="ascii") as stat:
        fields = stat.readline().split()
    return (int(fields[4]) + int(fields[5])) / _CLOCK_TICKS


def _children_cpu_seconds() -> float:
    """CPU seconds of every child we have started: the reaped ones, plus the live ones.

    A child reaped between the two reads would be counted twice (or not at all), so the read
    is repeated until the reaped total did not change meanwhile.
    """
    for _ in range(3):
        before = os.times()
        live = sum(_process_cpu_seconds(pid) for pid in _live_children())
        after = os.times()
        if (before.children_user, before.children_system) == (
            after.children_user,
            after.children_system,
        ):
            break
    return after.children_user + after.children_system + live


def _live_children() -> set[int]:
    pids: set[int] = set()
    for task in (_PROC / "self" / "task").iterdir():
        try:
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:  # the thread ended, or a kernel without the children file
            continue
    return pids


def _process_cpu_seconds(pid: int) -> float:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)", which may contain spaces
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


@dataclass(frozen=True, slots=True)
class Headroom:
    """The smoothed measurement: idle CPUs on the machine, CPUs our encoders use."""

    idle_cpus: float
    encoder_cpus: float


class HeadroomMonitor:
    """Samples the counters once a second; :meth:`admit` decides whether a new channel fits."""

    def __init__(
        self,
        read: Callable[[], CpuCounters] = read_counters,
        clock: Callable[[], float] = time.monotonic,
        leads: Callable[[], list[float]] = list,
    ):
        """``leads()``: how far each running session is ahead of real time, in seconds."""
        self._read = read
        self._leads = leads
        self._clock = clock
        self._last: CpuCounters | None = None
        self.headroom: Headroom | None = None
        self._reserved: list[tuple[float, float]] = []  # (until, cpus) per recent admission
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        """Read the counters and fold the rates since the last read into the average."""
        now = self._read()
        last, self._last = self._last, now
        if last is None or now.when <= last.when:
            return
        elapsed = now.when - last.when
        idle = max(0.0, now.machine_idle - last.machine_idle) / elapsed
        busy = max(0.0, now.children_busy - last.children_busy) / elapsed
        if self.headroom is None:
            self.headroom = Headroom(idle, busy)
        else:
            previous = self.headroom
            self.headroom = Headroom(
                previous.idle_cpus + SMOOTHING * (idle - previous.idle_cpus),
                previous.encoder_cpus + SMOOTHING * (busy - previous.encoder_cpus),
            )

    def admit(self, running: int) -> None:
        """Allow one more session next to ``running`` ones, or raise TunerBusyError(805).

        The first session is always admitted: there is nothing running to protect.
        """
        now = self._clock()
        self._reserved = [(until, cpus) for until, cpus in self._reserved if until > now]
        headroom = self.headroom
        if running == 0:
            return
        lagging = min(self._leads(), default=MIN_LEAD_SECONDS)
        if lagging < MIN_LEAD_SECONDS:
            log.warning(
                "refusing a new channel: a running channel is only %.2f s ahead of real time",
                lagging,
            )
            raise TunerBusyError(805, "All Tuners In Use")
        if headroom is None:
            return
        # sessions admitted moments ago are not in the measurement yet (their reservation is)
        cost = headroom.encoder_cpus / max(1, running - len(self._reserved))
        available = headroom.idle_cpus - sum(cpus for _, cpus in self._reserved)
        needed = cost * MARGIN + RESERVE_CPUS
        if available < needed:
            log.warning(
                "refusing a new channel: %.2f CPUs idle, one more channel needs about %.2f "
                "(%d running use %.2f)",
                available,
                needed,
                running,
                headroom.encoder_cpus,
            )
            raise TunerBusyError(805, "All Tuners In Use")
        self._reserved.append((now + RESERVATION_SECONDS, cost))

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.sample)
            except (OSError, ValueError, IndexError) as exc:  # no /proc: admit everything
                log.warning("cannot measure CPU headroom (%s); admission by count only", exc)
                self.headroom = None
                return
            await asyncio.sleep(SAMPLE_SECONDS)

    async def async_start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="cpu headroom")

    async def async_stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
