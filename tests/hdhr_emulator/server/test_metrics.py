"""``GET /metrics`` in process: Prometheus text in its own content type, counted from the
station's events, one registry per app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from quart import Quart

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus, EventKind
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.version import VERSION
from lineup.schedule import ScheduleStore
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY, live_schedule, open_store
from tests.xmltv.builders import channel, episode

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(app: Quart) -> tuple[str, Samples]:
    reply = asyncio.run(AppClient(app).request("/metrics"))
    assert reply.status == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return reply.headers["content-type"], samples


@pytest.fixture
def guide(tmp_path: Path) -> Iterator[LiveSchedule]:
    store: ScheduleStore
    with open_store(tmp_path) as store:
        yield live_schedule(store, [channel(1, "Cheers", [episode("Cheers", 1, 1, "Pilot")])])


def make_app(guide: LiveSchedule, bus: EventBus) -> Quart:
    return create_app(guide, None, DeviceSettings(IDENTITY, 8000), events=bus)


def test_the_metrics_count_the_stations_events(guide: LiveSchedule) -> None:
    bus = EventBus()
    app = make_app(guide, bus)
    bus.publish(EventKind.SESSION_START, 1, tuner=0, mode="transcode")
    bus.publish(EventKind.TUNE, 1, address="127.0.0.1", tuner=0, latency_s=0.07)
    bus.publish(EventKind.TUNE, 1, address="127.0.0.2", tuner=0, latency_s=1.2)
    bus.publish(EventKind.UNTUNE, 1, address="127.0.0.1", tuner=0, bytes=5000, seconds=3.0)
    for kind in ("episode", "filler", "episode"):
        bus.publish(EventKind.ITEM_START, 1, item_id=1, title="Pilot", kind=kind)
    bus.publish(EventKind.ITEM_FAILED, 1, item_id=1, title="Pilot", reason="ffmpeg exited")
    bus.publish(EventKind.RESTART, 1, item_id=1, title="Pilot", restarts=1)
    bus.publish(EventKind.SLATE, 1, seconds=1.5, reason="failed")
    bus.publish(EventKind.SLATE, 1, seconds=0.25, reason="failed")
    bus.publish(EventKind.SCAN_DONE, ok=True, error=None)
    bus.publish(EventKind.SCAN_DONE, ok=False, error="unreadable")
    bus.publish(EventKind.OVERRIDE_START, 1, id="ov-1", title="Storm")
    bus.publish(EventKind.OVERRIDE_START, None, override={"id": "ov-2"})
    bus.publish(EventKind.OVERRIDE_END, 1, id="ov-1")

    content_type, samples = scrape(app)

    assert content_type == CONTENT_TYPE_LATEST
    assert samples[("retrovue_tunes_total", ())] == 2
    assert samples[("retrovue_tune_latency_seconds_count", ())] == 2
    assert samples[("retrovue_tune_latency_seconds_sum", ())] == pytest.approx(1.27)
    assert samples[("retrovue_tune_latency_seconds_bucket", (("le", "0.1"),))] == 1
    assert samples[("retrovue_tune_latency_seconds_bucket", (("le", "1.0"),))] == 1
    assert samples[("retrovue_tune_latency_seconds_bucket", (("le", "1.5"),))] == 2
    assert samples[("retrovue_untunes_total", ())] == 1
    assert samples[("retrovue_bytes_sent_total", ())] == 5000
    assert samples[("retrovue_sessions_started_total", ())] == 1
    assert samples[("retrovue_seams_total", (("kind", "episode"),))] == 2
    assert samples[("retrovue_seams_total", (("kind", "filler"),))] == 1
    assert samples[("retrovue_item_failures_total", ())] == 1
    assert samples[("retrovue_restarts_total", ())] == 1
    assert samples[("retrovue_slate_seconds_total", (("reason", "failed"),))] == 1.75
    assert samples[("retrovue_scans_total", (("result", "ok"),))] == 1
    assert samples[("retrovue_scans_total", (("result", "failed"),))] == 1
    assert samples[("retrovue_overrides_active", ())] == 1
    assert samples[("retrovue_events_total", (("kind", "tune"),))] == 2
    assert samples[("retrovue_event_listeners", ())] == 0
    assert samples[("retrovue_info", (("version", VERSION),))] == 1


def test_each_app_counts_only_its_own_station(guide: LiveSchedule) -> None:
    """Tests run several servers in one process: no global registry mixes them up."""
    first_bus, second_bus = EventBus(), EventBus()
    first, second = make_app(guide, first_bus), make_app(guide, second_bus)
    first_bus.publish(EventKind.TUNE, 1, address="127.0.0.1", tuner=0, latency_s=0.2)
    assert scrape(first)[1][("retrovue_tunes_total", ())] == 1
    assert scrape(second)[1][("retrovue_tunes_total", ())] == 0
