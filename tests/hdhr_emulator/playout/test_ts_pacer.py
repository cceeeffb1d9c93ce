"""Pacer: a burst of ``lead`` seconds at once, then real time, on a fake clock."""

from __future__ import annotations

import pytest

from hdhr_emulator.playout.ts import PTS_HZ, Pacer
from hdhr_emulator.playout.ts.packets import TS_WRAP


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_burst_then_real_time() -> None:
    clock, pacer = FakeClock(), Pacer(lead=3.0)
    start = 5 * PTS_HZ
    assert pacer.delay_until_release(start, clock.now) == 0.0  # anchors
    assert pacer.delay_until_release(start + 3 * PTS_HZ, clock.now) == 0.0  # the burst
    assert pacer.delay_until_release(start + 4 * PTS_HZ, clock.now) == pytest.approx(1.0)
    clock.advance(10.0)
    assert pacer.delay_until_release(start + 13 * PTS_HZ, clock.now) == 0.0  # still 3 s ahead
    assert pacer.delay_until_release(start + 13 * PTS_HZ + 9000, clock.now) == pytest.approx(0.1)
    assert pacer.release_limit(clock.now) == start + 13 * PTS_HZ


def test_a_simulated_session_stays_lead_ahead_of_real_time() -> None:
    """Release 40 ms frames as soon as allowed: after the burst, one frame per 40 ms."""
    clock, pacer = FakeClock(), Pacer(lead=2.0)
    released_at = []
    for frame in range(200):
        ts = frame * 3600
        wait = pacer.delay_until_release(ts, clock.now)
        clock.advance(wait)
        released_at.append(clock.now)
    assert released_at[50] == released_at[0]  # 2 s of media at once
    assert released_at[100] - released_at[0] == pytest.approx(2.0)
    ahead = 199 * 3600 / PTS_HZ - (released_at[-1] - released_at[0])
    assert ahead == pytest.approx(2.0)


def test_falling_behind_releases_everything_due() -> None:
    clock, pacer = FakeClock(), Pacer(lead=1.0)
    pacer.start(0, clock.now)
    clock.advance(30.0)
    assert pacer.delay_until_release(20 * PTS_HZ, clock.now) == 0.0


def test_timestamps_across_the_33_bit_wrap() -> None:
    clock, pacer = FakeClock(), Pacer(lead=0.0)
    pacer.start(TS_WRAP - PTS_HZ, clock.now)  # 1 s before the wrap
    assert pacer.delay_until_release(PTS_HZ, clock.now) == pytest.approx(2.0)  # as written
    assert pacer.delay_until_release(TS_WRAP + 2 * PTS_HZ, clock.now) == pytest.approx(3.0)


def test_seconds_reset_and_errors() -> None:
    clock, pacer = FakeClock(), Pacer(lead=0.5)
    assert pacer.delay(10.0, clock.now) == 0.0
    assert pacer.delay(12.0, clock.now) == pytest.approx(1.5)
    pacer.reset()
    assert not pacer.started
    assert pacer.delay(50.0, clock.now) == 0.0  # a new anchor
    with pytest.raises(RuntimeError):
        Pacer().release_limit(0.0)
    with pytest.raises(ValueError):
        Pacer(lead=-1)


def test_ahead_is_the_lead_while_production_keeps_up_and_shrinks_when_it_does_not() -> None:
    clock, pacer = FakeClock(), Pacer(lead=3.0)
    assert pacer.ahead(clock.now) is None
    for frame in range(100):  # 4 s of 40 ms frames, released as soon as allowed
        clock.advance(pacer.delay_until_release(frame * 3600, clock.now))
    assert pacer.ahead(clock.now) == pytest.approx(3.0, abs=0.05)
    for frame in range(100, 150):  # then each 40 ms frame takes 60 ms to make: 0.67x
        clock.advance(0.06)
        clock.advance(pacer.delay_until_release(frame * 3600, clock.now))
    assert pacer.ahead(clock.now) == pytest.approx(3.0 - 50 * 0.02, abs=0.05)
