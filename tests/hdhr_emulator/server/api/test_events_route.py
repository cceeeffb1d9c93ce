"""``GET /api/v1/events`` in process: the frame format, the keep-alive comment, the replay of
what a reconnecting client missed, a hung-up client leaving the bus at once, and its place in
the OpenAPI document."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from openapi_spec_validator import validate
from quart import Quart
from quart.testing.connections import TestHTTPConnection as HttpConnection

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus, EventKind
from hdhr_emulator.server.api import events as events_route
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY
from tests.support.sse import SseFrame, split_frames


@pytest.fixture
def bus() -> EventBus:
    return EventBus(clock=lambda: 1_800_000_000.5)


@pytest.fixture
def events_app(guide: LiveSchedule, bus: EventBus) -> Quart:
    return create_app(guide, None, DeviceSettings(IDENTITY, 8000), events=bus)


class Stream:
    """One open ``/api/v1/events`` response, read frame by frame."""

    def __init__(self, connection: HttpConnection):
        self.connection = connection
        self.buffer = ""
        self.frames: collections.deque[SseFrame] = collections.deque()

    async def frame(self, within: float = 5.0) -> SseFrame:
        async with asyncio.timeout(within):
            while not self.frames:
                self.buffer += (await self.connection.receive()).decode()
                frames, self.buffer = split_frames(self.buffer)
                self.frames.extend(frames)
        return self.frames.popleft()


@asynccontextmanager
async def open_stream(app: Quart, **headers: str) -> AsyncIterator[Stream]:
    client = app.test_client()
    async with client.request("/api/v1/events", headers=headers) as connection:
        await connection.send_complete()
        stream = Stream(connection)
        retry = await stream.frame()  # sent once the listener is registered
        assert retry.fields == {"retry": "3000"}
        yield stream
        await connection.disconnect()


def test_each_event_is_one_frame_with_its_id_kind_and_json(
    events_app: Quart, bus: EventBus
) -> None:
    async def main() -> None:
        async with open_stream(events_app) as stream:
            assert bus.listener_count == 1
            bus.publish(EventKind.ITEM_START, 7, item_id=2, title="Airplane!", kind="movie")
            bus.publish(EventKind.SCAN_PROGRESS, state="scanning", done=1, total=4, progress=25)
            first, second = await stream.frame(), await stream.frame()
        assert first.fields["id"] == "1" and first.kind == "item_start"
        assert first.json() == {
            "id": 1,
            "kind": "item_start",
            "at": 1_800_000_000.5,
            "channel": 7,
            "data": {"item_id": 2, "title": "Airplane!", "kind": "movie"},
        }
        assert (second.fields["id"], second.kind, second.json()["channel"]) == (
            "2",
            "scan_progress",
            None,
        )

    asyncio.run(main())


def test_the_response_is_an_uncached_event_stream(events_app: Quart) -> None:
    async def main() -> None:
        client = events_app.test_client()
        async with client.request("/api/v1/events") as connection:
            await connection.send_complete()
            await connection.receive()
            assert connection.status_code == 200
            assert connection.headers is not None
            assert connection.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            assert connection.headers["Cache-Control"] == "no-cache"
            await connection.disconnect()

    asyncio.run(main())


def test_an_idle_stream_gets_a_keep_alive_comment(
    events_app: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_route, "KEEPALIVE_SECONDS", 0.1)

    async def main() -> None:
        async with open_stream(events_app) as stream:
            frame = await stream.frame()
        assert frame.comments == ("keep-alive",) and frame.fields == {}

    asyncio.run(main())


def test_a_client_that_hangs_up_leaves_the_bus_at_once(events_app: Quart, bus: EventBus) -> None:
    async def main() -> None:
        async with open_stream(events_app), open_stream(events_app):
            assert bus.listener_count == 2
        for _ in range(100):  # the cancelled bodies unwind on the next turns of the loop
            if bus.listener_count == 0:
                break
            await asyncio.sleep(0.01)
        assert bus.listener_count == 0

    asyncio.run(main())


def test_reconnecting_with_last_event_id_replays_what_was_missed(
    events_app: Quart, bus: EventBus
) -> None:
    async def main() -> None:
        for n in range(1, 6):
            bus.publish(EventKind.SLATE, 3, seconds=float(n), reason="failed")
        async with open_stream(events_app, **{"Last-Event-ID": "3"}) as stream:
            missed = [await stream.frame(), await stream.frame()]
            bus.publish(EventKind.RESTART, 3, restarts=1)
            live = await stream.frame()
        assert [f.fields["id"] for f in missed] == ["4", "5"]
        assert (live.fields["id"], live.kind) == ("6", "restart")

    asyncio.run(main())


def test_the_event_stream_is_in_the_openapi_document(events_app: Quart) -> None:
    document = asyncio.run(AppClient(events_app).request("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/events"]["get"]
    content = operation["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    message = content["text/event-stream"]["schema"]
    assert message["title"] == "EventMessage"
    assert set(message["required"]) == {"id", "kind", "at", "channel", "data"}
    kinds = document["components"]["schemas"]["EventKind"]["enum"]
    assert set(kinds) == {kind.value for kind in EventKind}
    validate(document)


def test_the_stream_ends_cleanly_when_the_server_stops(events_app: Quart, bus: EventBus) -> None:
    """Stopping closes the bus first: open streams end instead of holding the shutdown."""

    async def main() -> None:
        client = events_app.test_client()
        async with client.request("/api/v1/events") as connection:
            await connection.send_complete()
            await connection.receive()  # the retry frame: the listener is registered
            bus.publish(EventKind.SESSION_STOP, 1, tuner=0)
            await bus.async_stop()
            rest = b""
            async with asyncio.timeout(5):
                while chunk := await connection.receive():  # b"": the body's proper end
                    rest += chunk
        assert b"event: session_stop" in rest
        assert bus.listener_count == 0

    asyncio.run(main())
