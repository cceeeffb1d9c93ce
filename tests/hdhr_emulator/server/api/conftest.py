"""An in-process app with a small guide for API tests (no engine: no streams, no ffmpeg)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from quart import Quart

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from lineup.schedule import ScheduleStore
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY, live_schedule, open_store
from tests.xmltv.builders import channel, episode, movie


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ScheduleStore]:
    with open_store(tmp_path) as opened:
        yield opened


@pytest.fixture
def guide(store: ScheduleStore) -> LiveSchedule:
    return live_schedule(
        store,
        [
            channel(1, "Cheers", [episode("Cheers", 1, n, f"Episode {n}") for n in (1, 2, 3)]),
            channel(7, "Movies", [movie("Airplane!", year=1980)]),
        ],
    )


@pytest.fixture
def app(guide: LiveSchedule) -> Quart:
    return create_app(guide, None, DeviceSettings(IDENTITY, 8000))


@pytest.fixture
def client(app: Quart) -> AppClient:
    return AppClient(app)
