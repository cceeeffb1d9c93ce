"""Playing and showing media-server (Plex) items without ever handing out the server's token.

Playback: an item whose file a configured path map makes readable here is played from the file.
Otherwise ffmpeg reads it from *us*: ``/internal/plex/<n>/<part key>?sig=…`` on the loopback
address, and the proxy route fetches the part from Plex with ``X-Plex-Token`` in a request
header. So the token is in no ffmpeg argument (``ps`` shows those to every user), no URL, no log
line and no response; the signature (HMAC with a key made at start-up) stops the proxy from being
used to fetch anything but the parts of catalogued items.

The signed URL is still visible to every local user in ffmpeg's argv, so it is worth little:
the route answers loopback clients only (403 otherwise), and each URL expires. Every item start
signs a fresh URL valid for the item's duration plus :data:`SIGNATURE_MARGIN_SECONDS` (at least
:data:`MIN_SIGNATURE_SECONDS`), which covers whatever is left of the segment, so ffmpeg's
reconnects (new Range requests) late in a long item still work. Validity is checked when a
request starts; a response already streaming is never cut.

Artwork: the guide points at ``/artwork/<item id>``; the image is fetched from Plex the same way
and cached on disk, keyed by Plex's artwork path (which changes when the artwork does).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from hdhr_emulator.util import atomic_write
from lineup.models import MediaItem
from lineup.plex.secret import redact
from lineup.plex.settings import PlexSettings

log = logging.getLogger(__name__)

PROXY_PREFIX = "/internal/plex"
_PART_PREFIX = "/library/parts/"
_CONNECT_TIMEOUT = 10.0
_READ_TIMEOUT = 30.0
SIGNATURE_MARGIN_SECONDS = 300.0  # beyond the item's duration: a late start, a slow reconnect
MIN_SIGNATURE_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Upstream:
    """A verified request for a server's resource: where, and with which credentials."""

    server: PlexSettings
    url: str  # without the token

    def headers(self) -> dict[str, str]:
        return {"X-Plex-Token": self.server.token.reveal(), "Accept": "*/*"}


class MediaProxy:
    """Resolves items to ffmpeg inputs and signs/verifies proxy URLs; owns the HTTP client."""

    def __init__(
        self,
        servers: Sequence[PlexSettings],
        proxy_base: str,
        server_ids: Callable[[], Mapping[str, str]] = dict,
        key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ):
        """``server_ids()`` maps configured URLs to the identities the catalog's items carry
        (Plex's machineIdentifier, learnt at import); it is re-read when an item names an
        identity we have not seen, e.g. after a re-scan against a server's new URL."""
        self.servers = tuple(servers)
        self.proxy_base = proxy_base.rstrip("/")
        self.server_ids = server_ids
        self._key = key or secrets.token_bytes(32)
        self._clock = clock
        self._by_id: dict[str, int] = {}
        self._clients: dict[bool, httpx.AsyncClient] = {}  # by verify_tls

    def _index(self, server_id: str) -> int | None:
        """Which configured server holds items of ``server_id``."""
        if server_id not in self._by_id:
            by_url = {server.url: index for index, server in enumerate(self.servers)}
            self._by_id = {
                sid: by_url[url] for url, sid in self.server_ids().items() if url in by_url
            }
        index = self._by_id.get(server_id)
        if index is None and len(self.servers) == 1:
            return 0  # never imported at this URL yet (Plex down since it moved): the only one
        return index

    # -- ffmpeg inputs ---------------------------------------------------------------------
    def source_for(self, item: MediaItem) -> str:
        """What ffmpeg should open for ``item``: a local path, or our loopback proxy URL."""
        remote = item.remote
        if remote is None:
            return item.path
        index = self._index(remote.server)
        if index is None:  # a server no longer configured: nothing can fetch it
            log.warning(
                "%s comes from %s, which is no longer configured", item.title, remote.server
            )
            return item.path
        local = self.servers[index].path_map.readable(remote.file)
        if local is not None:
            return local
        valid = max(MIN_SIGNATURE_SECONDS, item.duration + SIGNATURE_MARGIN_SECONDS)
        return self.proxy_url(index, remote.part_key, valid)

    def proxy_url(self, index: int, part_key: str, valid: float = MIN_SIGNATURE_SECONDS) -> str:
        """A URL for the part, signed for ``valid`` seconds from now."""
        path = part_key.lstrip("/")
        expires = int(self._clock() + valid)
        signature = self._sign(index, path, expires)
        return (
            f"{self.proxy_base}{PROXY_PREFIX}/{index}/{quote(path)}?exp={expires}&sig={signature}"
        )

    def _sign(self, index: int, path: str, expires: int) -> str:
        message = f"{index}\n{path}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def verify_part(self, index: int, path: str, expires: str, signature: str) -> Upstream | None:
        """The upstream for a proxy request, or None unless it is one we signed that has not
        expired."""
        if not 0 <= index < len(self.servers) or not ("/" + path).startswith(_PART_PREFIX):
            return None
        if not (expires.isascii() and expires.isdigit()) or int(expires) < self._clock():
            return None
        if not hmac.compare_digest(self._sign(index, path, int(expires)), signature or ""):
            return None
        server = self.servers[index]
        return Upstream(server, f"{server.url}/{quote(path)}")

    def artwork_upstream(self, item: MediaItem) -> Upstream | None:
        remote = item.remote
        if remote is None or not remote.art_key or not remote.art_key.startswith("/"):
            return None
        index = self._index(remote.server)
        if index is None:
            return None
        server = self.servers[index]
        return Upstream(server, f"{server.url}{remote.art_key}")

    def describe(self, upstream: Upstream, exc: BaseException) -> str:
        """A log line for a failed upstream request, never containing the token."""
        return redact(f"{upstream.url}: {type(exc).__name__}: {exc}", [upstream.server.token])

    # -- lifecycle -------------------------------------------------------------------------
    def client(self, upstream: Upstream) -> httpx.AsyncClient:
        """The HTTP client for ``upstream``'s server (one per TLS-verification setting)."""
        verify = upstream.server.verify_tls
        if verify not in self._clients:
            timeout = httpx.Timeout(_READ_TIMEOUT, connect=_CONNECT_TIMEOUT)
            # trust_env=False: a proxy from the environment must not see the token
            self._clients[verify] = httpx.AsyncClient(
                timeout=timeout, trust_env=False, follow_redirects=False, verify=verify
            )
        return self._clients[verify]

    async def async_start(self) -> None:
        return None

    async def async_stop(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class ArtworkCache:
    """Artwork files fetched once from the media server, kept under ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path_for(self, upstream: Upstream) -> Path:
        digest = hashlib.blake2b(upstream.url.encode(), digest_size=16).hexdigest()
        return self.folder / digest

    def read(self, upstream: Upstream) -> bytes | None:
        try:
            return self.path_for(upstream).read_bytes()
        except OSError:
            return None

    def write(self, upstream: Upstream, data: bytes) -> None:
        path = self.path_for(upstream)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            log.warning("cannot cache artwork in %s: %s", self.folder, exc)


def image_type(data: bytes) -> str:
    """The image's MIME type from its first bytes (Plex serves JPEG and PNG)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return "application/octet-stream"
