"""The HDHomeRun HTTP API: discover.json, device.xml, the lineup, lineup.post and tuner status.

Each route works out the client's base URL, asks a builder in :mod:`hdhr_emulator.device.documents`
for bytes (or a cache of them) and returns them whole. GET routes answer HEAD too.
"""

from __future__ import annotations

from quart import Quart, Response, request

from hdhr_emulator.device import documents as api
from hdhr_emulator.device.documents import ScanAction, TunerActivity
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.server.lineup_documents import LineupDocuments
from hdhr_emulator.server.rescan import ScanController
from hdhr_emulator.server.routes.responses import BaseUrl, document, text_error


def register_device_routes(
    app: Quart,
    documents: LineupDocuments,
    scans: ScanController,
    base_url: BaseUrl,
    *,
    engine: PlayoutEngine | None = None,
    device: DeviceSettings | None = None,
) -> None:
    """Add the lineup and scan API, tuner status and (with ``device``) the device documents
    (``discover.json``, ``device.xml`` and its aliases) to ``app``."""
    _register_lineup_routes(app, documents, scans, base_url)
    tuner_count = (
        engine.pool.count
        if engine is not None
        else device.identity.tuner_count
        if device is not None
        else 0
    )
    _register_tuner_routes(app, documents, tuner_count, engine)
    if device is not None:
        _register_identity_routes(app, device, base_url)


def _register_lineup_routes(
    app: Quart, documents: LineupDocuments, scans: ScanController, base_url: BaseUrl
) -> None:
    @app.get("/lineup.json")
    async def lineup_json() -> Response:
        """Any query (``?show=found|demo|all``, ``?tuning``) gets the same lineup."""
        return document(documents.current().json_for(base_url()), api.JSON_TYPE)

    @app.get("/lineup.xml")
    async def lineup_xml() -> Response:
        return document(documents.current().xml_for(base_url()), api.XML_TYPE)

    @app.get("/lineup_status.json")
    async def lineup_status() -> Response:
        return document(api.lineup_status_json(scans.status()), api.JSON_TYPE)

    @app.route("/lineup.post", methods=["POST", "GET"])
    async def lineup_post() -> Response:
        try:
            post = api.parse_lineup_post(request.args)
        except api.LineupPostError as exc:
            return text_error(400, str(exc))
        if post.favorite is not None and not documents.set_favorite(
            post.favorite.guide_number, post.favorite.favorite
        ):
            return text_error(400, f"no channel {post.favorite.guide_number} in the lineup")
        if post.scan == ScanAction.START:
            scans.start()
        elif post.scan == ScanAction.ABORT:
            scans.abort()
        return Response(b"", status=200)


def _register_tuner_routes(
    app: Quart, documents: LineupDocuments, tuner_count: int, engine: PlayoutEngine | None
) -> None:
    def activity() -> dict[int, TunerActivity]:
        if engine is None:
            return {}
        by_number = documents.current().by_number
        active = {}
        for index, session in engine.watched_tuners().items():
            viewers = session.viewers
            number = str(session.channel_number)
            entry = by_number.get(number)
            active[index] = TunerActivity(
                guide_number=number,
                guide_name=entry.guide_name if entry is not None else number,
                target_ip=viewers[0].address,
                network_rate=int(sum(viewer.bitrate() for viewer in viewers)),
            )
        return active

    @app.get("/status.json")
    async def status() -> Response:
        return document(api.status_json(tuner_count, activity()), api.JSON_TYPE)

    @app.get("/tuners.html")
    async def tuners() -> Response:
        return document(api.tuners_html(tuner_count, activity()), api.HTML_TYPE)


def _register_identity_routes(app: Quart, device: DeviceSettings, base_url: BaseUrl) -> None:
    identity = device.identity

    @app.get("/discover.json")
    async def discover() -> Response:
        return document(api.discover_json(identity, base_url()), api.JSON_TYPE)

    @app.get("/device.xml")
    @app.get("/capability")
    async def device_xml() -> Response:
        return device_xml_response(device, base_url)


def device_xml_response(device: DeviceSettings, base_url: BaseUrl) -> Response:
    """The UPnP description, also what non-browsers get at ``/`` (see :mod:`.console`)."""
    return document(api.device_xml(device.identity, base_url()), api.XML_TYPE)
