"""``retrovue override``: start, end and list emergency overrides on a running server."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from hdhr_emulator.cli.remote import ApiClient, server_url
from hdhr_emulator.cli.settings import settings_from_args
from hdhr_emulator.server.api_token import read_token, token_path
from lineup.errors import RetrovueError


def add_override_options(parser: argparse.ArgumentParser) -> None:
    """What to put on air where, or --list / --end (the server options are main's)."""
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the active overrides")
    action.add_argument("--end", metavar="ID", help="end an override now")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--all", action="store_true", help="on every channel")
    target.add_argument(
        "--channel", type=int, action="append", metavar="N", help="on channel N (repeatable)"
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--message", metavar="TEXT", help="show TEXT full-screen")
    what.add_argument("--item", type=int, metavar="ID", help="play a library item")
    what.add_argument("--file", metavar="PATH", help="play a file inside the media folders")
    parser.add_argument(
        "--minutes", type=float, help="end by itself after this long (default: until --end)"
    )


def run_override(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    config_port = settings.config.server.port if settings.config is not None else None
    token = read_token(token_path(settings.data_dir, args.api_token_file))
    body = None if args.list or args.end else request_body(args)
    with ApiClient(server_url(args, config_port), token) as client:
        if args.list:
            overrides = client.request("GET", "/override")["overrides"]
            for override in overrides:
                print(describe(override))
            if not overrides:
                print("no active overrides")
        elif args.end:
            client.request("DELETE", f"/override/{args.end}")
            print(f"override {args.end} ended")
        else:
            print(describe(client.request("POST", "/override", body)))
    return 0


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    if not args.all and not args.channel:
        raise RetrovueError("say where: --all or --channel N")
    if args.message is None and args.item is None and args.file is None:
        raise RetrovueError("say what: --message TEXT, --item ID or --file PATH")
    body: dict[str, Any] = {"channels": "all" if args.all else args.channel}
    if args.message is not None:
        body["message"] = args.message
    elif args.item is not None:
        body["item"] = args.item
    else:  # a path that exists here is sent whole; others are the server's to resolve
        local = Path(args.file).expanduser()
        body["file"] = str(local.resolve()) if local.exists() else args.file
    if args.minutes is not None:
        body["minutes"] = args.minutes
    return body


def describe(override: dict[str, Any]) -> str:
    """One line: id, where, what, until when (local time)."""
    target = override["target"]
    where = "all channels" if target == "all" else "channel " + ", ".join(map(str, target))
    if override["ends"] is None:
        until = "until ended"
    else:
        ends = datetime.fromisoformat(override["ends"].replace("Z", "+00:00")).astimezone()
        until = f"until {ends:%H:%M:%S}"
    return f"{override['id']}  {where}: {override['title']}  ({until})"
