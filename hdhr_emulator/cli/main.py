"""The ``retrovue`` command: argument parsing, logging set-up, progress bars and exit codes.

This is the one place that talks to the terminal. Every known failure arrives here as a
:class:`~lineup.errors.RetrovueError` and leaves as one line on stderr and an exit code
(2 for usage/config errors, 1 otherwise); tracebacks only with ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hdhr_emulator.cli.data_dir import private_umask
from hdhr_emulator.cli.override_command import add_override_options
from lineup.errors import ConfigError, RetrovueError

log = logging.getLogger(__name__)

PROG = "retrovue"


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the subcommand (``retrovue --debug scan`` or
    ``retrovue scan --debug``); on subparsers the defaults are suppressed so they never override
    what was given before the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config", type=Path, default=default, metavar="FILE", help="TOML configuration file"
    )
    parser.add_argument(
        "--media",
        type=Path,
        action="append",
        default=default,
        metavar="DIR",
        help="media folder to build channels from (repeatable)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help="where the catalog, schedule and demo live (default: the user data dir)",
    )
    parser.add_argument(
        "--timezone",
        default=default,
        metavar="ZONE",
        help="IANA time zone of the slots' local times, e.g. Europe/Paris (default: the "
        "config's timezone, else the system's)",
    )
    parser.add_argument(
        "--ffmpeg",
        default=default,
        metavar="PATH",
        help="ffmpeg binary (default: $RETROVUE_FFMPEG, PATH, then the bundled one)",
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="verbose logging and tracebacks"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Live retro TV channels from your media library, as an HDHomeRun tuner.",
    )
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    serve = command("serve", "serve every channel (the demo library when no media/config is given)")
    _server_options(serve)
    serve.add_argument(
        "--rescan-hours",
        type=float,
        default=6.0,
        metavar="HOURS",
        help="re-scan the folders and Plex servers this often while serving "
        "(default 6; 0: only at start and on lineup.post)",
    )

    play = command("play", "serve channel 1 starting with one episode now, then the following ones")
    play.add_argument("show", help='show title, e.g. "Cheers"')
    play.add_argument("--season", type=int, default=1)
    play.add_argument("--episode", type=int, default=1)
    play.add_argument("--transcode", action="store_true", help="re-encode even if copy would do")
    _server_options(play)

    play_channel = command("play-channel", "serve only one channel")
    play_channel.add_argument("number", type=int, help="channel number")
    play_channel.add_argument(
        "--kill-existing",
        action="store_true",
        help="stop a Retrovue instance already serving on the port",
    )
    _server_options(play_channel)

    scan = command("scan", "scan the media folders and Plex servers into the catalog")
    scan.add_argument(
        "--rebuild",
        action="store_true",
        help="move the database aside (e.g. when it is damaged) and build a new one, keeping "
        "the published schedule and channel numbers as far as they can be read",
    )

    channels = command("channels", "list the channel lineup and what is on now")
    channels.add_argument("--no-scan", action="store_true", help="use the catalog as it is")
    channels.add_argument(
        "--suggest",
        action="store_true",
        help="propose channels by network/studio, genre and decade from the library's metadata",
    )
    channels.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="with --suggest: append the proposed channels to this config file as [[channel]] "
        "tables (also the config read, unless --config is given)",
    )

    guide = command("guide", "write the XMLTV guide (and optionally the M3U playlist)")
    guide.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="XMLTV file ('-' = stdout)"
    )
    guide.add_argument(
        "--hours", type=float, default=72.0, help="hours of guide from now (default 72)"
    )
    guide.add_argument("--m3u", type=Path, metavar="FILE", help="also write an M3U playlist here")
    guide.add_argument(
        "--base-url",
        metavar="URL",
        help="address clients reach the server on, for stream and logo URLs, "
        "e.g. http://192.168.1.50:8000 (default http://localhost:8000, "
        "which only this machine can reach)",
    )
    guide.add_argument("--no-scan", action="store_true", help="use the catalog as it is")

    token = command(
        "token",
        "print the API token that changes through the API from other machines need "
        "(made on first use)",
    )
    _token_file_option(token)
    token.add_argument(
        "--rotate",
        action="store_true",
        help="replace it with a new one (a running server takes it at once; the old one stops "
        "working)",
    )
    status = command("status", "show what a running server is doing: tuners, channels, viewers")
    _remote_options(status)
    override = command("override", "start, end or list emergency overrides on a running server")
    _remote_options(override)
    add_override_options(override)
    for scanning in (scan, serve, play, play_channel, channels, guide):
        _detect_breaks_option(scanning)
        _measure_loudness_option(scanning)
    return parser


def _detect_breaks_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-detect-breaks",
        action="store_true",
        help="do not look for natural break points (black picture with silence) in new "
        "programmes while scanning; chapter marks are still read",
    )


def _measure_loudness_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-measure-loudness",
        action="store_true",
        help="do not measure new files' loudness while scanning (unmeasured files air at "
        "their own level)",
    )


def _token_file_option(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--api-token-file",
        type=Path,
        metavar="FILE",
        help="where the API token is kept (created if missing; default: api_token in the data dir)",
    )


def _remote_options(parser: argparse.ArgumentParser) -> None:
    """Where a client command finds the running server, and its token file."""
    parser.add_argument(
        "--server",
        metavar="URL",
        help="the server's address, e.g. http://192.168.1.50:8000 "
        "(default http://127.0.0.1:PORT, this machine)",
    )
    parser.add_argument(
        "--port", type=int, help="the port of the server on this machine (default 8000)"
    )
    _token_file_option(parser)


def _server_options(parser: argparse.ArgumentParser) -> None:
    """Their defaults are None: the config's ``[server]`` table fills what the command line
    leaves out, then the built-in defaults do (``settings.apply_server_defaults``)."""
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, help="HTTP port (default 8000)")
    parser.add_argument(
        "--tuners",
        metavar="N|auto",
        help="simultaneous channels, 1-64 (default 4); auto: as many as the CPU encodes in "
        "real time (a tune that would slow the running channels is refused as busy)",
    )
    parser.add_argument(
        "--mode",
        choices=["transcode", "copy", "auto"],
        help="output mode for every channel (overrides the config)",
    )
    parser.add_argument(
        "--linger",
        type=float,
        metavar="SECONDS",
        help="keep a channel running this long after its last viewer (default 30)",
    )
    device = parser.add_argument_group(
        "the HDHomeRun device", "each option's default can be set in the config's [server] table"
    )
    device.add_argument(
        "--friendly-name",
        metavar="NAME",
        help="the tuner's name in Plex/Jellyfin (default Retrovue)",
    )
    device.add_argument(
        "--advertise-url",
        metavar="URL",
        help="the address clients must use, e.g. http://192.168.1.50:8000 "
        "(Docker/NAT); default: the address each client reached us on",
    )
    device.add_argument(
        "--discovery-address",
        default="0.0.0.0",
        metavar="ADDR",
        help="the local address discovery (UDP/TCP 65001, SSDP, zeroconf) binds "
        "to, i.e. the interface it answers on (default: all)",
    )
    device.add_argument(
        "--no-hdhr-discovery",
        action="store_true",
        help="do not answer HDHomeRun UDP discovery / TCP control on port 65001",
    )
    device.add_argument(
        "--discovery-http-port",
        type=int,
        default=80,  # document_port.DEFAULT_DOCUMENT_PORT; this module imports no server code
        metavar="PORT",
        help="also serve the device documents (discover.json, lineup.json, device.xml) on "
        "this port, where Jellyfin's auto-detection fetches them (default 80, which needs "
        "root or CAP_NET_BIND_SERVICE; 0 = off; off with --no-hdhr-discovery)",
    )
    device.add_argument("--no-ssdp", action="store_true", help="do not answer or send SSDP")
    device.add_argument("--no-zeroconf", action="store_true", help="do not advertise over mDNS")
    api = parser.add_argument_group(
        "the API (/api/v1)",
        "requests from this machine (loopback) never need the token; `retrovue token` prints it",
    )
    api.add_argument(
        "--api-auth",
        choices=["writes", "all"],  # server.api.auth.AuthScope; this module imports no server code
        default="writes",
        help="what needs the API token from other machines: writes (changes, the default) or "
        "all (reads too)",
    )
    _token_file_option(api)


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if debug else "%(message)s",
        stream=sys.stderr,
    )
    if not debug:  # the device's own progress notes; library chatter stays at debug level
        logging.getLogger("hdhr_emulator").setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False)) or os.environ.get("RETROVUE_DEBUG") == "1"
    _setup_logging(debug)
    from hdhr_emulator.cli import commands  # deferred: keeps --help fast

    handler: Callable[[argparse.Namespace], int] = getattr(commands, args.command.replace("-", "_"))
    args.user_umask = private_umask()  # the data dir's files are owner-only from the start
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except RetrovueError as exc:
        if debug:
            log.exception("failed")
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # the one boundary for the unexpected: one line unless --debug
        if debug:
            raise
        print(
            f"{PROG}: error: {exc.__class__.__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        os.umask(args.user_umask)


__all__ = ["main", "build_parser", "ConfigError"]
