"""Talking to a running server's API from the command line (``retrovue override``).

The server is ``--server URL``, else ``http://127.0.0.1:PORT`` with the port from ``--port``,
the config's ``[server]`` table or 8000. The API token, when the data dir has one, goes with
every request (loopback needs none, another host does). Every failure is one line.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from hdhr_emulator.cli.settings import SERVER_DEFAULTS, settings_from_args
from lineup.errors import RetrovueError

log = logging.getLogger(__name__)

TOKEN_FILE = "api_token"  # in the data dir, written by the server at first start
TIMEOUT = 15.0


class RemoteError(RetrovueError):
    """The running server could not be reached, or refused the request."""


def server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        metavar="URL",
        help="the running Retrovue to talk to (default http://127.0.0.1:PORT)",
    )
    parser.add_argument("--port", type=int, help="its HTTP port when --server is not given")


@dataclass(frozen=True, slots=True)
class Remote:
    base: str  # http://host:port, no trailing slash
    token: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Remote:
        settings = settings_from_args(args)
        base = getattr(args, "server", None)
        if not base:
            config = settings.config
            port = args.port or (config.server.port if config else None) or SERVER_DEFAULTS.port
            base = f"http://127.0.0.1:{port}"
        token = None
        path = settings.data_dir / TOKEN_FILE
        try:
            token = path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
        return cls(base.rstrip("/"), token)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON reply of ``method path`` (None for 204); raises :class:`RemoteError`."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"{self.base}/api/v1{path}"
        try:
            reply = httpx.request(method, url, json=body, headers=headers, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach Retrovue at {self.base}: {exc}") from exc
        if reply.status_code >= 400:
            try:
                reason = str(reply.json()["error"])
            except (ValueError, KeyError, TypeError):
                reason = reply.reason_phrase
            raise RemoteError(f"{reason} (HTTP {reply.status_code})")
        return reply.json() if reply.content else None
