"""HTTP routes of the HDHomeRun API and the guide documents.

Each route works out the client's base URL, asks a builder in :mod:`hdhr_emulator.device.documents` for
bytes (or a cache of them) and returns them with a ``Content-Length``: Plex asks for the JSON
documents over HTTP/1.0, which must never get a chunked body. GET routes answer HEAD too.

Documents that depend only on the lineup (``lineup.json``/``.xml``) are rendered once per
schedule against a placeholder host and the placeholder is swapped per request, like the guide;
``/xmltv.xml.gz`` (and ``/xmltv.xml`` to a client sending ``Accept-Encoding: gzip``) is gzipped
once per guide rendering and base URL, in a worker thread.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quart import Quart, Response, request

from hdhr_emulator.server.live_schedule import PLACEHOLDER_BASE, GuideService, RenderedGuide
from hdhr_emulator.device import documents as api
from hdhr_emulator.device.documents import LineupChannel, ScanAction, ScanStatus, TunerActivity
from hdhr_emulator.device.settings import DeviceSettings
from lineup.errors import RetrovueError

if TYPE_CHECKING:
    from hdhr_emulator.playout.engine import PlayoutEngine
    from lineup.models import OutputMode
    from lineup.scanner import ScanSummary
    from lineup.schedule import Schedule

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
Rescan = Callable[[ProgressCallback], Awaitable["ScanSummary"]]
"""Re-read the library and refresh the guide; reports ``(files probed, files to probe)``."""

FAVORITES_FILE = "favorites.json"  # in the data dir
MIN_SCAN_SECONDS = 1.5  # a scan shows as running at least this long, so a polling client sees it
GZIP_CACHE_ENTRIES = 4  # distinct base URLs (Host headers) kept gzipped per guide rendering
_PLACEHOLDER = PLACEHOLDER_BASE.encode()
_NO_CACHE = {"Cache-Control": "no-cache"}


# -- caches --------------------------------------------------------------------------------------
class _RenderedLineup:
    """The lineup of one schedule (and set of favourites), rendered with the placeholder host."""

    def __init__(self, lineup: tuple[LineupChannel, ...]):
        self.lineup = lineup
        self.by_number = {entry.guide_number: entry for entry in lineup}
        self._json = api.lineup_json(lineup, PLACEHOLDER_BASE)
        self._xml = api.lineup_xml(lineup, PLACEHOLDER_BASE)

    def json_for(self, base_url: str) -> bytes:
        return self._json.replace(_PLACEHOLDER, base_url.encode())

    def xml_for(self, base_url: str) -> bytes:
        return self._xml.replace(_PLACEHOLDER, base_url.encode())


class LineupDocuments:
    """The current lineup documents, re-rendered when the schedule or the favourites change.

    Favourites (``lineup.post?favorite=+N``) are kept in ``favorites_file`` (a JSON list of
    channel numbers in the data dir), so a restart does not forget what a client marked.
    """

    def __init__(self, guide: GuideService, mode_override: OutputMode | None = None,
                 favorites_file: Path | None = None):
        self._guide = guide
        self._mode_override = mode_override
        self._favorites_file = favorites_file
        self._favorites: frozenset[int] = _read_favorites(favorites_file)
        self._schedule: Schedule | None = None
        self._rendered: _RenderedLineup | None = None

    def current(self) -> _RenderedLineup:
        schedule = self._guide.schedule
        if self._rendered is None or schedule is not self._schedule:
            lineup = api.lineup_channels(schedule.channels, favorites=self._favorites,
                                         mode_override=self._mode_override)
            self._schedule, self._rendered = schedule, _RenderedLineup(lineup)
        return self._rendered

    def set_favorite(self, guide_number: str, favorite: bool) -> bool:
        """Mark or clear a favourite; False when no channel has that number."""
        if guide_number not in self.current().by_number:
            return False
        number = int(guide_number)
        changed = self._favorites | {number} if favorite else self._favorites - {number}
        if changed != self._favorites:
            self._favorites, self._rendered = changed, None
            _write_favorites(self._favorites_file, changed)
        return True


def _read_favorites(path: Path | None) -> frozenset[int]:
    if path is None:
        return frozenset()
    try:
        numbers = json.loads(path.read_text(encoding="utf-8"))
        return frozenset(int(n) for n in numbers)
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable favourites file %s: %s", path, exc)
        return frozenset()


def _write_favorites(path: Path | None, favorites: frozenset[int]) -> None:
    if path is None:
        return
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(sorted(favorites)), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        log.warning("cannot save favourites to %s: %s", path, exc)


class GzipCache:
    """The gzipped guide per base URL, for the current rendering only; compressed in a thread,
    once however many clients ask at the same time."""

    def __init__(self, entries: int = GZIP_CACHE_ENTRIES):
        self._size = entries
        self._guide: RenderedGuide | None = None
        self._bodies: collections.OrderedDict[str, asyncio.Future[bytes]] = (
            collections.OrderedDict())

    async def get(self, guide: RenderedGuide, base_url: str) -> bytes:
        if guide is not self._guide:
            self._guide = guide
            self._bodies.clear()
        body = self._bodies.get(base_url)
        if body is None:
            body = asyncio.ensure_future(
                asyncio.to_thread(lambda: api.gzip_body(guide.xmltv_for(base_url))))
            self._bodies[base_url] = body
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(base_url)
        try:
            return await asyncio.shield(body)  # a client leaving must not cancel the others' gzip
        except Exception:
            if self._bodies.get(base_url) is body:
                del self._bodies[base_url]
            raise


# -- scanning ------------------------------------------------------------------------------------
class ScanController:
    """Runs ``lineup.post?scan=start`` as a library re-scan and reports it for
    ``lineup_status.json``.

    A scan shows as running for at least ``min_seconds`` (Plex polls the status and waits for
    ``ScanInProgress`` to return to 0). ``abort`` only stops reporting it: a re-scan that is
    reading files finishes in the background, and a new ``start`` meanwhile shows it again rather
    than starting a second one.
    """

    def __init__(
        self,
        rescan: Rescan | None,
        found: Callable[[], int],
        *,
        min_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._rescan = rescan
        self._found = found
        self._min_seconds = MIN_SCAN_SECONDS if min_seconds is None else min_seconds
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self._fraction = 0.0  # of the re-scan's work; set from the scan's worker thread
        self._shown = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._started = self._clock()
        self._shown = True
        if self.running:
            return
        self._fraction = 0.0
        self._task = asyncio.create_task(self._run(), name="lineup scan")

    def abort(self) -> None:
        self._shown = False

    def status(self) -> ScanStatus:
        if not self._shown:
            return ScanStatus()
        elapsed = self._clock() - self._started
        if not self.running and elapsed >= self._min_seconds:
            self._shown = False
            return ScanStatus()
        shown = min(self._fraction, elapsed / self._min_seconds)
        return ScanStatus(True, min(99, int(100 * shown)), self._found())

    def _on_progress(self, done: int, total: int) -> None:
        self._fraction = 0.9 * done / total if total else 0.9  # the guide refresh is the rest

    async def _run(self) -> None:
        try:
            if self._rescan is not None:
                summary = await self._rescan(self._on_progress)
                log.info("lineup scan: %d added, %d updated, %d removed, %d unchanged",
                         summary.added, summary.updated, summary.removed, summary.unchanged)
        except RetrovueError as exc:
            log.warning("lineup scan failed: %s", exc)
        except Exception:  # keep serving the old lineup; the traceback says what broke
            log.exception("lineup scan failed")
        finally:
            self._fraction = 1.0

    async def async_stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


# -- routes --------------------------------------------------------------------------------------
def _server_address(scope: Mapping[str, Any]) -> tuple[str, int] | None:
    """The local address of the connection (hypercorn: the accepted socket's own name)."""
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    return str(server[0]), int(server[1])


def _document(body: bytes, content_type: str, **headers: str) -> Response:
    return Response(body, content_type=content_type, headers={**_NO_CACHE, **headers})


def _text_error(status: int, message: str) -> Response:
    return Response(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")


def register_routes(
    app: Quart,
    guide: GuideService,
    *,
    engine: PlayoutEngine | None = None,
    device: DeviceSettings | None = None,
    rescan: Rescan | None = None,
) -> None:
    """Add the guide documents, the lineup and scan API, tuner status and (with ``device``) the
    device documents (``discover.json``, ``device.xml`` and its aliases) to ``app``."""
    advertise_url = device.advertise_url if device is not None else None
    documents = LineupDocuments(
        guide, engine.settings.mode if engine is not None else None,
        engine.settings.data_dir / FAVORITES_FILE if engine is not None else None)
    gzipped = GzipCache()
    scans = ScanController(rescan, lambda: len(guide.schedule.channels))
    app.after_serving(scans.async_stop)

    def base_url() -> str:
        return api.base_url_for_request(
            advertise_url=advertise_url,
            scheme=request.scheme,
            host_header=request.headers.get("Host"),
            client_address=request.remote_addr,
            local_address=_server_address(request.scope),
        )

    # -- the guide ---------------------------------------------------------------------------
    @app.get("/xmltv.xml")
    async def xmltv() -> Response:
        rendered, base = guide.guide, base_url()
        if api.accepts_gzip(request.headers.get("Accept-Encoding")):
            return _document(await gzipped.get(rendered, base), api.XML_TYPE,
                             **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return _document(rendered.xmltv_for(base), api.XML_TYPE, Vary="Accept-Encoding")

    @app.get("/xmltv.xml.gz")
    async def xmltv_gz() -> Response:
        """A gzip *file*: no ``Content-Encoding``, so clients keep the bytes as they are."""
        return _document(await gzipped.get(guide.guide, base_url()), api.GZIP_TYPE)

    @app.get("/iptv.m3u")
    @app.get("/lineup.m3u")
    async def m3u() -> Response:
        return _document(guide.guide.m3u_for(base_url()), "audio/x-mpegurl; charset=utf-8")

    # -- the lineup --------------------------------------------------------------------------
    @app.get("/lineup.json")
    async def lineup_json() -> Response:
        """Any query (``?show=found|demo|all``, ``?tuning``) gets the same lineup."""
        return _document(documents.current().json_for(base_url()), api.JSON_TYPE)

    @app.get("/lineup.xml")
    async def lineup_xml() -> Response:
        return _document(documents.current().xml_for(base_url()), api.XML_TYPE)

    @app.get("/lineup_status.json")
    async def lineup_status() -> Response:
        return _document(api.lineup_status_json(scans.status()), api.JSON_TYPE)

    @app.route("/lineup.post", methods=["POST", "GET"])
    async def lineup_post() -> Response:
        try:
            post = api.parse_lineup_post(request.args)
        except api.LineupPostError as exc:
            return _text_error(400, str(exc))
        if post.favorite is not None and not documents.set_favorite(post.favorite.guide_number,
                                                                 post.favorite.favorite):
            return _text_error(400, f"no channel {post.favorite.guide_number} in the lineup")
        if post.scan == ScanAction.START:
            scans.start()
        elif post.scan == ScanAction.ABORT:
            scans.abort()
        return Response(b"", status=200)

    # -- tuners ------------------------------------------------------------------------------
    tuner_count = (engine.pool.count if engine is not None
                   else device.identity.tuner_count if device is not None else 0)

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
        return _document(api.status_json(tuner_count, activity()), api.JSON_TYPE)

    @app.get("/tuners.html")
    async def tuners() -> Response:
        return _document(api.tuners_html(tuner_count, activity()), api.HTML_TYPE)

    # -- the device --------------------------------------------------------------------------
    if device is None:
        return
    identity = device.identity

    @app.get("/discover.json")
    async def discover() -> Response:
        return _document(api.discover_json(identity, base_url()), api.JSON_TYPE)

    @app.get("/device.xml")
    @app.get("/capability")
    @app.get("/")
    async def device_xml() -> Response:
        return _document(api.device_xml(identity, base_url()), api.XML_TYPE)
