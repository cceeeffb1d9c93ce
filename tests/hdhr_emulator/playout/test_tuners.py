"""The tuner pool: who gets a tuner, who is evicted for it, and when a tune is refused.

Clients (Plex, Channels, Kodi) react to the exact HDHomeRun error: 805 "All Tuners In Use" on
``/auto`` and 804 "Tuner In Use" on ``/tunerN``. A session that only lingers (no viewers, kept
warm for channel surfing) must never cost a viewer a tune. The sessions here are fakes that
implement the pool's ``TunerSession`` interface and record when they are stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from hdhr_emulator.errors import TunerBusyError
from hdhr_emulator.playout.tuners import TunerPool
from lineup.errors import ConfigError

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeSession:
    """A channel session as the pool sees it: a channel, a tuner, viewers, stoppable once."""

    def __init__(self, channel_number: int, tuner: int, log: list[FakeSession]):
        self.channel_number = channel_number
        self.tuner = tuner
        self.viewers = 0
        self.stop_delay = 0.0  # how long async_stop takes (ffmpeg being reaped)
        self.stop_error: Exception | None = None
        self._stopped = False
        self._log = log

    @property
    def viewer_count(self) -> int:
        return self.viewers

    @property
    def stopped(self) -> bool:
        return self._stopped

    async def async_stop(self) -> None:
        await asyncio.sleep(self.stop_delay)
        self._stopped = True
        self._log.append(self)
        if self.stop_error is not None:
            raise self.stop_error

    def __repr__(self) -> str:
        return f"<channel {self.channel_number} on tuner {self.tuner}>"


class Station:
    """A pool of ``count`` tuners over fake sessions, with what was started and stopped."""

    def __init__(self, count: int):
        self.started: list[FakeSession] = []
        self.stopped: list[FakeSession] = []
        self.fail_start: Exception | None = None
        self.pool = TunerPool(count, self._start)

    def _start(self, channel_number: int, tuner: int) -> FakeSession:
        if self.fail_start is not None:
            raise self.fail_start
        session = FakeSession(channel_number, tuner, self.stopped)
        self.started.append(session)
        return session

    async def tune(self, channel_number: int, tuner: int | None = None) -> FakeSession:
        """What the engine does for a request: acquire, then attach one viewer."""
        session = await self.pool.acquire(channel_number, tuner)
        assert isinstance(session, FakeSession)
        session.viewers += 1
        return session

    def layout(self) -> dict[int, int]:
        """Tuner index → channel number of the live sessions."""
        return {i: s.channel_number for i, s in self.pool.sessions().items()}


def test_new_channels_take_the_lowest_free_tuner() -> None:
    """Tuners fill from 0; a tuner freed by a stopped session is the next one used."""

    async def main() -> None:
        station = Station(3)
        for number in (5, 7, 9):
            await station.tune(number)
        assert station.layout() == {0: 5, 1: 7, 2: 9}
        await station.started[1].async_stop()  # channel 7 lingered out
        assert (await station.tune(11)).tuner == 1
        assert station.layout() == {0: 5, 1: 11, 2: 9}

    run(main())


def test_viewers_of_one_channel_share_its_session() -> None:
    """However many viewers, a channel holds one tuner and one ffmpeg pipeline."""

    async def main() -> None:
        station = Station(2)
        first = await station.tune(5)
        second = await station.tune(5)
        assert second is first and first.viewers == 2
        assert station.started == [first]
        assert station.pool.session_for(5) is first

    run(main())


def test_concurrent_tunes_of_one_channel_start_one_session_even_during_an_eviction() -> None:
    """Tune-ins are serialised: while a lingering session is slowly stopped to free the only
    tuner, a second request for the same channel waits and then joins the new session."""

    async def main() -> None:
        station = Station(1)
        old = await station.tune(3)
        old.viewers = 0
        old.stop_delay = 0.05
        first, second = await asyncio.gather(station.tune(8), station.tune(8))
        assert first is second
        assert [s.channel_number for s in station.started] == [3, 8]
        assert station.stopped == [old]

    run(main())


def test_all_tuners_watched_is_805_with_nothing_stopped_or_started() -> None:
    """When every tuner has viewers, a new channel is refused; nobody loses their stream."""

    async def main() -> None:
        station = Station(2)
        await station.tune(5)
        await station.tune(7)
        with pytest.raises(TunerBusyError) as refused:
            await station.tune(9)
        assert (refused.value.code, refused.value.reason) == (805, "All Tuners In Use")
        assert station.stopped == []
        assert len(station.started) == 2
        assert station.layout() == {0: 5, 1: 7}

    run(main())


def test_a_pool_without_tuners_refuses_with_805() -> None:
    """``--tuners 0`` is a device that can never tune, not one that crashes."""

    async def main() -> None:
        station = Station(0)
        with pytest.raises(TunerBusyError, match="805 All Tuners In Use"):
            await station.tune(5)

    run(main())


def test_a_lingering_session_is_stopped_to_make_room_instead_of_refusing() -> None:
    """A full pool with one session that nobody watches: that one goes, the tune succeeds."""

    async def main() -> None:
        station = Station(2)
        watched = await station.tune(5)
        idle = await station.tune(7)
        idle.viewers = 0
        new = await station.tune(9)
        assert station.stopped == [idle]
        assert new.tuner == idle.tuner == 1
        assert station.layout() == {0: 5, 1: 9}
        assert not watched.stopped

    run(main())


def test_of_several_lingering_sessions_the_lowest_tuner_is_evicted_first() -> None:
    """The pool does not know how long a session has been idle: it evicts the lingering
    session on the lowest tuner index, here tuner 1 although tuner 3 has lingered longest."""

    async def main() -> None:
        station = Station(4)
        sessions = [await station.tune(n) for n in (10, 11, 12, 13)]
        for index in (3, 2, 1):  # tuner 3's viewer left first, tuner 1's last
            sessions[index].viewers = 0
            await asyncio.sleep(0.01)
        assert (await station.tune(20)).tuner == 1
        assert (await station.tune(21)).tuner == 2
        assert (await station.tune(22)).tuner == 3
        assert station.stopped == sessions[1:]
        with pytest.raises(TunerBusyError) as refused:
            await station.tune(23)
        assert refused.value.code == 805
        assert station.layout() == {0: 10, 1: 20, 2: 21, 3: 22}

    run(main())


def test_a_specific_tuner_with_viewers_is_804() -> None:
    """``/tuner1`` busy with another watched channel: 804, even though tuner 0 is free."""

    async def main() -> None:
        station = Station(2)
        await station.tune(5, tuner=1)
        with pytest.raises(TunerBusyError) as refused:
            await station.tune(7, tuner=1)
        assert (refused.value.code, refused.value.reason) == (804, "Tuner In Use")
        assert station.stopped == []
        assert station.layout() == {1: 5}

    run(main())


@pytest.mark.parametrize("tuner", [-1, 2, 99])
def test_a_tuner_the_device_does_not_have_is_804(tuner: int) -> None:
    """Only /tuner0 … /tuner(count-1) exist; any other index is refused, nothing starts."""

    async def main() -> None:
        station = Station(2)
        with pytest.raises(TunerBusyError) as refused:
            await station.tune(5, tuner=tuner)
        assert refused.value.code == 804
        assert station.started == []

    run(main())


def test_a_specific_tuner_that_only_lingers_is_taken_over() -> None:
    """``/tuner0`` holding an unwatched channel: it is stopped and the new channel starts on
    the same tuner (not on a free one)."""

    async def main() -> None:
        station = Station(3)
        idle = await station.tune(5)
        idle.viewers = 0
        new = await station.tune(7, tuner=0)
        assert station.stopped == [idle]
        assert new.tuner == 0
        assert station.layout() == {0: 7}

    run(main())


def test_a_specific_tuner_joins_its_own_channel_and_another_tuner_gets_a_second_session() -> None:
    """``/tuner1/v5`` joins channel 5 already on tuner 1; ``/tuner0/v5`` tunes tuner 0 to
    channel 5 independently, as a real multi-tuner device would."""

    async def main() -> None:
        station = Station(2)
        on_one = await station.tune(5, tuner=1)
        assert await station.tune(5, tuner=1) is on_one
        on_zero = await station.tune(5, tuner=0)
        assert on_zero is not on_one and on_zero.tuner == 0
        assert station.layout() == {0: 5, 1: 5}
        assert await station.tune(5) in (on_one, on_zero)  # /auto joins, starts no third
        assert len(station.started) == 2

    run(main())


def test_stopped_sessions_are_forgotten() -> None:
    """A session that stopped itself (its linger ran out, or its producer died) frees its
    tuner and is never handed to a new viewer: the channel gets a fresh session."""

    async def main() -> None:
        station = Station(1)
        old = await station.tune(5)
        await old.async_stop()
        assert station.pool.sessions() == {}
        assert station.pool.session_for(5) is None
        new = await station.tune(5)
        assert new is not old and not new.stopped
        assert station.layout() == {0: 5}

    run(main())


def test_a_session_that_fails_to_start_takes_no_tuner() -> None:
    """A channel whose session cannot start (e.g. copy impossible) leaves the tuner free."""

    async def main() -> None:
        station = Station(1)
        station.fail_start = ConfigError("channel 5 cannot use copy mode")
        with pytest.raises(ConfigError):
            await station.tune(5)
        assert station.pool.sessions() == {}
        station.fail_start = None
        assert (await station.tune(6)).tuner == 0

    run(main())


def test_shutdown_stops_every_session_even_when_one_stop_fails() -> None:
    """async_stop stops watched and lingering sessions alike, concurrently; one session that
    fails to stop does not keep the others (and their ffmpeg) running."""

    async def main() -> None:
        station = Station(3)
        sessions = [await station.tune(n) for n in (5, 7, 9)]
        sessions[1].viewers = 0
        sessions[0].stop_error = RuntimeError("boom")
        for session in sessions:
            session.stop_delay = 0.05
        started = asyncio.get_running_loop().time()
        await station.pool.async_stop()
        assert asyncio.get_running_loop().time() - started < 0.14  # not one after another
        assert all(s.stopped for s in sessions)
        assert sorted(s.channel_number for s in station.stopped) == [5, 7, 9]
        assert station.pool.sessions() == {}

    run(main())
