"""``/api/v1/override`` in-process: shapes, statuses, the schedule it changes, its events."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import pytest

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.overrides import DeskContext, OverrideDesk
from lineup.models import ItemKind
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY


@pytest.fixture
def events() -> list[StationEvent]:
    return []


@pytest.fixture
def desk_client(guide: LiveSchedule, tmp_path: Path, events: list[StationEvent]) -> AppClient:
    bus = EventBus()
    bus.tap(events.append)
    desk = OverrideDesk(
        tmp_path,
        bus,
        DeskContext(
            channels=lambda: [c.number for c in guide.schedule.channels],
            item=guide.item,
            media_folders=(),
            interrupt=lambda channels: None,
        ),
    )
    guide.overrides = desk.windows
    app = create_app(guide, None, DeviceSettings(IDENTITY, 8000), events=bus, overrides=desk)
    return AppClient(app)


def test_an_override_is_created_listed_aired_and_ended(
    desk_client: AppClient, guide: LiveSchedule, events: list[StationEvent]
) -> None:
    async def scenario() -> None:
        before = time.time()
        body = {"channels": [7], "message": "Storm", "minutes": 2}
        created = await desk_client.request("/api/v1/override", "POST", body)
        assert created.status == 201, created.body
        override = created.json()
        assert set(override) == {
            *("id", "channels", "target", "message", "item", "file", "title", "started", "ends")
        }
        assert override["id"].startswith("ov-") and override["target"] == [7]
        assert override["started"].endswith("Z")
        started = datetime.fromisoformat(override["started"]).timestamp()
        assert before - 1 <= started <= time.time() + 1
        assert override["ends"].endswith("Z")

        listed = await desk_client.request("/api/v1/override")
        assert listed.json() == {"overrides": [override]}
        status = await desk_client.request("/api/v1/status")
        assert status.json()["overrides"] == [override]
        schedule = (await desk_client.request("/api/v1/channels/7/schedule")).json()
        first = schedule["segments"][0]
        assert (first["kind"], first["title"], first["item_id"]) == ("override", "Storm", None)
        assert any(s["kind"] != "override" for s in schedule["segments"])  # after its end
        airing = guide.schedule.at(7, time.time())
        assert airing.segment.item.kind == ItemKind.OVERRIDE
        assert guide.schedule.at(1, time.time()).segment.item.kind != ItemKind.OVERRIDE

        ended = await desk_client.request(f"/api/v1/override/{override['id']}", "DELETE")
        assert ended.status == 204 and ended.body == b""
        again = await desk_client.request(f"/api/v1/override/{override['id']}", "DELETE")
        assert again.status == 404 and again.json()["error"].startswith("no active override")
        assert (await desk_client.request("/api/v1/override")).json() == {"overrides": []}
        assert guide.schedule.at(7, time.time()).segment.item.kind != ItemKind.OVERRIDE

    asyncio.run(scenario())
    assert [e.kind for e in events] == [EventKind.OVERRIDE_START, EventKind.OVERRIDE_END]
    assert events[0].as_json()["data"]["started"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"channels": [1]}, 400),
        ({"channels": [1], "message": "a", "item": 1}, 400),
        ({"channels": [1], "message": "a", "minutes": 0}, 400),
        ({"channels": "some", "message": "a"}, 400),
        ({"channels": [1], "message": "a", "minutes": "soon"}, 400),
        ({"channels": [], "message": "a"}, 400),
        ({"channels": [42], "message": "a"}, 404),
        ({"channels": [1], "item": 999999}, 404),
        ({"channels": [1], "file": "/etc/passwd"}, 400),
    ],
)
def test_bad_bodies_are_json_errors(desk_client: AppClient, body: object, status: int) -> None:
    reply = asyncio.run(desk_client.request("/api/v1/override", "POST", body))
    assert reply.status == status, reply.body
    assert set(reply.json()) == {"error", "detail"}


def test_the_override_routes_are_in_the_openapi_document(desk_client: AppClient) -> None:
    paths = asyncio.run(desk_client.request("/api/v1/openapi.json")).json()["paths"]
    assert set(paths["/api/v1/override"]) == {"get", "post"}
    assert set(paths["/api/v1/override/{override_id}"]) == {"delete"}
