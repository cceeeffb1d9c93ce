"""What each ``retrovue`` subcommand does; argument parsing lives in :mod:`hdhr_emulator.cli.main`.

Commands return an exit code and raise :class:`~lineup.errors.RetrovueError` for the CLI's one
error boundary. Progress bars and tables go to the terminal from here, never from the library.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hdhr_emulator.cli.override_command import run_override
from hdhr_emulator.cli.pidfile import stop_existing
from hdhr_emulator.cli.progress import (
    catch_up,
    print_summary,
    scan_before_serving,
    scan_with_progress,
)
from hdhr_emulator.cli.remote import ApiClient, server_url
from hdhr_emulator.cli.settings import apply_server_defaults, open_station, settings_from_args
from hdhr_emulator.cli.status_table import render_status
from hdhr_emulator.cli.suggest_command import run_suggest
from hdhr_emulator.cli.wiring import plex_servers, run_server
from hdhr_emulator.server.api_token import (
    load_or_create_token,
    read_token,
    rotate_token,
    token_path,
)
from hdhr_emulator.server.rescan import ProgressCallback
from hdhr_emulator.util import atomic_write
from lineup.channels import marathon_channel
from lineup.errors import ConfigError, RetrovueError
from lineup.models import Airing, Channel, OutputMode
from lineup.rebuild import RebuildReport
from lineup.scanner import ScanSummary
from lineup.schedule import Schedule, ScheduleStore
from lineup.station import Station
from xmltv import render_m3u, write_xmltv
from xmltv.urls import normalise_base_url

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://localhost:8000"  # guide --base-url: right only on this machine


def scan(args: argparse.Namespace) -> int:
    with open_station(args, rebuild=args.rebuild) as station:
        if station.rebuilt is not None:
            print(describe_rebuild(station.rebuilt), file=sys.stderr)
        started = time.perf_counter()
        summary = scan_with_progress(station)
        print_summary(summary, time.perf_counter() - started)
    return 0


def describe_rebuild(report: RebuildReport) -> str:
    """What ``scan --rebuild`` did, for the user: where the old file is, what was kept."""
    if report.moved_to is None:
        return "No database to move aside: building a new one."
    rows = dict(report.rows)
    lines = [
        f"Moved the old database to {report.moved_to} (delete it once all is well).",
        f"Kept {rows.get('channel_numbers', 0)} channel number(s) and the published guide of "
        f"{report.channels_kept + report.channels_cut} channel(s)"
        + (f" ({report.channels_cut} up to a damaged part)" if report.channels_cut else "")
        + (f"; {report.channels_reset} channel(s) start afresh" if report.channels_reset else "")
        + ".",
    ]
    if report.unreadable:
        lines.append(f"Could not read all of: {', '.join(report.unreadable)}.")
    return "\n".join(lines)


def channels(args: argparse.Namespace) -> int:
    if args.write is not None and not args.suggest:
        raise ConfigError("--write needs --suggest (it writes the suggested channels)")
    if args.suggest:
        return run_suggest(args)
    with open_station(args, demo=True) as station:  # what serve would air, demo included
        if not args.no_scan:
            catch_up(station)
        now = time.time()
        schedule = station.schedule(now)
        lineup = schedule.channels
        if not lineup:
            print(f"No channels: {_empty_library_hint(station)}")
            return 0
        width = max(len(c.name) for c in lineup)
        print(f"{'#':>4}  {'Channel':<{width}}  {'Items':>5}  On now")
        for channel in lineup:
            tune = schedule.at(channel.number, now)
            print(
                f"{channel.number:>4}  {channel.name:<{width}}  {len(channel.programmes):>5}  "
                f"{_describe_now(tune.airing, now)}"
            )
    return 0


def _empty_library_hint(station: Station) -> str:
    """Why the lineup is empty and what the scanner looks for, since an empty lineup is almost
    always files named or laid out otherwise (README, "Your own library")."""
    folders = ", ".join(str(folder) for folder in station.settings.media) or "the library"
    return (
        f"no shows or movies found in {folders}; the scanner expects e.g. "
        "TV/Cheers/Season 01/Cheers - S01E01 - Title.mp4 or Movies/Airplane! (1980).mp4 "
        '(see "Your own library" in the README)'
    )


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
        base_url = normalise_base_url(args.base_url or DEFAULT_BASE_URL)
    except ValueError as exc:
        raise ConfigError(f"--base-url: {exc}") from exc
    with open_station(args, demo=True) as station:  # the guide of what serve would air
        if not args.no_scan:
            catch_up(station)
        now = time.time()
        schedule = station.schedule(now)
        start = now - (now % 1800)  # from the half hour before now, as guides do
        stop = now + args.hours * 3600

        def airings_for(channel: Channel) -> list[Airing]:
            return schedule.airings(channel.number, start, stop, segments=False)

        if args.output == "-":
            write_xmltv(sys.stdout.buffer, schedule.channels, airings_for, base_url=base_url)
        else:
            _write_atomically(
                Path(args.output),
                lambda out: write_xmltv(out, schedule.channels, airings_for, base_url=base_url),
                args,
            )
            print(
                f"Wrote {args.output}: {len(schedule.channels)} channels, {args.hours:g} h",
                file=sys.stderr,
            )
        if args.m3u:
            text = render_m3u(schedule.channels, base_url=base_url)
            _write_atomically(args.m3u, lambda out: out.write(text.encode("utf-8")), args)
            print(f"Wrote {args.m3u}", file=sys.stderr)
    if args.base_url is None and (args.output != "-" or args.m3u):
        print(
            f"warning: the files written point clients at {DEFAULT_BASE_URL}, which other "
            "machines cannot reach; pass --base-url http://<this machine's LAN address>:8000",
            file=sys.stderr,
        )
    return 0


def _write_atomically(path: Path, write: Callable[..., object], args: argparse.Namespace) -> None:
    """Write to a temporary sibling and rename, so readers never see a half-written file.

    The file is the user's, not the data dir's: its mode follows their umask (the process runs
    with an owner-only one), so a web server can still read a guide written for it.
    """
    try:
        atomic_write(path, write)
        os.chmod(path, 0o666 & ~getattr(args, "user_umask", 0o022))
    except OSError as exc:
        raise RetrovueError(f"cannot write {path}: {exc.strerror or exc}") from exc


def serve(args: argparse.Namespace) -> int:
    with open_station(args, demo=True) as station:
        apply_server_defaults(args, station.settings.config)
        # start on a quick scan (new files probed, chapter marks read) and look for natural
        # break points in the background right after: on a library scanned before break
        # detection that search takes minutes per hundred hours, the channels need not wait
        detect, measure = station.detect_breaks, station.measure_loudness
        station.detect_breaks = station.measure_loudness = False  # loudness too: deferred
        scan_before_serving(station)
        station.detect_breaks, station.measure_loudness = detect, measure
        if not station.channels():  # served anyway: files added later join at the next re-scan
            print(f"warning: serving 0 channels: {_empty_library_hint(station)}", file=sys.stderr)

        def rescan(progress: ProgressCallback) -> ScanSummary:
            return station.scan(progress, strict=False)

        return run_server(
            args,
            station.settings.data_dir,
            station.schedule,
            station.settings.horizon_hours,
            scan_library=rescan,
            plex=plex_servers(station),
            server_ids=station.catalog.server_ids,
            current=station.catalog.current,
            library=station.library_report,
            media_folders=station.settings.media,
            rescan_soon=detect or measure,
        )


def play_channel(args: argparse.Namespace) -> int:
    """Serve one channel of the lineup (optionally replacing a Retrovue already on the port)."""
    with open_station(args, demo=True) as station:
        apply_server_defaults(args, station.settings.config)  # the port may come from [server]
        if args.kill_existing and stop_existing(args.port) is not None:
            print(f"Stopped the Retrovue that was serving port {args.port}.", file=sys.stderr)
        scan_before_serving(station)
        numbers = [channel.number for channel in station.channels()]
        if args.number not in numbers:
            listed = ", ".join(map(str, numbers)) or "none"
            raise ConfigError(f"no channel {args.number} in the lineup (channels: {listed})")
        return run_server(
            args,
            station.settings.data_dir,
            lambda now: station.schedule(now, only=args.number),
            station.settings.horizon_hours,
            watch=args.number,
            plex=plex_servers(station),
            server_ids=station.catalog.server_ids,
            current=station.catalog.current,
            media_folders=station.settings.media,
        )


def play(args: argparse.Namespace) -> int:
    """Channel 1 starts with the chosen episode right now, then the following ones."""
    with open_station(args, demo=True) as station:
        apply_server_defaults(args, station.settings.config)
        if args.transcode:
            args.mode = OutputMode.TRANSCODE.value
        elif args.mode is None:
            args.mode = OutputMode.AUTO.value
        scan_before_serving(station)
        channel = marathon_channel(
            station.catalog.items(),
            args.show,
            args.season,
            args.episode,
            skipped=station.catalog.skipped_episodes(),
        )
        path = station.settings.data_dir / "play.db"
        for stale in (path, path.with_name("play.db-wal"), path.with_name("play.db-shm")):
            stale.unlink(missing_ok=True)
        started = time.time()
        with ScheduleStore.open(path) as store:
            horizon = station.settings.horizon_hours

            def build(now: float) -> Schedule:
                schedule = Schedule(
                    store, [channel], horizon=horizon * 3600, epochs={channel.number: started}
                )
                schedule.publish(now)
                return schedule

            return run_server(
                args,
                station.settings.data_dir,
                build,
                horizon,
                watch=channel.number,
                plex=plex_servers(station),
                server_ids=station.catalog.server_ids,
                current=station.catalog.current,
            )


def token(args: argparse.Namespace) -> int:
    """Print the API token (the one the server uses for the same data dir and token file)."""
    path = token_path(settings_from_args(args).data_dir, args.api_token_file)
    value = rotate_token(path) if args.rotate else load_or_create_token(path)
    print(value)
    return 0


def status(args: argparse.Namespace) -> int:
    """Print what a running server is doing (``GET /api/v1/status``) as a table."""
    settings = settings_from_args(args)
    config_port = settings.config.server.port if settings.config is not None else None
    token = read_token(token_path(settings.data_dir, args.api_token_file))
    with ApiClient(server_url(args, config_port), token) as client:
        document = client.request("GET", "/status")
    print(render_status(document))
    return 0


def override(args: argparse.Namespace) -> int:
    """Start, end or list emergency overrides on a running server (one line each)."""
    return run_override(args)
