"""``/logos/N.<suffix>`` on a real server: every logo URL the guide and the playlist publish
answers with the configured file, so clients that show channel logos find them."""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from tests.conftest import ClipFactory
from tests.support.plex_standin import png_image
from tests.support.server_process import RunningServer, running_server
from xmltv import channel_id

BIG_NUMBER = 9999  # the highest channel number the config allows (four digits)


def request(url: str, method: str = "GET") -> tuple[int, str | None, bytes]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method), timeout=15
        ) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def logo_files(tmp_path: Path, ffmpeg: FFmpeg) -> dict[int, bytes]:
    """``logos/sitcoms.png`` and ``logos/taxi.jpg`` beside the config file; by channel number."""
    folder = tmp_path / "config" / "logos"
    folder.mkdir(parents=True)
    png = folder / "sitcoms.png"
    png.write_bytes(png_image(4, 3, (200, 30, 30)))
    jpg = folder / "taxi.jpg"
    subprocess.run(
        [
            ffmpeg.path,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=blue:s=16x16",
            "-frames:v",
            "1",
            "-y",
            str(jpg),
        ],
        check=True,
        timeout=60,
    )
    return {7: png.read_bytes(), BIG_NUMBER: jpg.read_bytes()}


@pytest.fixture
def server(
    tmp_path: Path, make_clip: ClipFactory, logo_files: dict[int, bytes]
) -> Iterator[RunningServer]:
    media = tmp_path / "media"
    make_clip(media / "TV/Cheers/Season 01/Cheers - S01E01 - Pilot.mp4", 2.0)
    make_clip(media / "TV/Taxi/Season 1/Taxi 1x01 Like Father.mkv", 2.0)
    config = tmp_path / "config" / "retrovue.toml"
    config.write_text(
        f'media = ["{media}"]\n\n'
        '[[channel]]\nnumber = 7\nname = "Sitcoms"\nshows = ["Cheers"]\n'
        'logo = "logos/sitcoms.png"\n'
        f'\n[[channel]]\nnumber = {BIG_NUMBER}\nname = "Taxi"\nshows = ["Taxi"]\n'
        'logo = "logos/taxi.jpg"\n'
        '\n[[channel]]\nnumber = 8\nname = "Plain"\nshows = ["Cheers"]\n'
    )
    with running_server("--config", config, data_dir=tmp_path / "data") as running:
        yield running


def published_logos(server: RunningServer) -> tuple[dict[int, str], dict[int, str]]:
    """``{channel number: logo URL}`` from the XMLTV guide and from the M3U playlist."""
    numbers = {channel_id(n): n for n in (7, 8, BIG_NUMBER)}
    _, _, guide = request(f"{server.base_url}/xmltv.xml")
    in_guide = {
        numbers[str(channel.get("id"))]: str(icon.get("src"))
        for channel in etree.fromstring(guide).iterfind("channel")
        if (icon := channel.find("icon")) is not None
    }
    _, _, playlist = request(f"{server.base_url}/iptv.m3u")
    in_playlist = {
        numbers[cid]: logo
        for cid, logo in re.findall(
            r'#EXTINF:[^\n]*tvg-id="([^"]+)"[^\n]*tvg-logo="([^"]+)"', playlist.decode()
        )
    }
    return in_guide, in_playlist


def test_every_published_logo_url_serves_the_file(
    server: RunningServer, logo_files: dict[int, bytes]
) -> None:
    in_guide, in_playlist = published_logos(server)
    expected = {
        7: f"{server.base_url}/logos/7.png",
        BIG_NUMBER: f"{server.base_url}/logos/{BIG_NUMBER}.jpg",
    }
    assert in_guide == in_playlist == expected
    for number, content_type in ((7, "image/png"), (BIG_NUMBER, "image/jpeg")):
        status, served_type, body = request(expected[number])
        assert (status, served_type, body) == (200, content_type, logo_files[number])
        status, served_type, body = request(expected[number], "HEAD")
        assert (status, served_type, body) == (200, content_type, b"")


def test_a_channel_without_a_logo_or_an_unknown_one_is_404(server: RunningServer) -> None:
    for name in ("8.png", "8", "99.png", "abc.png", "7.png.png"):
        for method in ("GET", "HEAD"):
            status, _, body = request(f"{server.base_url}/logos/{name}", method)
            assert (status, body) == (404, b""), (name, method)
