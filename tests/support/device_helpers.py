"""Tests of the HDHomeRun device surface, and what they share: a device identity and a small
hand-made lineup behind a real :class:`~hdhr_emulator.server.live_schedule.LiveSchedule`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hdhr_emulator.device.identity import DeviceIdentity, derive_device_id
from hdhr_emulator.server.live_schedule import LiveSchedule
from lineup.models import Channel
from lineup.schedule import Schedule, ScheduleStore

IDENTITY = DeviceIdentity(
    device_id=derive_device_id("tests", 2),
    device_auth="Ab3dEf6hIj9kLm2nOp5qRs8t",
    friendly_name="Retrovue Test",
    tuner_count=2,
)


def live_schedule(
    store: ScheduleStore, channels: Sequence[Channel], hours: float = 6.0
) -> LiveSchedule:
    """A refreshed guide over ``channels`` (nothing is played, so no media files are needed)."""

    def build(now: float) -> Schedule:
        schedule = Schedule(store, channels, horizon=hours * 3600)
        schedule.publish(now)
        return schedule

    service = LiveSchedule(build, hours)
    service.refresh()
    return service


def open_store(tmp_path: Path) -> ScheduleStore:
    return ScheduleStore.open(tmp_path / "schedule.db")
