"""The override desk on its own: validation, events, persistence across a restart, expiry."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Collection
from pathlib import Path

import pytest

from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.server.overrides import (
    OVERRIDES_FILE,
    DeskContext,
    OverrideDesk,
    OverrideError,
    OverrideRequest,
)
from lineup.errors import UnknownChannelError
from lineup.models import ItemKind, MediaItem
from tests.lineup.media import episode

SHOW = episode(3, "Show", 1, 1, duration=120.0)


class Station:
    """What a desk asks of the server, recorded."""

    def __init__(self, media: Path, now: float = 1_800_000_000.0):
        self.media = media
        self.now = now
        self.interrupted: list[tuple[int, ...]] = []
        self.events: list[StationEvent] = []
        self.bus = EventBus()
        self.bus.tap(self.events.append)

    def interrupt(self, channels: Collection[int]) -> None:
        self.interrupted.append(tuple(channels))

    def item(self, item_id: int) -> MediaItem | None:
        return SHOW if item_id == SHOW.id else None

    def desk(self, data: Path) -> OverrideDesk:
        context = DeskContext(
            channels=lambda: [1, 2, 5],
            item=self.item,
            media_folders=(self.media,),
            interrupt=self.interrupt,
            clock=lambda: self.now,
        )
        return OverrideDesk(data, self.bus, context)


@pytest.fixture
def station(tmp_path: Path) -> Station:
    (tmp_path / "media").mkdir()
    return Station(tmp_path / "media")


def test_start_and_end_publish_events_and_interrupt_the_channels(
    station: Station, tmp_path: Path
) -> None:
    desk = station.desk(tmp_path)

    async def scenario() -> None:
        started = await desk.start(OverrideRequest((5, 1), message=" Storm ", minutes=2))
        assert started.channels == (1, 5) and started.title == "Storm"
        assert started.ends == station.now + 120
        assert [w.item.kind for w in desk.windows()] == [ItemKind.OVERRIDE]
        await desk.end(started.id)
        assert desk.windows() == () and desk.active() == []

    asyncio.run(scenario())
    assert station.interrupted == [(1, 5), (1, 5)]
    kinds = [event.kind for event in station.events]
    assert kinds == [EventKind.OVERRIDE_START, EventKind.OVERRIDE_END]


def test_bad_requests_are_refused_with_their_status(station: Station, tmp_path: Path) -> None:
    desk = station.desk(tmp_path)
    (tmp_path / "secret.mp4").write_bytes(b"x")
    cases = [
        (OverrideRequest("all"), 400),
        (OverrideRequest("all", message="a", item=3), 400),
        (OverrideRequest("all", message="   "), 400),
        (OverrideRequest("all", message="a", minutes=0), 400),
        (OverrideRequest((), message="a"), 400),
        (OverrideRequest("all", item=4), 404),
        (OverrideRequest("all", file="../secret.mp4"), 400),
        (OverrideRequest("all", file=str(tmp_path / "secret.mp4")), 400),
        (OverrideRequest("all", file="missing.mp4"), 400),
    ]
    for request, status in cases:
        with pytest.raises(OverrideError) as raised:
            asyncio.run(desk.start(request))
        assert raised.value.http_status == status, request
    with pytest.raises(UnknownChannelError):
        asyncio.run(desk.start(OverrideRequest((9,), message="a")))
    assert desk.active() == [] and station.interrupted == []


def test_an_item_override_loops_the_catalog_item(station: Station, tmp_path: Path) -> None:
    desk = station.desk(tmp_path)
    started = asyncio.run(desk.start(OverrideRequest("all", item=SHOW.id)))
    (window,) = desk.windows()
    assert window.channels is None and window.end is None
    assert window.item.path == SHOW.path and window.item.kind == ItemKind.OVERRIDE
    assert started.title == SHOW.title and started.item == SHOW.id


def test_active_overrides_survive_a_restart_and_expired_ones_are_dropped(
    station: Station, tmp_path: Path
) -> None:
    desk = station.desk(tmp_path)
    short = asyncio.run(desk.start(OverrideRequest((1,), message="Short", minutes=1)))
    long = asyncio.run(desk.start(OverrideRequest("all", item=SHOW.id, minutes=30)))
    endless = asyncio.run(desk.start(OverrideRequest((2,), message="Endless")))
    path = tmp_path / OVERRIDES_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    station.now += 120  # "Short" expired while the server was stopped
    again = station.desk(tmp_path)
    again.load()

    assert again.active() == [long, endless]
    assert [w.item.title for w in again.windows()] == [SHOW.title, "Endless"]
    assert short.id not in path.read_text()  # dropped from the file too
    assert [o["id"] for o in json.loads(path.read_text())["overrides"]] == [long.id, endless.id]


def test_a_damaged_file_is_ignored(station: Station, tmp_path: Path) -> None:
    (tmp_path / OVERRIDES_FILE).write_text("{not json")
    desk = station.desk(tmp_path)
    desk.load()
    assert desk.active() == []


def test_an_override_expires_on_time(tmp_path: Path) -> None:
    station = Station(tmp_path)
    context = DeskContext(
        channels=lambda: [1], item=station.item, media_folders=(), interrupt=station.interrupt
    )
    desk = OverrideDesk(tmp_path, station.bus, context)

    async def scenario() -> None:
        await desk.async_start()
        try:
            await desk.start(OverrideRequest((1,), message="Brief", minutes=0.005))  # 0.3 s
            assert len(desk.active()) == 1
            for _ in range(100):
                await asyncio.sleep(0.05)
                if not desk.active():
                    break
        finally:
            await desk.async_stop()

    asyncio.run(scenario())
    assert desk.active() == []
    assert station.events[-1].kind == EventKind.OVERRIDE_END
    assert station.events[-1].as_json()["data"]["reason"] == "expired"
    # an expiry needs no interrupt: the window ended where the sessions had planned the switch
    assert station.interrupted == [(1,)]
