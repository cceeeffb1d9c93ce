"""``GET /metrics``: the station's Prometheus metrics (outside ``/api``: scrapers expect it at
the root, and it is a read, like the device documents)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from quart import Quart, Response

from hdhr_emulator.server.metrics import StationMetrics


def register_metrics_routes(app: Quart, metrics: StationMetrics) -> None:
    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        """Prometheus text exposition of this server's own registry."""
        return Response(
            metrics.render(),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )
