"""What each ``retrovue`` subcommand does; argument parsing lives in :mod:`hdhr_emulator.cli`.

Commands return an exit code and raise :class:`~lineup.errors.RetrovueError` for the CLI's one
error boundary. Progress bars and tables go to the terminal from here, never from the library.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import platformdirs
from tqdm import tqdm

from hdhr_emulator.app import create_app
from hdhr_emulator.demo import ensure_demo_library
from hdhr_emulator.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.guide_service import GuideService
from hdhr_emulator.hdhr.control_tcp import ControlServer, TunerState
from hdhr_emulator.hdhr.device import DeviceSettings
from hdhr_emulator.hdhr.discovery_udp import DiscoveryResponder
from hdhr_emulator.hdhr.identity import load_identity
from hdhr_emulator.hdhr.mdns import MdnsService
from hdhr_emulator.hdhr.routes import ProgressCallback, Rescan
from hdhr_emulator.hdhr.ssdp import SsdpService
from hdhr_emulator.instance import serving, stop_existing
from hdhr_emulator.playout.engine import EngineSettings, PlayoutEngine
from hdhr_emulator.playout.inputs import CurrentItem, InputResolver
from hdhr_emulator.remote_media import RemoteMedia
from hdhr_emulator.server import Service, run_server
from lineup.channels import marathon_channel
from lineup.config import DEFAULT_HORIZON_HOURS, load_config
from lineup.errors import ConfigError, RetrovueError
from lineup.models import Airing, Channel, OutputMode
from lineup.plex.dvr import DvrGuideReload
from lineup.plex.settings import PlexSettings
from lineup.scanner import ScanSummary
from lineup.schedule import Schedule, ScheduleStore
from lineup.station import Station, StationSettings
from xmltv import render_m3u, write_xmltv
from xmltv.urls import normalise_base_url

log = logging.getLogger(__name__)

DATA_DIR_ENV = "RETROVUE_DATA_DIR"


def settings_from_args(args: argparse.Namespace) -> StationSettings:
    """Merge command line, environment and config file; the command line wins."""
    config = load_config(args.config) if getattr(args, "config", None) else None
    data_dir = (
        getattr(args, "data_dir", None)
        or (Path(os.environ[DATA_DIR_ENV]) if os.environ.get(DATA_DIR_ENV) else None)
        or (config.data_dir if config else None)
        or platformdirs.user_data_path("retrovue", appauthor=False)
    )
    media = tuple(config.media if config else ()) + tuple(
        path.expanduser().resolve() for path in (getattr(args, "media", None) or ())
    )
    for folder in media:
        if not folder.is_dir():
            raise ConfigError(f"media folder not found: {folder}", config.path if config else None)
    horizon = config.horizon_hours if config else DEFAULT_HORIZON_HOURS
    return StationSettings(
        data_dir=Path(data_dir), media=media, config=config, horizon_hours=horizon
    )


class _ProgressBar:
    """tqdm bars on stderr driven by ``(done, total)`` callbacks, one bar per stage (folders,
    each Plex server); silent when stderr is not a terminal."""

    def __init__(self, description: str, unit: str):
        self.description = description
        self.unit = unit
        self.bar: tqdm[NoReturn] | None = None  # a bar without an iterable

    def stage(self, description: str) -> None:
        self.close()
        self.description = description

    def update(self, done: float, total: float) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.description, unit=self.unit, file=sys.stderr,
                            disable=None, dynamic_ncols=True, leave=False)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextlib.contextmanager
def _progress_bar(description: str, unit: str) -> Iterator[Callable[[float, float], None]]:
    bar = _ProgressBar(description, unit)
    try:
        yield bar.update
    finally:
        bar.close()


def _scan(station: Station, *, strict: bool = True) -> ScanSummary:
    bar = _ProgressBar("Scanning", "items")
    try:
        return station.scan(bar.update, strict=strict, on_source=bar.stage)
    finally:
        bar.close()


def _catch_up(station: Station) -> ScanSummary:
    """Scan before listing or serving; a source that cannot be read (Plex down) only warns:
    what it imported before is still in the catalog."""
    summary = _scan(station, strict=False)
    for failure in summary.failures:
        print(f"warning: {failure}; using what was imported before", file=sys.stderr)
    return summary


def _print_summary(summary: ScanSummary, took: float) -> None:
    print(
        f"Scanned in {took:.1f} s: {summary.added} added, {summary.updated} updated, "
        f"{summary.removed} removed, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped"
    )
    for plex in summary.plex:
        print(f"  Plex {plex.server} ({', '.join(plex.sections) or 'no sections'}): "
              f"{plex.added} added, {plex.updated} updated, {plex.removed} removed, "
              f"{plex.unchanged} unchanged in {plex.requests} requests")
    for skipped in summary.skipped:
        print(f"  skipped {skipped.path}: {skipped.reason}")
    if summary.total_skipped > len(summary.skipped):
        print(f"  ({summary.total_skipped} unplayable files in the catalog in all)")


def _open_station(args: argparse.Namespace, *, demo: bool = False) -> Station:
    settings = settings_from_args(args)
    _forget_token_variables(settings)
    if not settings.media and settings.config is None:
        if not demo:
            raise ConfigError("no media: pass --media DIR (repeatable) or --config FILE")
        settings = _with_demo_library(args, settings)
    return Station.open(settings)


def _forget_token_variables(settings: StationSettings) -> None:
    """Drop ``token_env`` variables from our environment once the tokens are read, so that
    no child process (ffmpeg, probe workers) inherits a Plex token."""
    for server in settings.config.plex if settings.config is not None else ():
        if server.token_env:
            os.environ.pop(server.token_env, None)


def _with_demo_library(args: argparse.Namespace, settings: StationSettings) -> StationSettings:
    ffmpeg = find_ffmpeg(getattr(args, "ffmpeg", None))
    root = settings.data_dir / "demo"
    with _progress_bar("Rendering the demo library", "s") as progress:
        config = load_config(ensure_demo_library(ffmpeg.path, root, progress))
    log.info("no --media or --config given: serving the demo library in %s", root)
    return StationSettings(settings.data_dir, config.media, config, config.horizon_hours)


def scan(args: argparse.Namespace) -> int:
    with _open_station(args) as station:
        started = time.perf_counter()
        summary = _scan(station)
        _print_summary(summary, time.perf_counter() - started)
    return 0


def channels(args: argparse.Namespace) -> int:
    with _open_station(args) as station:
        if not args.no_scan:
            _catch_up(station)
        now = time.time()
        schedule = station.schedule(now)
        lineup = schedule.channels
        if not lineup:
            print("No channels: the media folders hold no recognisable shows or movies.")
            return 0
        width = max(len(c.name) for c in lineup)
        print(f"{'#':>4}  {'Channel':<{width}}  {'Items':>5}  On now")
        for channel in lineup:
            tune = schedule.at(channel.number, now)
            print(f"{channel.number:>4}  {channel.name:<{width}}  {len(channel.programmes):>5}  "
                  f"{_describe_now(tune.airing, now)}")
    return 0


def _describe_now(airing: Airing, now: float) -> str:
    item = airing.programme
    if item.show and item.season is not None and item.episode is not None:
        label = f"{item.show} S{item.season:02d}E{item.episode:02d} \u201c{item.title}\u201d"
    else:
        label = item.title
    left = max(0, int(airing.stop - now))
    return f"{label} ({left // 60}:{left % 60:02d} left in slot)"


def guide(args: argparse.Namespace) -> int:
    if args.hours <= 0:
        raise ConfigError("--hours must be positive")
    try:
        base_url = normalise_base_url(args.base_url)
    except ValueError as exc:
        raise ConfigError(f"--base-url: {exc}") from exc
    with _open_station(args) as station:
        if not args.no_scan:
            _catch_up(station)
        now = time.time()
        schedule = station.schedule(now)
        start = now - (now % 1800)  # from the half hour before now, as guides do
        stop = now + args.hours * 3600

        def airings_for(channel: Channel) -> list[Airing]:
            return schedule.airings(channel.number, start, stop, segments=False)

        if args.output == "-":
            write_xmltv(sys.stdout.buffer, schedule.channels, airings_for, base_url=base_url)
        else:
            _write_atomically(Path(args.output), lambda out: write_xmltv(
                out, schedule.channels, airings_for, base_url=base_url))
            print(f"Wrote {args.output}: {len(schedule.channels)} channels, {args.hours:g} h",
                  file=sys.stderr)
        if args.m3u:
            text = render_m3u(schedule.channels, base_url=base_url)
            _write_atomically(args.m3u, lambda out: out.write(text.encode("utf-8")))
            print(f"Wrote {args.m3u}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, write: Callable[..., object]) -> None:
    """Write to a temporary sibling and rename, so readers never see a half-written file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as out:
            write(out)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise RetrovueError(f"cannot write {path}: {exc.strerror or exc}") from exc


def serve(args: argparse.Namespace) -> int:
    with _open_station(args, demo=True) as station:
        _scan_before_serving(station)
        def rescan(progress: ProgressCallback) -> ScanSummary:
            return station.scan(progress, strict=False)

        return _run_server(args, station.settings.data_dir, station.schedule,
                           station.settings.horizon_hours, scan_library=rescan,
                           plex=_plex_servers(station), server_ids=station.catalog.server_ids,
                           current=station.catalog.current)


def play_channel(args: argparse.Namespace) -> int:
    """Serve one channel of the lineup (optionally replacing a Retrovue already on the port)."""
    if args.kill_existing and stop_existing(args.port) is not None:
        print(f"Stopped the Retrovue that was serving port {args.port}.", file=sys.stderr)
    with _open_station(args, demo=True) as station:
        _scan_before_serving(station)
        numbers = [channel.number for channel in station.channels()]
        if args.number not in numbers:
            listed = ", ".join(map(str, numbers)) or "none"
            raise ConfigError(f"no channel {args.number} in the lineup (channels: {listed})")
        return _run_server(args, station.settings.data_dir,
                           lambda now: station.schedule(now, only=args.number),
                           station.settings.horizon_hours, watch=args.number,
                           plex=_plex_servers(station), server_ids=station.catalog.server_ids,
                           current=station.catalog.current)


