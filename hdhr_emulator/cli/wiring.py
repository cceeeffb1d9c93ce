"""Wire settings into a running server: the live schedule, the playout engine, the device, the
media proxy, the re-scan service and discovery, each started and stopped by the runner."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from hdhr_emulator.cli.pidfile import PidFile
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus
from hdhr_emulator.playout.engine import EngineSettings, PlayoutEngine
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.playout.headroom import auto_tuner_count
from hdhr_emulator.playout.sources import CurrentItem, SourceResolver
from hdhr_emulator.server.api.auth import ApiAuth, AuthScope
from hdhr_emulator.server.api_token import TokenSource, token_path
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.discovery.control_tcp import ControlServer, TunerState
from hdhr_emulator.server.discovery.mdns import MdnsService
from hdhr_emulator.server.discovery.ssdp import SsdpService
from hdhr_emulator.server.discovery.udp import DiscoveryResponder
from hdhr_emulator.server.identity_file import load_identity
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.media_proxy import MediaProxy
from hdhr_emulator.server.overrides import DeskContext, OverrideDesk
from hdhr_emulator.server.rescan import ProgressCallback, RescanService
from hdhr_emulator.server.runner import Service, serve_app
from hdhr_emulator.util import WILDCARD_HOSTS, bracket_host
from lineup.config import MAX_TUNERS, TUNERS_AUTO, Tuners
from lineup.errors import ConfigError
from lineup.library_report import LibraryReport
from lineup.models import OutputMode
from lineup.plex.dvr import DvrGuideReload
from lineup.plex.settings import PlexSettings
from lineup.scanner import ScanSummary
from lineup.schedule import Schedule
from lineup.station import Station
from xmltv.urls import normalise_base_url

log = logging.getLogger(__name__)


def plex_servers(station: Station) -> tuple[PlexSettings, ...]:
    config = station.settings.config
    return config.plex if config is not None else ()


def _loopback_base(host: str, port: int) -> str:
    """How our own ffmpeg reaches this server: loopback unless bound to one address only."""
    if host == "::":
        host = "::1"
    elif host in WILDCARD_HOSTS or host == "localhost":
        host = "127.0.0.1"
    return f"http://{bracket_host(host)}:{port}"


def _discovery_services(
    args: argparse.Namespace, device: DeviceSettings, engine: PlayoutEngine, live: LiveSchedule
) -> list[Service]:
    """UDP/TCP 65001, SSDP and zeroconf, each unless turned off; a busy port only warns."""
    services: list[Service] = []
    if not args.no_hdhr_discovery:

        def tuner_state(index: int) -> TunerState | None:
            session = engine.watched_tuners().get(index)
            if session is None:
                return None
            name = live.schedule.channel(session.channel_number).name
            bps = int(sum(viewer.bitrate() for viewer in session.viewers))
            return TunerState(vchannel=str(session.channel_number), name=name, bps=bps)

        udp, tcp = DiscoveryResponder(device), ControlServer(device, tuner_state)
        services += [
            Service("HDHomeRun discovery", udp.async_start, udp.async_stop),
            Service("HDHomeRun control", tcp.async_start, tcp.async_stop),
        ]
    if not args.no_ssdp:
        ssdp = SsdpService(device)
        services.append(Service("SSDP", ssdp.async_start, ssdp.async_stop))
    if not args.no_zeroconf:
        mdns = MdnsService(device)
        services.append(Service("zeroconf", mdns.async_start, mdns.async_stop))
    return services


def tuner_setting(value: object) -> Tuners:
    """``--tuners`` (text) or ``[server] tuners`` (already checked): 1-64 or ``auto``."""
    if isinstance(value, int):
        return value
    if value == TUNERS_AUTO:
        return TUNERS_AUTO
    text = str(value).strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_TUNERS:
        return int(text)
    raise ConfigError(f"--tuners must be between 1 and {MAX_TUNERS} or auto, not {text!r}")


def api_auth(args: argparse.Namespace, data_dir: Path) -> ApiAuth:
    """``--api-auth`` and the token of ``--api-token-file`` (else the data dir's, made at the
    first start)."""
    tokens = TokenSource(token_path(data_dir, getattr(args, "api_token_file", None)))
    return ApiAuth(tokens.current, AuthScope(getattr(args, "api_auth", AuthScope.WRITES)))


#: how soon after start ``serve`` looks for break points its quick start-up scan left out
FIRST_RESCAN_SECONDS = 10.0


def run_server(
    args: argparse.Namespace,
    data_dir: Path,
    build_schedule: Callable[[float], Schedule],
    hours: float,
    watch: int | None = None,
    scan_library: Callable[[ProgressCallback], ScanSummary] | None = None,
    plex: tuple[PlexSettings, ...] = (),
    server_ids: Callable[[], Mapping[str, str]] = dict,
    current: CurrentItem | None = None,
    library: Callable[[], LibraryReport] | None = None,
    media_folders: tuple[Path, ...] = (),
    rescan_soon: bool = False,
) -> int:
    """Publish the guide, then serve streams and the guide until Ctrl+C / SIGTERM.

    ``rescan_soon``: re-scan :data:`FIRST_RESCAN_SECONDS` after start (the start-up scan left
    the search for break points to it).

    ``scan_library`` (re-read the media folders) is what ``lineup.post?scan=start`` and the
    periodic re-scan run, followed by a guide refresh; ``library`` reports the catalog to the
    API (blocking); ``media_folders`` bound the files an emergency override may play.
    """
    tuners = tuner_setting(args.tuners)
    auto = tuners == TUNERS_AUTO
    tuner_count = tuners if isinstance(tuners, int) else auto_tuner_count()
    rescan_hours = getattr(args, "rescan_hours", 0.0)
    if rescan_hours < 0:
        raise ConfigError("--rescan-hours must be 0 (off) or positive")
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, not {args.port}")
    document_port = getattr(args, "discovery_http_port", 0)
    if not 0 <= document_port < 65536:
        raise ConfigError(
            f"--discovery-http-port must be between 0 (off) and 65535, not {document_port}"
        )
    if args.no_hdhr_discovery:  # only a client that found us by UDP looks there
        document_port = 0
    try:
        advertise_url = normalise_base_url(args.advertise_url) if args.advertise_url else None
    except ValueError as exc:
        raise ConfigError(f"--advertise-url: {exc}") from exc
    ffmpeg = find_ffmpeg(getattr(args, "ffmpeg", None))
    live = LiveSchedule(build_schedule, hours)
    live.refresh()
    media = MediaProxy(plex, _loopback_base(args.host, args.port), server_ids) if plex else None
    events = EventBus()  # the one event stream: playout and re-scans publish, the API reads
    engine = PlayoutEngine(
        EngineSettings(
            ffmpeg=ffmpeg.path,
            data_dir=data_dir,
            tuners=tuner_count,
            linger=args.linger,
            mode=OutputMode(args.mode) if args.mode else None,
            admit_by_headroom=auto,
        ),
        lambda: live.schedule,
        source_for=SourceResolver(current, media.source_for if media else None).source_for,
        events=events,
    )
    engine.check_channels()
    device = DeviceSettings(
        load_identity(data_dir, tuner_count, args.friendly_name),
        args.port,
        advertise_url=advertise_url,
        bind_host=args.discovery_address,
    )
    rescan = (
        RescanService(
            scan_library,
            live,
            rescan_hours,
            publish=events.publish,
            first_after=FIRST_RESCAN_SECONDS if rescan_soon else None,
        )
        if scan_library is not None
        else None
    )
    overrides = _override_desk(data_dir, events, live, engine, media_folders)
    app = create_app(
        live,
        engine,
        device,
        rescan.controller if rescan else None,
        media,
        events=events,
        api_auth=api_auth(args, data_dir),
        library=library,
        overrides=overrides,
    )
    for server in plex:
        if server.reload_guide:
            live.after_refresh.append(DvrGuideReload(server, device.identity.device_id_hex))
    base = advertise_url or f"http://{_banner_host(args.host)}:{args.port}"
    pid_file = PidFile(args.port)

    def ready() -> None:
        pid_file.claim()  # only now: the port is ours, so the file names who serves it
        lineup = live.schedule.channels
        first = watch if watch is not None else (lineup[0].number if lineup else 1)
        print(
            f"Retrovue is serving {len(lineup)} channel{'s' if len(lineup) != 1 else ''} "
            f"on {base}/ ({tuner_count}{' auto' if auto else ''} tuners, "
            f"ffmpeg {ffmpeg.version})\n"
            f"  watch in VLC: {base}/iptv/channel/{first}.ts  (also {base}/auto/v{first})\n"
            f"  playlist:     {base}/iptv.m3u\n"
            f"  guide:        {base}/xmltv.xml\n"
            "Press Ctrl+C to stop.",
            file=sys.stderr,
        )

    services = [
        *([Service("Plex media", media.async_start, media.async_stop)] if media else []),
        *([Service("re-scans", rescan.async_start, rescan.async_stop)] if rescan else []),
        Service("guide refresh", live.async_start, live.async_stop),
        Service("overrides", overrides.async_start, overrides.async_stop),
        Service("playout", engine.async_start, engine.async_stop),
        *_discovery_services(args, device, engine, live),
        # last, so stopped first: open event streams end before anything else stops
        Service("event stream", _nothing_to_start, events.async_stop),
    ]
    try:
        asyncio.run(
            serve_app(app, args.host, args.port, services, ready, document_port=document_port)
        )
    finally:
        pid_file.release()
    return 0


def _override_desk(
    data_dir: Path,
    events: EventBus,
    live: LiveSchedule,
    engine: PlayoutEngine,
    media_folders: tuple[Path, ...],
) -> OverrideDesk:
    """The emergency overrides, read back from the data dir and laid over the live schedule
    (before any session starts, so a channel tuned after a restart starts with them)."""
    desk = OverrideDesk(
        data_dir,
        events,
        DeskContext(
            channels=lambda: [channel.number for channel in live.schedule.channels],
            item=live.item,
            media_folders=media_folders,
            interrupt=engine.interrupt,
            prepare=engine.prepare_card,
        ),
    )
    desk.load()
    live.overrides = desk.windows
    return desk


async def _nothing_to_start() -> None:
    """The event bus needs no start; only its stop matters (see EventBus.close)."""


def _banner_host(host: str) -> str:
    """What a person on this machine types: localhost for a wildcard bind."""
    return "localhost" if host in WILDCARD_HOSTS else bracket_host(host)
