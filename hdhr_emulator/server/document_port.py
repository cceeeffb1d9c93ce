"""The device documents on a second port (80 by default), where Jellyfin's auto-detection looks.

Jellyfin (and Emby) answer a UDP discovery reply by fetching ``http://<replying address>/
discover.json``, on port 80 whatever the reply's BaseURL says (docs/protocol/hdhomerun.md §7),
and later re-read ``discover.json`` at that address. A Retrovue on port 8000 is never detected
unless something on port 80 answers. So a second listener serves the documents a client reads
about the device, and nothing else (no streams, guide or media), and each document is built as
if the request had come to the main port: its BaseURL, LineupURL and channel URLs point there.
"""

from __future__ import annotations

from hdhr_emulator.server.asgi import AsgiApp, Receive, Scope, Send, send_empty

DEFAULT_DOCUMENT_PORT = 80

# What a client reads about the device (Jellyfin: discover.json, then LineupURL; older Jellyfin
# and Emby: tuners.html at the discovered address).
DEVICE_DOCUMENTS = frozenset(
    {
        "/discover.json",
        "/lineup.json",
        "/lineup.xml",
        "/lineup.m3u",
        "/lineup_status.json",
        "/status.json",
        "/tuners.html",
        "/device.xml",
        "/capability",
        "/",
    }
)


def with_port(host_header: str, port: int) -> str:
    """``host_header`` (``name``, ``name:port``, ``[v6]:port``) naming ``port`` instead."""
    if host_header.startswith("["):
        name = host_header[: host_header.find("]") + 1] or host_header
    elif host_header.count(":") == 1:
        name = host_header.split(":", 1)[0]
    else:
        name = host_header
    return f"{name}:{port}"


def serve_documents_on(app: AsgiApp, document_port: int, main_port: int) -> AsgiApp:
    """``app``, answering on ``document_port`` only GET/HEAD of :data:`DEVICE_DOCUMENTS` (404
    otherwise), each built as if asked on ``main_port``."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if scope["type"] != "http" or not server or server[1] != document_port:
            await app(scope, receive, send)
            return
        if scope["path"] not in DEVICE_DOCUMENTS or scope["method"] not in ("GET", "HEAD"):
            await send_empty(send, 404)
            return
        headers = [
            (name, with_port(value.decode("latin-1"), main_port).encode("latin-1"))
            if name == b"host"
            else (name, value)
            for name, value in scope["headers"]
        ]
        await app({**scope, "server": (server[0], main_port), "headers": headers}, receive, send)

    return routed
