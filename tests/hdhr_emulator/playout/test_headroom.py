"""Admission by CPU headroom (``--tuners auto``), as arithmetic over counters the test supplies.

The monitor's inputs are cumulative CPU seconds (machine idle, our ffmpeg children's busy time)
at given times; the test drives them like a machine whose channels each cost a known share of a
CPU, and checks which tune is refused with HDHomeRun's 805 and that the pool never starts it.
The real counters are read once too, to check they parse on this kernel.
"""

from __future__ import annotations

import asyncio

import pytest

from hdhr_emulator.errors import TunerBusyError
from hdhr_emulator.playout.headroom import (
    CpuCounters,
    HeadroomMonitor,
    auto_tuner_count,
    read_counters,
)
from hdhr_emulator.playout.tuners import TunerPool
from tests.hdhr_emulator.playout.test_tuners import FakeSession


class Machine:
    """``cpus`` CPUs; each running channel costs ``cost`` CPUs; other load ``other`` CPUs."""

    def __init__(self, cpus: float, cost: float, other: float = 0.0):
        self.cpus, self.cost, self.other = cpus, cost, other
        self.channels = 0
        self.now = 0.0
        self.idle = 0.0
        self.busy = 0.0

    def counters(self) -> CpuCounters:
        return CpuCounters(self.now, self.idle, self.busy)

    def run(self, monitor: HeadroomMonitor, seconds: int) -> None:
        """Let ``seconds`` pass, sampling once a second like the monitor's task."""
        for _ in range(seconds):
            used = min(self.cpus, self.channels * self.cost + self.other)
            self.now += 1.0
            self.idle += self.cpus - used
            self.busy += min(used, self.channels * self.cost)
            monitor.sample()


def admitted_channels(machine: Machine, tries: int = 20) -> int:
    """Tune channel after channel (a few seconds apart) until the pool refuses one."""

    async def main() -> int:
        monitor = HeadroomMonitor(machine.counters, clock=lambda: machine.now)
        log: list[FakeSession] = []

        def start(number: int, tuner: int) -> FakeSession:
            machine.channels += 1
            session = FakeSession(number, tuner, log)
            session.viewers = 1
            return session

        pool = TunerPool(64, start, admit=monitor.admit)
        machine.run(monitor, 2)
        for number in range(1, tries + 1):
            try:
                await pool.acquire(number)
            except TunerBusyError as busy:
                assert (busy.code, busy.reason) == (805, "All Tuners In Use")
                assert len(pool.sessions()) == number - 1  # nothing was started for it
                return number - 1
            machine.run(monitor, 8)
        return tries

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("cpus", "cost", "other", "expected"),
    [
        (2, 0.6, 0.0, 2),  # a third channel (1.8 of 2 CPUs, plus margin) would not fit
        (2, 0.3, 0.0, 5),  # 1.5 CPUs busy: a sixth would leave too little
        (2, 0.6, 0.8, 1),  # something else uses the machine: fewer channels fit
        (16, 0.9, 0.0, 17),  # 15.3 of 16 CPUs: real time, an 18th would not be
        (2, 0.01, 0.0, 20),  # copy-mode channels cost almost nothing: the cap decides
        (2, 3.0, 0.0, 1),  # the first channel is always admitted, however heavy
    ],
)
def test_a_tune_is_refused_when_the_idle_cpu_cannot_encode_one_more_channel(
    cpus: int, cost: float, other: float, expected: int
) -> None:
    assert admitted_channels(Machine(cpus, cost, other)) == expected


def test_two_tunes_in_one_second_cannot_share_the_last_free_cpu() -> None:
    """An admission reserves its estimate until the measurement shows the new channel."""
    machine = Machine(2, 0.6)
    monitor = HeadroomMonitor(machine.counters, clock=lambda: machine.now)
    machine.channels = 1
    machine.run(monitor, 5)
    monitor.admit(1)  # 1.4 idle: fits
    machine.channels = 2  # started, but not measured yet
    with pytest.raises(TunerBusyError):
        monitor.admit(2)


def test_the_real_counters_parse_and_auto_is_capped() -> None:
    first, second = read_counters(), read_counters()
    assert second.when >= first.when
    assert 0 <= first.machine_idle <= second.machine_idle
    assert 0 <= first.children_busy
    assert auto_tuner_count(2) == 8 and auto_tuner_count(64) == 64


def test_no_channel_is_admitted_while_a_running_one_is_behind_real_time() -> None:
    """Whatever the CPU counters say (a container's quota is not in them): a session whose
    lead has shrunk is already starving its viewers."""
    machine = Machine(16, 0.5)
    leads = [3.0, 0.4]
    monitor = HeadroomMonitor(machine.counters, clock=lambda: machine.now, leads=lambda: leads)
    machine.channels = 2
    machine.run(monitor, 5)
    with pytest.raises(TunerBusyError):
        monitor.admit(2)
    leads[1] = 2.9  # caught up
    monitor.admit(2)
