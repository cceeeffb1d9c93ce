"""What a channel session tells the station: its start and stop, each item once as it goes on
air (not again when its ffmpeg is restarted), a failed item, the restart and the slate that
covered it. Runs the real producer against the stand-in ffmpeg of test_session."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.viewer import Viewer
from lineup.schedule import Schedule
from tests.hdhr_emulator.playout.test_session import (  # noqa: F401 - fixtures
    CHANNEL,
    T0,
    A,
    Client,
    FakeFFmpeg,
    Slates,
    fake_ffmpeg,
    schedule,
    started,
    ts_clip,
    until,
)


def kinds(events: list[StationEvent]) -> list[str]:
    return [e.kind.value for e in events]


def only(events: list[StationEvent], kind: EventKind) -> list[dict[str, Any]]:
    return [dict(e.data) for e in events if e.kind == kind]


def test_a_session_publishes_its_seams_and_the_failure_restart_and_slate_of_an_item(
    fake_ffmpeg: FakeFFmpeg,  # noqa: F811
    schedule: Schedule,  # noqa: F811
    ts_clip: Path,  # noqa: F811
) -> None:
    """Item A dies after 0.6 s, is restarted once, fails again and the slate covers the rest of
    its slot; then B airs. The station hears exactly that, in that order, for channel 4."""
    slate = ts_clip.read_bytes()

    async def main() -> list[StationEvent]:
        bus = EventBus()
        seen: list[StationEvent] = []
        bus.tap(seen.append)
        fake_ffmpeg.act({A: ["part", "fail", "ok"]})
        slates = Slates(slate)
        context = PlayoutContext(
            ffmpeg=str(fake_ffmpeg.path),
            schedule=lambda: schedule,
            slate=slates,
            clock=lambda: T0,
            publish=bus.publish,
        )
        session = ChannelSession(CHANNEL.number, 1, context)
        viewer = Viewer("10.0.0.2")
        async with started(session):
            session.attach(viewer)
            client = Client(viewer)
            await until(lambda: len(only(seen, EventKind.ITEM_START)) >= 2, "B goes on air after A")
        await client.task
        return seen

    seen = asyncio.run(main())

    assert all(e.channel == CHANNEL.number for e in seen)
    assert kinds(seen) == [
        "session_start",
        "item_start",  # A, once, although its ffmpeg ran twice
        "item_failed",
        "restart",
        "item_failed",
        "slate",
        "item_start",  # B
        "session_stop",
    ]
    assert only(seen, EventKind.SESSION_START) == [{"tuner": 1, "mode": "transcode"}]
    a_start, b_start = only(seen, EventKind.ITEM_START)
    assert a_start == {"item_id": 1, "title": "Item 1", "kind": "episode", "offset_s": 0.0}
    assert (b_start["item_id"], b_start["title"]) == (2, "Item 2")
    first_failure, second_failure = only(seen, EventKind.ITEM_FAILED)
    assert first_failure["item_id"] == 1 and "exited with 1" in first_failure["reason"]
    assert "exited with 1" in second_failure["reason"]
    assert only(seen, EventKind.RESTART) == [{"item_id": 1, "title": "Item 1", "restarts": 1}]
    (slate_event,) = only(seen, EventKind.SLATE)
    assert slate_event["reason"] == "failed"
    assert slate_event["seconds"] == pytest.approx(1.4, abs=0.3)  # A's 2 s slot less ~0.6 s
    assert only(seen, EventKind.SESSION_STOP) == [{"tuner": 1}]
