"""Where a command's settings come from: command line, environment and config file, merged once
(the command line wins); and the library to open, the demo one when none is given."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from pathlib import Path

import platformdirs

from hdhr_emulator.cli.data_dir import secure_data_dir
from hdhr_emulator.cli.demo import ensure_demo_library
from hdhr_emulator.cli.progress import progress_bar
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from lineup.config import DEFAULT_HORIZON_HOURS, RetrovueConfig, ServerSettings, load_config
from lineup.errors import ConfigError, RetrovueError
from lineup.slots import zone_or_none
from lineup.station import Station, StationSettings

log = logging.getLogger(__name__)


DATA_DIR_ENV = "RETROVUE_DATA_DIR"
# What serve/play/play-channel use when neither the command line nor [server] says.
SERVER_DEFAULTS = ServerSettings(
    host="0.0.0.0", port=8000, tuners=4, linger=30.0, friendly_name="Retrovue"
)


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
    timezone = getattr(args, "timezone", None)
    if timezone:
        try:
            zone_or_none(timezone)
        except ValueError as exc:
            raise ConfigError(f"--timezone: {exc}") from None
    return StationSettings(
        data_dir=Path(data_dir),
        media=media,
        config=config,
        horizon_hours=horizon,
        timezone=timezone or None,
    )


def apply_server_defaults(args: argparse.Namespace, config: RetrovueConfig | None) -> None:
    """Fill each server option the command line left out (None) from the config's ``[server]``,
    else from :data:`SERVER_DEFAULTS`: the command line wins, then the file."""
    server = config.server if config is not None else ServerSettings()
    for name in (option.name for option in dataclasses.fields(ServerSettings)):
        if getattr(args, name, None) is None:  # each field is named as its option's dest
            from_file = getattr(server, name)
            setattr(
                args, name, from_file if from_file is not None else getattr(SERVER_DEFAULTS, name)
            )


def open_station(args: argparse.Namespace, *, demo: bool = False, rebuild: bool = False) -> Station:
    settings = settings_from_args(args)
    try:
        secure_data_dir(settings.data_dir)  # before the demo or the catalog write into it
    except OSError as exc:
        raise RetrovueError(
            f"cannot use the data dir {settings.data_dir}: {exc.strerror or exc}"
        ) from exc
    forget_token_variables(settings)
    if not settings.media and settings.config is None:
        if not demo:
            raise ConfigError("no media: pass --media DIR (repeatable) or --config FILE")
        settings = with_demo_library(args, settings)
    station = Station.open(settings, rebuild=rebuild)
    station.detect_breaks = not getattr(args, "no_detect_breaks", False)
    station.measure_loudness = not getattr(args, "no_measure_loudness", False)
    return station


def forget_token_variables(settings: StationSettings) -> None:
    """Drop ``token_env`` variables from our environment once the tokens are read, so that
    no child process (ffmpeg, probe workers) inherits a Plex token."""
    for server in settings.config.plex if settings.config is not None else ():
        if server.token_env:
            os.environ.pop(server.token_env, None)


def with_demo_library(args: argparse.Namespace, settings: StationSettings) -> StationSettings:
    ffmpeg = find_ffmpeg(getattr(args, "ffmpeg", None))
    root = settings.data_dir / "demo"
    with progress_bar("Rendering the demo library", "s") as progress:
        config = load_config(ensure_demo_library(ffmpeg.path, root, progress))
    log.info("no --media or --config given: using the demo library in %s", root)
    return StationSettings(settings.data_dir, config.media, config, config.horizon_hours)
