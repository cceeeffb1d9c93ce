"""The station's event bus: publishing never blocks, a slow listener loses its oldest events
(and knows how many), a listener leaves with its block, and a broken tap cannot stop playout."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hdhr_emulator.events import LISTENER_BACKLOG, BusClosed, EventBus, EventKind, StationEvent


def test_a_listener_gets_every_event_in_order_as_json() -> None:
    async def main() -> None:
        bus = EventBus(clock=lambda: 1000.0)
        async with bus.listen() as listener:
            bus.publish(EventKind.TUNE, 5, address="127.0.0.1", tuner=0, latency_s=0.2)
            bus.publish(EventKind.ITEM_START, 5, item_id=3, title="Pilot", kind="episode")
            first, second = await listener.get(), await listener.get()
        assert first.as_json() == {
            "id": 1,
            "kind": "tune",
            "at": 1000.0,
            "channel": 5,
            "data": {"address": "127.0.0.1", "tuner": 0, "latency_s": 0.2},
        }
        # an item's kind travels in the data: publish's own kind is positional-only
        assert (second.id, second.kind, second.data["kind"]) == (2, EventKind.ITEM_START, "episode")

    asyncio.run(main())


def test_a_slow_listener_drops_its_oldest_events_and_publishing_never_waits() -> None:
    async def main() -> None:
        bus = EventBus()
        extra = 50
        async with bus.listen() as slow:
            # nobody reads: every publish must still return at once (no await here at all)
            for n in range(LISTENER_BACKLOG + extra):
                bus.publish(EventKind.SLATE, 1, seconds=n)
            assert slow.dropped == extra
            kept = [await slow.get() for _ in range(LISTENER_BACKLOG)]
        assert [e.data["seconds"] for e in kept] == list(range(extra, LISTENER_BACKLOG + extra))

    asyncio.run(main())


def test_a_listener_leaves_the_bus_with_its_block_even_when_cancelled() -> None:
    async def main() -> None:
        bus = EventBus()

        async def read_forever() -> None:
            async with bus.listen() as listener:
                while True:
                    await listener.get()

        reader = asyncio.create_task(read_forever())
        await asyncio.sleep(0)  # the reader runs to its first wait
        assert bus.listener_count == 1
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        assert bus.listener_count == 0
        bus.publish(EventKind.ERROR, message="nobody listens: still fine")

    asyncio.run(main())


def test_a_broken_tap_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[StationEvent] = []

    def broken(event: StationEvent) -> None:
        raise ValueError("metrics bug")

    bus.tap(broken)
    bus.tap(seen.append)
    with caplog.at_level(logging.ERROR):
        event = bus.publish(EventKind.RESTART, 2, restarts=1)
    assert seen == [event]
    assert "event tap failed on restart" in caplog.text


def test_closing_the_bus_ends_every_listener_after_what_it_had_queued() -> None:
    async def main() -> None:
        bus = EventBus()
        async with bus.listen() as listener:
            bus.publish(EventKind.SESSION_STOP, 1, tuner=0)
            bus.close()
            bus.publish(EventKind.SESSION_STOP, 2, tuner=1)  # after the close: not delivered
            assert (await listener.get()).channel == 1
            for _ in range(2):  # and it stays ended
                with pytest.raises(BusClosed):
                    await listener.get()
        async with bus.listen() as late:  # a listener arriving during shutdown ends at once
            with pytest.raises(BusClosed):
                await late.get()

    asyncio.run(main())


def test_closing_wakes_a_listener_that_is_waiting() -> None:
    async def main() -> None:
        bus = EventBus()
        async with bus.listen() as listener:
            waiting = asyncio.create_task(listener.get())
            await asyncio.sleep(0)
            bus.close()
            with pytest.raises(BusClosed):
                await waiting

    asyncio.run(main())


def test_a_full_backlog_still_ends_on_close() -> None:
    async def main() -> None:
        bus = EventBus()
        async with bus.listen() as listener:
            for n in range(LISTENER_BACKLOG + 3):
                bus.publish(EventKind.SLATE, 1, seconds=n)
            bus.close()
            kept = [await listener.get() for _ in range(LISTENER_BACKLOG)]
            with pytest.raises(BusClosed):
                await listener.get()
        assert kept[-1].data["seconds"] == LISTENER_BACKLOG + 2

    asyncio.run(main())
