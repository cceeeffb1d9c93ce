"""The Quart application: every route group registered on one app with one error boundary.

A :class:`~lineup.errors.RetrovueError` escaping a route becomes its ``http_status`` with one
plain-text line, never a traceback page; the routes themselves live in :mod:`.routes`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from quart import Quart, Response, request

from hdhr_emulator.device.documents import profile_height
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.playout.stream_plan import output_height
from hdhr_emulator.server.api import register_api
from hdhr_emulator.server.api.auth import LOOPBACK_ONLY, ApiAuth
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.lineup_documents import FAVORITES_FILE, LineupDocuments
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.media_proxy import ArtworkCache, MediaProxy
from hdhr_emulator.server.metrics import StationMetrics
from hdhr_emulator.server.overrides import OverrideDesk
from hdhr_emulator.server.rescan import ScanController
from hdhr_emulator.server.routes.console import register_console_routes
from hdhr_emulator.server.routes.device import device_xml_response, register_device_routes
from hdhr_emulator.server.routes.guide import register_guide_routes
from hdhr_emulator.server.routes.logos import register_logo_routes
from hdhr_emulator.server.routes.media import register_media_routes
from hdhr_emulator.server.routes.metrics import register_metrics_routes
from hdhr_emulator.server.routes.responses import base_url_resolver
from hdhr_emulator.server.routes.streams import register_stream_routes
from lineup.errors import RetrovueError
from lineup.library_report import LibraryReport
from lineup.schedule import Schedule

log = logging.getLogger(__name__)


def create_app(
    live: LiveSchedule,
    engine: PlayoutEngine | None = None,
    device: DeviceSettings | None = None,
    scans: ScanController | None = None,
    media: MediaProxy | None = None,
    events: EventBus | None = None,
    api_auth: ApiAuth = LOOPBACK_ONLY,
    library: Callable[[], LibraryReport] | None = None,
    overrides: OverrideDesk | None = None,
) -> Quart:
    """The app serving ``live``'s guide and lineup (and with ``engine`` its streams and tuner
    status, with ``device`` the HDHomeRun identity documents; ``scans`` runs
    ``lineup.post?scan=start`` (a :class:`RescanService`'s controller, stopped with it);
    ``media`` serves media-server parts to our ffmpeg and their artwork to guide readers;
    ``events`` is the station's event stream the API's SSE route and ``/metrics`` read (the
    engine's own when None, so what playout publishes is what they see); ``api_auth`` who may
    change things through the API: without it, only this machine's loopback may; ``library``
    reports the catalog to the API, blocking; ``overrides`` the emergency overrides the API
    steers)."""
    app = Quart("retrovue")
    app.config["RESPONSE_TIMEOUT"] = None  # streams run as long as the client reads

    @app.errorhandler(RetrovueError)
    async def _retrovue_error(exc: RetrovueError) -> Response:
        log.warning("%s %s: %s", request.method, request.path, exc)
        return Response(
            f"{exc}\n", status=exc.http_status, content_type="text/plain; charset=utf-8"
        )

    def live_schedule() -> Schedule:
        return live.schedule

    if engine is not None:
        override = engine.settings.mode
        documents = LineupDocuments(
            live_schedule,
            lambda c: output_height(c, override),
            engine.settings.data_dir / FAVORITES_FILE,
        )
    else:
        documents = LineupDocuments(live_schedule, profile_height)
    if events is None:
        events = engine.events if engine is not None else EventBus()
    if scans is None:  # lineup.post?scan=start still shows a short scan; nothing is re-read
        scans = ScanController(None, lambda: len(live.schedule.channels), publish=events.publish)
    base_url = base_url_resolver(device.advertise_url if device is not None else None)

    register_api(
        app,
        ApiServices(
            live=live,
            scans=scans,
            events=events,
            base_url=base_url,
            started_at=time.time(),
            engine=engine,
            device=device,
            auth=api_auth,
            documents=documents,
            library=library,
            favorites=documents.favorites,
            overrides=overrides,
        ),
    )
    register_guide_routes(app, live, base_url)
    register_device_routes(app, documents, scans, base_url, engine=engine, device=device)
    register_logo_routes(app, live_schedule)
    register_console_routes(
        app, None if device is None else lambda: device_xml_response(device, base_url)
    )
    register_metrics_routes(app, StationMetrics(events, engine))
    if engine is not None:
        register_stream_routes(app, engine)
        if media is not None:
            artwork = ArtworkCache(engine.settings.data_dir / "artwork")
            register_media_routes(app, media, artwork, live.item)
    return app
