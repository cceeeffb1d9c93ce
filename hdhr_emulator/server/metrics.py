"""The station's Prometheus metrics, served at ``/metrics``.

Counters and the tune-in histogram are fed by the event bus (a synchronous tap: no second set
of hooks in playout); what is true *now* (sessions, viewers, listeners, bytes sent so far) is
read from the engine at scrape time, so it cannot drift from what the engine holds. Each app has
its OWN registry: tests run several servers in one process, and the global registry would mix
them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.playout.session import ChannelSession
from hdhr_emulator.version import VERSION

log = logging.getLogger(__name__)

# request → first byte: a warm join is tens of ms, a cold start (ffmpeg starting) about a second,
# more than a few seconds is a problem someone should see
TUNE_LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


class StationMetrics:
    """One server's metrics registry, fed by ``events`` and read from ``engine``."""

    def __init__(self, events: EventBus, engine: PlayoutEngine | None = None):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "retrovue_events", "Station events published, by kind", ["kind"], registry=r
        )
        self.tunes = Counter("retrovue_tunes", "Viewers tuned in (first byte sent)", registry=r)
        self.tune_latency = Histogram(
            "retrovue_tune_latency_seconds",
            "Tune-in latency: stream request to its first byte written",
            buckets=TUNE_LATENCY_BUCKETS,
            registry=r,
        )
        self.untunes = Counter("retrovue_untunes", "Viewers that left", registry=r)
        self.sessions_started = Counter(
            "retrovue_sessions_started", "Channel sessions started on a tuner", registry=r
        )
        self.seams = Counter(
            "retrovue_seams", "Items put on air at a seam, by item kind", ["kind"], registry=r
        )
        self.item_failures = Counter(
            "retrovue_item_failures", "Items whose ffmpeg failed or was late", registry=r
        )
        self.restarts = Counter(
            "retrovue_restarts", "Item ffmpeg restarts at the schedule position", registry=r
        )
        self.slate_seconds = Counter(
            "retrovue_slate_seconds",
            "Media seconds of slate put on air, by reason (schedule, failed, bridge, card)",
            ["reason"],
            registry=r,
        )
        self.scans = Counter(
            "retrovue_scans", "Library scans finished, by result", ["result"], registry=r
        )
        self.overrides_active = Gauge(
            "retrovue_overrides_active", "Emergency overrides on air", registry=r
        )
        self._overrides: set[str] = set()
        self.live = _LiveCollector(events, engine)
        r.register(self.live)
        events.tap(self.observe)

    def render(self) -> bytes:
        """The exposition text (``prometheus_client.CONTENT_TYPE_LATEST``)."""
        return generate_latest(self.registry)

    def observe(self, event: StationEvent) -> None:  # noqa: C901 - one branch per event kind
        """Count one event (a bus tap: synchronous, on the event loop)."""
        self.events.labels(event.kind.value).inc()
        data = event.data
        match event.kind:
            case EventKind.TUNE:
                self.tunes.inc()
                self.tune_latency.observe(float(data.get("latency_s", 0.0)))
            case EventKind.UNTUNE:
                self.untunes.inc()
                self.live.closed_bytes += int(data.get("bytes", 0))
            case EventKind.SESSION_START:
                self.sessions_started.inc()
            case EventKind.ITEM_START:
                self.seams.labels(str(data.get("kind", ""))).inc()
            case EventKind.ITEM_FAILED:
                self.item_failures.inc()
            case EventKind.RESTART:
                self.restarts.inc()
            case EventKind.SLATE:
                reason = str(data.get("reason", ""))
                self.slate_seconds.labels(reason).inc(float(data.get("seconds", 0.0)))
            case EventKind.SCAN_DONE:
                self.scans.labels("ok" if data.get("ok", True) else "failed").inc()
            case EventKind.OVERRIDE_START:
                self._overrides.add(_override_id(event))
                self.overrides_active.set(len(self._overrides))
            case EventKind.OVERRIDE_END:
                self._overrides.discard(_override_id(event))
                self.overrides_active.set(len(self._overrides))


def _override_id(event: StationEvent) -> str:
    """The override an override_start/_end is about: ``id``, or the id of its ``override``."""
    found = event.data.get("id")
    nested = event.data.get("override")
    if found is None and isinstance(nested, dict):
        found = nested.get("id")
    return str(found if found is not None else event.id)


class _LiveCollector(Collector):
    """What is true at scrape time, read from the engine and the bus."""

    def __init__(self, events: EventBus, engine: PlayoutEngine | None):
        self._events = events
        self._engine = engine
        self.closed_bytes = 0  # bytes sent to viewers that have left (from untune events)
        self._bytes_reported = 0  # the counter never goes back (a dropped viewer's bytes
        # leave the sessions a moment before its untune adds them to closed_bytes)

    def collect(self) -> Iterable[Metric]:
        info = GaugeMetricFamily("retrovue_info", "Retrovue's version", labels=["version"])
        info.add_metric([VERSION], 1.0)
        yield info
        yield _gauge(
            "retrovue_event_listeners",
            "Clients reading /api/v1/events",
            self._events.listener_count,
        )
        sessions = (
            [s for s in self._engine.pool.sessions().values() if isinstance(s, ChannelSession)]
            if self._engine is not None
            else []
        )
        live = sum(v.bytes_sent for s in sessions for v in s.viewers)
        self._bytes_reported = max(self._bytes_reported, self.closed_bytes + live)
        sent = CounterMetricFamily("retrovue_bytes_sent", "Stream bytes written to viewers")
        sent.add_metric([], self._bytes_reported)
        yield sent
        if self._engine is None:
            return
        yield _gauge("retrovue_tuners", "Tuners this device has", self._engine.pool.count)
        yield _gauge(
            "retrovue_sessions", "Channel sessions running (incl. lingering)", len(sessions)
        )
        yield _gauge("retrovue_viewers", "Viewers connected", sum(s.viewer_count for s in sessions))
        per_channel = GaugeMetricFamily(
            "retrovue_channel_viewers", "Viewers per running channel", labels=["channel"]
        )
        for session in sessions:
            per_channel.add_metric([str(session.channel_number)], session.viewer_count)
        yield per_channel


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge
