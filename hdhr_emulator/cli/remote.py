"""The command line as a client of a running server's API (``retrovue status``): where the
server is, the token it wants for changes, and every failure as one line.

The token is sent when the data dir has one (``api_token``, written by the server at first
start), so the same command works against a server that protects its API; reads need none.
"""

from __future__ import annotations

import argparse
import logging
import re
from typing import Any

import httpx

from lineup.errors import RetrovueError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
TOKEN_FILE = "api_token"  # in the data dir
DEFAULT_PORT = 8000
TIMEOUT_SECONDS = 10.0


def server_url(args: argparse.Namespace, config_port: int | None = None) -> str:
    """``--server``, else this machine at ``--port`` (else the config's port, else 8000)."""
    server = getattr(args, "server", None)
    if server:
        url = str(server).strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise RetrovueError(f"--server must be an http(s) URL, not {server!r}")
        return url
    port = getattr(args, "port", None) or config_port or DEFAULT_PORT
    return f"http://127.0.0.1:{port}"


class ApiClient:
    """Calls one server's API; raises :class:`RetrovueError` with one line on any failure."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = TIMEOUT_SECONDS):
        self.base_url = base_url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def request(self, method: str, path: str, json: Any = None) -> Any:
        """The JSON answer (None for an empty one) of ``method`` ``/api/v1{path}``."""
        try:
            response = self._client.request(method, API_PREFIX + path, json=json)
        except httpx.TimeoutException:
            raise RetrovueError(f"no answer from the server at {self.base_url}") from None
        except httpx.HTTPError as exc:
            raise RetrovueError(
                f"cannot reach a Retrovue server at {self.base_url} ({_reason(exc)}); "
                "is it running? (--server URL or --port PORT)"
            ) from None
        if response.is_error:
            raise RetrovueError(f"the server said {response.status_code}: {_error_text(response)}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise RetrovueError(
                f"{self.base_url} did not answer as a Retrovue server (no JSON at {path})"
            ) from None


def _reason(exc: httpx.HTTPError) -> str:
    """``connection refused`` rather than ``[Errno 111] Connection refused``."""
    text = str(exc) or exc.__class__.__name__
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[0]).lower()


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return response.reason_phrase or "error"
