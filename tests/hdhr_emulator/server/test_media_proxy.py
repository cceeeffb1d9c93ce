"""Resolving media-server items to ffmpeg inputs, and the proxy's signatures."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from quart import Quart

from hdhr_emulator.server.media_proxy import (
    MIN_SIGNATURE_SECONDS,
    SIGNATURE_MARGIN_SECONDS,
    ArtworkCache,
    MediaProxy,
)
from hdhr_emulator.server.routes.media import register_media_routes
from hdhr_emulator.util import is_loopback
from lineup.models import ItemKind, MediaInfo, MediaItem
from lineup.models import MediaServerRef as Remote
from lineup.plex import PathMap, PlexSettings, Secret

INFO = MediaInfo(3.0, "mp4", "h264", 320, 240, 25.0, "aac", 2)
A = PlexSettings("http://a:32400", Secret("token-a"))
B = PlexSettings("http://b:32400", Secret("token-b"))


def plex_item(server: str, file: str = "/data/x.mp4") -> MediaItem:
    return MediaItem(
        1,
        f"plex://{server}/library/metadata/1",
        ItemKind.MOVIE,
        "X",
        INFO,
        source="plex",
        remote=Remote(server, "/library/parts/7/123/file.mp4", file),
    )


def signed_parts(url: str, index: int) -> tuple[str, str, str]:
    """(path, exp, sig) of a proxy URL."""
    path, query = url.split(f"/internal/plex/{index}/")[1].split("?")
    fields = dict(pair.split("=") for pair in query.split("&"))
    return path, fields["exp"], fields["sig"]


def test_items_resolve_by_server_identity_to_a_signed_proxy_url() -> None:
    media = MediaProxy([A, B], "http://127.0.0.1:5004", lambda: {B.url: "id-b", A.url: "id-a"})
    url = media.source_for(plex_item("id-b"))
    assert url.startswith("http://127.0.0.1:5004/internal/plex/1/library/parts/7/123/file.mp4?exp=")
    assert "token" not in url
    path, expires, sig = signed_parts(url, 1)
    upstream = media.verify_part(1, path, expires, sig)
    assert upstream is not None and upstream.url == "http://b:32400/library/parts/7/123/file.mp4"
    assert upstream.headers()["X-Plex-Token"] == "token-b"
    assert media.verify_part(0, path, expires, sig) is None  # signed for server 1 only
    forged = media._sign(1, "library/sections", int(expires))
    assert media.verify_part(1, "library/sections", expires, forged) is None
    assert media.verify_part(1, path, expires, "0" * 32) is None
    assert media.verify_part(1, path, str(int(expires) + 3600), sig) is None  # exp is signed
    # a second instance (a restart) has a new key: old URLs stop working
    assert MediaProxy([A, B], "http://127.0.0.1:5004").verify_part(1, path, expires, sig) is None


def test_signatures_expire_after_the_item_plus_a_margin() -> None:
    """A URL seen in ffmpeg's argv is worth nothing once its item (and a margin) is over."""
    now = [1_000_000.0]
    media = MediaProxy([A], "http://127.0.0.1:5004", lambda: {A.url: "id-a"}, clock=lambda: now[0])
    hour_long = replace(plex_item("id-a"), info=replace(INFO, duration=3600.0))
    path, expires, sig = signed_parts(media.source_for(hour_long), 0)
    assert int(expires) == now[0] + 3600 + SIGNATURE_MARGIN_SECONDS
    now[0] += 3600 + SIGNATURE_MARGIN_SECONDS - 1  # a reconnect at the end of the item
    assert media.verify_part(0, path, expires, sig) is not None
    now[0] += 2
    assert media.verify_part(0, path, expires, sig) is None
    short = signed_parts(media.source_for(plex_item("id-a")), 0)  # 3 s item: the minimum
    assert int(short[1]) == int(now[0] + MIN_SIGNATURE_SECONDS)
    assert media.verify_part(0, path, "", sig) is None
    assert media.verify_part(0, path, "-1", sig) is None


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.231.0.2", False),
        ("192.168.1.5", False),
        ("fe80::1%eth0", False),
        ("", False),
        (None, False),
        ("localhost", False),
    ],
)
def test_only_loopback_peers_count_as_local(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_unknown_identity_falls_back_only_when_one_server_is_configured() -> None:
    assert "/internal/plex/0/" in MediaProxy([A], "http://h:1").source_for(plex_item("moved"))
    lost = plex_item("gone")
    assert MediaProxy([A, B], "http://h:1").source_for(lost) == lost.path


def test_mapped_readable_file_is_played_directly(tmp_path: Path) -> None:
    local = tmp_path / "x.mp4"
    local.write_bytes(b"x")
    mapped = PlexSettings(A.url, A.token, path_map=PathMap.from_mapping({"/data": str(tmp_path)}))
    media = MediaProxy([mapped], "http://h:1", lambda: {A.url: "id-a"})
    assert media.source_for(plex_item("id-a")) == str(local)
    assert "/internal/plex/" in media.source_for(plex_item("id-a", "/data/missing.mp4"))


def test_the_part_route_refuses_expired_and_remote_requests(tmp_path: Path) -> None:
    """The route itself, driven through ASGI with a chosen peer address (no network): 403 for
    an expired signature from loopback and for a fresh one from another address. (A fresh one
    from loopback reaches Plex: tests/hdhr_emulator/server/test_plex_playout.py.)"""
    now = [1_000_000.0]
    closed = PlexSettings("http://127.0.0.1:9", Secret("t"))  # were it asked: loopback, refused
    media = MediaProxy([closed], "http://h:1", lambda: {closed.url: "id-a"}, clock=lambda: now[0])
    app = Quart(__name__)
    register_media_routes(app, media, ArtworkCache(tmp_path), lambda _: None)
    expired = media.source_for(plex_item("id-a")).removeprefix("http://h:1")
    now[0] += MIN_SIGNATURE_SECONDS + 1
    fresh = media.source_for(plex_item("id-a")).removeprefix("http://h:1")

    async def status(path: str, peer: str) -> int:
        client = app.test_client()
        response = await client.get(path, scope_base={"client": (peer, 40000)})
        return response.status_code

    async def main() -> list[int]:
        return [
            await status(expired, "127.0.0.1"),
            await status(fresh, "10.231.0.2"),
            await status(fresh, "192.168.1.20"),
        ]

    assert asyncio.run(main()) == [403, 403, 403]
