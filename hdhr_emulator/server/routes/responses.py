"""What every document route shares: the client's base URL and a response with a length.

Plex asks for the JSON documents over HTTP/1.0, which must never get a chunked body, so every
document is answered whole with a ``Content-Length``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from quart import Response, request

from hdhr_emulator.device.documents import base_url_for_request

_NO_CACHE = {"Cache-Control": "no-cache"}
BaseUrl = Callable[[], str]


def _server_address(scope: Mapping[str, Any]) -> tuple[str, int] | None:
    """The local address of the connection (hypercorn: the accepted socket's own name)."""
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    return str(server[0]), int(server[1])


def base_url_resolver(advertise_url: str | None) -> BaseUrl:
    """A function giving the base URL to hand the client of the current request."""

    def base_url() -> str:
        return base_url_for_request(
            advertise_url=advertise_url,
            scheme=request.scheme,
            host_header=request.headers.get("Host"),
            client_address=request.remote_addr,
            local_address=_server_address(request.scope),
        )

    return base_url


def document(body: bytes, content_type: str, **headers: str) -> Response:
    return Response(body, content_type=content_type, headers={**_NO_CACHE, **headers})


def text_error(status: int, message: str) -> Response:
    return Response(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
