"""Resolving media-server items to ffmpeg inputs, and the proxy's signatures."""

from __future__ import annotations

from pathlib import Path

from hdhr_emulator.server.media_proxy import MediaProxy
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


def test_items_resolve_by_server_identity_to_a_signed_proxy_url() -> None:
    media = MediaProxy([A, B], "http://127.0.0.1:5004", lambda: {B.url: "id-b", A.url: "id-a"})
    url = media.source_for(plex_item("id-b"))
    assert url.startswith("http://127.0.0.1:5004/internal/plex/1/library/parts/7/123/file.mp4?sig=")
    assert "token" not in url
    path, sig = url.split("/internal/plex/1/")[1].split("?sig=")
    upstream = media.verify_part(1, path, sig)
    assert upstream is not None and upstream.url == "http://b:32400/library/parts/7/123/file.mp4"
    assert upstream.headers()["X-Plex-Token"] == "token-b"
    assert media.verify_part(0, path, sig) is None  # signed for server 1 only
    assert media.verify_part(1, "library/sections", media._sign(1, "library/sections")) is None
    assert media.verify_part(1, path, "0" * 32) is None
    # a second instance (a restart) has a new key: old URLs stop working
    assert MediaProxy([A, B], "http://127.0.0.1:5004").verify_part(1, path, sig) is None


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