def play(args: argparse.Namespace) -> int:
    """Channel 1 starts with the chosen episode right now, then the following ones."""
    if args.transcode:
        args.mode = OutputMode.TRANSCODE.value
    elif args.mode is None:
        args.mode = OutputMode.AUTO.value
    with _open_station(args, demo=True) as station:
        _scan_before_serving(station)
        channel = marathon_channel(station.catalog.items(), args.show, args.season, args.episode)
        path = station.settings.data_dir / "play.db"
        for stale in (path, path.with_name("play.db-wal"), path.with_name("play.db-shm")):
            stale.unlink(missing_ok=True)
        started = time.time()
        with ScheduleStore.open(path) as store:
            horizon = station.settings.horizon_hours

            def build(now: float) -> Schedule:
                schedule = Schedule(store, [channel], horizon=horizon * 3600,
                                    epochs={channel.number: started})
                schedule.publish(now)
                return schedule

            return _run_server(args, station.settings.data_dir, build, horizon,
                               watch=channel.number, plex=_plex_servers(station),
                               server_ids=station.catalog.server_ids,
                               current=station.catalog.current)


def _plex_servers(station: Station) -> tuple[PlexSettings, ...]:
    config = station.settings.config
    return config.plex if config is not None else ()


def _loopback_base(host: str, port: int) -> str:
    """How our own ffmpeg reaches this server: loopback unless bound to one address only."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _scan_before_serving(station: Station) -> None:
    """Catch up with the library; a Plex server that cannot be reached only warns, so the
    channels go on the air with what was imported before."""
    started = time.perf_counter()
    summary = _catch_up(station)
    if summary.added or summary.updated or summary.removed or summary.skipped:
        _print_summary(summary, time.perf_counter() - started)


def _library_rescan(scan_library: Callable[[ProgressCallback], ScanSummary],
                    guide_service: GuideService) -> Rescan:
    """Re-scan then refresh the guide; one at a time (lineup.post and the periodic re-scan
    share it)."""
    lock = asyncio.Lock()

    async def rescan(progress: ProgressCallback) -> ScanSummary:
        async with lock:
            summary = await asyncio.to_thread(scan_library, progress)
            for failure in summary.failures:
                log.warning("%s; keeping what was imported before", failure)
            await asyncio.to_thread(guide_service.refresh)
            return summary

    return rescan


class PeriodicRescan:
    """Re-scans the library every ``hours`` while serving, so new episodes (on disk or in Plex)
    join their channels after the published guide without a restart."""

    def __init__(self, rescan: Rescan, hours: float):
        self.rescan = rescan
        self.seconds = hours * 3600
        self._task: asyncio.Task[None] | None = None

    async def async_start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="periodic rescan")

    async def async_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            try:
                summary = await self.rescan(lambda done, total: None)
            except RetrovueError as exc:  # a failing source is logged by the scan itself
                log.warning("periodic re-scan failed: %s", exc)
                continue
            log.info("periodic re-scan: %d added, %d updated, %d removed", summary.added,
                     summary.updated, summary.removed)


def _discovery_services(
    args: argparse.Namespace, device: DeviceSettings, engine: PlayoutEngine
) -> list[Service]:
    """UDP/TCP 65001, SSDP and zeroconf, each unless turned off; a busy port only warns."""
    services: list[Service] = []
    if not args.no_hdhr_discovery:
        def tuner_state(index: int) -> TunerState | None:
            session = engine.watched_tuners().get(index)
            if session is None:
                return None
            name = engine.guide.schedule.channel(session.channel_number).name
            bps = int(sum(viewer.bitrate() for viewer in session.viewers))
            return TunerState(vchannel=str(session.channel_number), name=name, bps=bps)

        udp, tcp = DiscoveryResponder(device), ControlServer(device, tuner_state)
        services += [Service("HDHomeRun discovery", udp.async_start, udp.async_stop),
                     Service("HDHomeRun control", tcp.async_start, tcp.async_stop)]
    if not args.no_ssdp:
        ssdp = SsdpService(device)
        services.append(Service("SSDP", ssdp.async_start, ssdp.async_stop))
    if not args.no_zeroconf:
        mdns = MdnsService(device)
        services.append(Service("zeroconf", mdns.async_start, mdns.async_stop))
    return services


def _run_server(
    args: argparse.Namespace,
    data_dir: Path,
    build_schedule: Callable[[float], Schedule],
    hours: float,
    watch: int | None = None,
    scan_library: Callable[[ProgressCallback], ScanSummary] | None = None,
    plex: tuple[PlexSettings, ...] = (),
    server_ids: Callable[[], Mapping[str, str]] = dict,
    current: CurrentItem | None = None,
) -> int:
    """Publish the guide, then serve streams and the guide until Ctrl+C / SIGTERM.

    ``scan_library`` (re-read the media folders) is what ``lineup.post?scan=start`` runs,
    followed by a guide refresh.
    """
    if args.tuners < 1:
        raise ConfigError("--tuners must be at least 1")
    rescan_hours = getattr(args, "rescan_hours", 0.0)
    if rescan_hours < 0:
        raise ConfigError("--rescan-hours must be 0 (off) or positive")
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, not {args.port}")
    ffmpeg = find_ffmpeg(getattr(args, "ffmpeg", None))
    guide_service = GuideService(build_schedule, hours)
    guide_service.refresh()
    remote = (RemoteMedia(plex, _loopback_base(args.host, args.port), server_ids)
              if plex else None)
    engine = PlayoutEngine(
        EngineSettings(ffmpeg=ffmpeg.path, data_dir=data_dir, tuners=args.tuners,
                       linger=args.linger, mode=OutputMode(args.mode) if args.mode else None),
        guide_service,
        input_for=InputResolver(current, remote),
    )
    engine.check_channels()
    try:
        advertise_url = normalise_base_url(args.advertise_url) if args.advertise_url else None
    except ValueError as exc:
        raise ConfigError(f"--advertise-url: {exc}") from exc
    device = DeviceSettings(load_identity(data_dir, args.tuners, args.friendly_name), args.port,
                            advertise_url=advertise_url, bind_host=args.discovery_address)
    rescan = _library_rescan(scan_library, guide_service) if scan_library else None
    app = create_app(guide_service, engine, device, rescan, remote)
    for server in plex:
        if server.reload_guide:
            reload = DvrGuideReload(server, device.identity.device_id_hex)
            guide_service.after_refresh.append(reload)
    host = "localhost" if args.host in ("0.0.0.0", "::") else args.host
    base = f"http://{host}:{args.port}"

    def ready() -> None:
        lineup = guide_service.schedule.channels
        first = watch if watch is not None else (lineup[0].number if lineup else 1)
        print(f"Retrovue is serving {len(lineup)} channel{'s' if len(lineup) != 1 else ''} "
              f"on {base}/ ({args.tuners} tuners, ffmpeg {ffmpeg.version})\n"
              f"  watch in VLC: {base}/iptv/channel/{first}.ts  (also {base}/auto/v{first})\n"
              f"  playlist:     {base}/iptv.m3u\n"
              f"  guide:        {base}/xmltv.xml\n"
              "Press Ctrl+C to stop.", file=sys.stderr)

    periodic = PeriodicRescan(rescan, rescan_hours) if rescan and rescan_hours > 0 else None
    services = [
        *([Service("Plex media", remote.async_start, remote.async_stop)] if remote else []),
        *([Service("periodic rescan", periodic.async_start, periodic.async_stop)]
          if periodic else []),
        Service("guide refresh", guide_service.async_start, guide_service.async_stop),
        Service("playout", engine.async_start, engine.async_stop),
        *_discovery_services(args, device, engine),
    ]
    with serving(args.port):
        asyncio.run(run_server(app, args.host, args.port, services, ready))
    return 0
