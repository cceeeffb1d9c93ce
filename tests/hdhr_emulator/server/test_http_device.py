"""The HDHomeRun HTTP API over HTTP: the app in process, then a real ``retrovue serve`` on
127.0.0.1 driven the way Plex drives a tuner (HTTP/1.0 documents, a scan, a tune, ffprobe)."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from quart import Quart

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.device import documents as api
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server import guide_cache
from hdhr_emulator.server import rescan as rescan_module
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.rescan import ProgressCallback, Rescan, ScanController
from lineup.models import ChannelProfile
from lineup.schedule import ScheduleStore
from tests.conftest import require_tool
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY, live_schedule, open_store
from tests.support.server_process import RunningServer, running_server
from tests.xmltv.builders import NASTY, channel, episode, movie

UPNP = {"u": api.UPNP_NAMESPACE}
PROFILE = '[profile]\nresolution = "320x240"\npreset = "ultrafast"\n'


# -- in process ----------------------------------------------------------------------------------
def run(scenario: Awaitable[None]) -> None:
    asyncio.run(scenario)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ScheduleStore]:
    with open_store(tmp_path) as opened:
        yield opened


@pytest.fixture
def guide(store: ScheduleStore) -> LiveSchedule:
    sd = ChannelProfile(width=640, height=480)
    return live_schedule(
        store,
        [
            channel(1, "Cheers", [episode("Cheers", 1, n, f"Episode {n}") for n in (1, 2, 3)]),
            channel(10, NASTY, [episode("Taxi", 1, 1, "Like Father")], profile=sd),
            channel(7, "Movies", [movie("Airplane!", year=1980)], profile=sd),
        ],
    )


def make_app(
    guide: LiveSchedule, advertise_url: str | None = None, rescan: Rescan | None = None
) -> Quart:
    scans = ScanController(rescan, lambda: len(guide.schedule.channels)) if rescan else None
    return create_app(guide, None, DeviceSettings(IDENTITY, 8000, advertise_url), scans)


DOCUMENT_TYPES = {
    "/discover.json": api.JSON_TYPE,
    "/lineup.json": api.JSON_TYPE,
    "/lineup.json?show=found": api.JSON_TYPE,
    "/lineup.json?show=demo&tuning": api.JSON_TYPE,
    "/lineup.xml": api.XML_TYPE,
    "/lineup.m3u": "audio/x-mpegurl; charset=utf-8",
    "/iptv.m3u": "audio/x-mpegurl; charset=utf-8",
    "/lineup_status.json": api.JSON_TYPE,
    "/status.json": api.JSON_TYPE,
    "/tuners.html": api.HTML_TYPE,
    "/device.xml": api.XML_TYPE,
    "/capability": api.XML_TYPE,
    "/": api.XML_TYPE,
    "/xmltv.xml": api.XML_TYPE,
    "/xmltv.xml.gz": api.GZIP_TYPE,
}


def test_every_document_answers_with_its_type_and_length(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        for path, content_type in DOCUMENT_TYPES.items():
            reply = await client.request(path)
            assert reply.status == 200, path
            assert reply.headers["content-type"] == content_type, path
            assert int(reply.headers["content-length"]) == len(reply.body), path
            assert "content-encoding" not in reply.headers, path
            head = await client.request(path, method="HEAD")
            assert head.status == 200, path
            assert head.headers["content-length"] == reply.headers["content-length"], path

    run(scenario())


def test_host_header_decides_every_url(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide), client="192.168.1.9", server=("192.168.1.50", 8000))

    async def urls_for(host: str) -> dict[str, object]:
        discover = (await client.request("/discover.json", Host=host)).json()
        lineup = (await client.request("/lineup.json", Host=host)).json()
        lineup_xml = etree.fromstring((await client.request("/lineup.xml", Host=host)).body)
        device = etree.fromstring((await client.request("/device.xml", Host=host)).body)
        playlist = (await client.request("/lineup.m3u", Host=host)).body.decode()
        guide_xml = etree.fromstring((await client.request("/xmltv.xml", Host=host)).body)
        assert isinstance(discover, dict) and isinstance(lineup, list)
        return {
            "base": discover["BaseURL"],
            "lineup_url": discover["LineupURL"],
            "urls": [entry["URL"] for entry in lineup],
            "xml_urls": lineup_xml.xpath("/Lineup/Program/URL/text()"),
            "url_base": device.findtext("u:URLBase", namespaces=UPNP),
            "m3u_urls": [line for line in playlist.splitlines() if line.startswith("http")],
            "m3u_header": playlist.splitlines()[0],
            "guide_has_base": host in etree.tostring(guide_xml).decode() or None,
        }

    async def scenario() -> None:
        for host in ("a:1", "b:2"):
            base = f"http://{host}"
            urls = await urls_for(host)
            stream_urls = [f"{base}/auto/v{n}" for n in (1, 7, 10)]
            assert urls == {
                "base": base,
                "lineup_url": f"{base}/lineup.json",
                "urls": stream_urls,
                "xml_urls": stream_urls,
                "url_base": base,
                "m3u_urls": stream_urls,
                "m3u_header": f'#EXTM3U url-tvg="{base}/xmltv.xml" x-tvg-url="{base}/xmltv.xml"',
                "guide_has_base": None,  # these channels have no logos: no URL in the guide
            }

    run(scenario())


def test_loopback_host_from_a_lan_client_gets_the_lan_address(guide: LiveSchedule) -> None:
    lan = AppClient(make_app(guide), client="192.168.1.9", server=("192.168.1.50", 8000))
    local = AppClient(make_app(guide), client="127.0.0.1", server=("127.0.0.1", 8000))

    async def scenario() -> None:
        for host in ("127.0.0.1:8000", "localhost:8000", "0.0.0.0:8000", ""):
            discover = (await lan.request("/discover.json", Host=host)).json()
            assert discover["BaseURL"] == "http://192.168.1.50:8000", host  # type: ignore[index]
        discover = (await local.request("/discover.json", Host="127.0.0.1:8000")).json()
        assert discover["BaseURL"] == "http://127.0.0.1:8000"  # type: ignore[index]

    run(scenario())


def test_advertise_url_overrides_the_host_header(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide, advertise_url="http://192.168.7.7:5004"))

    async def scenario() -> None:
        discover = (await client.request("/discover.json", Host="a:1")).json()
        assert discover["BaseURL"] == "http://192.168.7.7:5004"  # type: ignore[index]
        assert discover["LineupURL"] == "http://192.168.7.7:5004/lineup.json"  # type: ignore[index]
        lineup = (await client.request("/lineup.json", Host="a:1")).json()
        assert [e["URL"] for e in lineup] == [  # type: ignore[union-attr, index]
            f"http://192.168.7.7:5004/auto/v{n}" for n in (1, 7, 10)
        ]
        device = etree.fromstring((await client.request("/device.xml", Host="a:1")).body)
        assert device.findtext("u:URLBase", namespaces=UPNP) == "http://192.168.7.7:5004"
        playlist = (await client.request("/iptv.m3u", Host="a:1")).body.decode()
        assert "http://a:1" not in playlist and "http://192.168.7.7:5004/auto/v1" in playlist

    run(scenario())


def test_lineup_guide_and_playlist_agree(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        assert_consistent(
            (await client.request("/lineup.json")).json(),  # type: ignore[arg-type]
            (await client.request("/xmltv.xml")).body,
            (await client.request("/iptv.m3u")).body.decode(),
        )
        lineup = (await client.request("/lineup.json")).json()
        assert [(e["GuideNumber"], e["GuideName"], e.get("HD")) for e in lineup] == [  # type: ignore[union-attr, index]
            ("1", "Cheers", 1),
            ("7", "Movies", None),
            ("10", NASTY, None),
        ]

    run(scenario())


def assert_consistent(lineup: list[dict[str, object]], guide_xml: bytes, playlist: str) -> None:
    """GuideNumber = XMLTV display-name number = M3U tvg-chno; tvg-id = XMLTV channel id;
    every lineup channel has programmes in the guide."""
    tv = etree.fromstring(guide_xml)
    numbers = [entry["GuideNumber"] for entry in lineup]
    assert all(isinstance(n, str) and "_" not in n for n in numbers)
    assert len(set(numbers)) == len(numbers)
    xml_ids = [c.get("id") for c in tv.iterfind("channel")]
    xml_numbers = [
        next(n for n in c.xpath("display-name/text()") if n.isdigit())
        for c in tv.iterfind("channel")
    ]
    assert numbers == xml_numbers
    assert re.findall(r'tvg-chno="([^"]+)"', playlist) == numbers
    assert re.findall(r'tvg-id="([^"]+)"', playlist) == xml_ids
    with_programmes = {p.get("channel") for p in tv.iterfind("programme")}
    assert set(xml_ids) <= with_programmes
    for entry in lineup:
        assert isinstance(entry["URL"], str) and "?" not in entry["URL"]
        assert all(isinstance(entry[flag], int) for flag in ("HD", "Favorite") if flag in entry)


def test_xmltv_gz_is_a_gzip_file_of_the_guide(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        plain = await client.request("/xmltv.xml", Host="a:1")
        gz = await client.request("/xmltv.xml.gz", Host="a:1")
        assert gz.headers["content-type"] == "application/gzip"
        assert "content-encoding" not in gz.headers
        assert gz.body[:2] == b"\x1f\x8b"
        assert gzip.decompress(gz.body) == plain.body
        other = await client.request("/xmltv.xml.gz", Host="b:2")  # its own URLs
        assert b"http://b:2" in gzip.decompress(other.body) or b"http://" not in plain.body

    run(scenario())


def test_xmltv_negotiates_gzip_content_encoding(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        plain = await client.request("/xmltv.xml")
        assert "content-encoding" not in plain.headers and plain.body.startswith(b"<?xml")
        assert plain.headers["vary"] == "Accept-Encoding"
        encoded = await client.request("/xmltv.xml", Accept_Encoding="gzip, deflate")
        assert encoded.headers["content-encoding"] == "gzip"
        assert encoded.headers["content-type"] == api.XML_TYPE
        assert int(encoded.headers["content-length"]) == len(encoded.body)
        assert gzip.decompress(encoded.body) == plain.body
        refused = await client.request("/xmltv.xml", Accept_Encoding="gzip;q=0, identity")
        assert refused.body == plain.body and "content-encoding" not in refused.headers

    run(scenario())


def test_the_guide_is_gzipped_once_per_rendering(
    guide: LiveSchedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_gzip = api.gzip_body

    def counting_gzip(data: bytes) -> bytes:
        calls.append(len(data))
        return real_gzip(data)

    monkeypatch.setattr(guide_cache, "gzip_body", counting_gzip)
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        replies = await asyncio.gather(
            *(client.request("/xmltv.xml.gz") for _ in range(5)),
            client.request("/xmltv.xml", Accept_Encoding="gzip"),
        )
        assert len({reply.body for reply in replies}) == 1
        assert len(calls) == 1
        await client.request("/xmltv.xml.gz", Host="other:1")  # another base URL
        assert len(calls) == 2
        guide.refresh()  # a new rendering
        await client.request("/xmltv.xml.gz")
        assert len(calls) == 3

    run(scenario())


def test_lineup_post_scan_runs_the_rescan_and_reports_progress(
    guide: LiveSchedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rescan_module, "MIN_SCAN_SECONDS", 0.3)

    async def scenario() -> None:
        entered, release = asyncio.Event(), asyncio.Event()
        runs = 0

        async def rescan(progress: ProgressCallback) -> _Summary:
            nonlocal runs
            runs += 1
            progress(1, 2)
            entered.set()
            await release.wait()
            progress(2, 2)
            return _Summary()

        client = AppClient(make_app(guide, rescan=rescan))  # type: ignore[arg-type]
        idle = (await client.request("/lineup_status.json")).json()
        assert idle == {
            "ScanInProgress": 0,
            "ScanPossible": 1,
            "Source": "Cable",
            "SourceList": ["Cable"],
        }
        reply = await client.request("/lineup.post?scan=start&source=Cable", method="POST")
        assert (reply.status, reply.body) == (200, b"")
        await entered.wait()
        await client.request("/lineup.post?scan=start", method="POST")  # joins the running one
        await asyncio.sleep(0.35)  # past the minimum, but the re-scan is still running
        assert (await client.request("/lineup_status.json")).json() == {
            "ScanInProgress": 1,
            "Progress": 45,
            "Found": 3,
        }
        release.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status = (await client.request("/lineup_status.json")).json()
            if status["ScanInProgress"] == 0:  # type: ignore[index]
                break
            await asyncio.sleep(0.02)
        assert status == idle
        assert runs == 1

    run(scenario())


@dataclass(frozen=True)
class _Summary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 4


def test_lineup_post_without_a_rescan_still_shows_a_short_scan(
    guide: LiveSchedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rescan_module, "MIN_SCAN_SECONDS", 0.2)
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        assert (await client.request("/lineup.post?scan=start", method="GET")).status == 200
        first = (await client.request("/lineup_status.json")).json()
        assert first["ScanInProgress"] == 1 and first["Found"] == 3  # type: ignore[index]
        await asyncio.sleep(0.25)
        assert (await client.request("/lineup_status.json")).json()["ScanInProgress"] == 0  # type: ignore[index]
        assert (await client.request("/lineup.post?scan=start", method="POST")).status == 200
        assert (await client.request("/lineup.post?scan=abort", method="POST")).status == 200
        assert (await client.request("/lineup_status.json")).json()["ScanInProgress"] == 0  # type: ignore[index]

    run(scenario())


@pytest.mark.parametrize(
    "query",
    ["scan=bogus", "", "favorite=x1", "favorite=%2B99"],
    ids=["unknown-scan", "nothing", "hide", "unknown-channel"],
)
def test_lineup_post_refuses_what_it_cannot_do(guide: LiveSchedule, query: str) -> None:
    client = AppClient(make_app(guide))

    async def scenario() -> None:
        reply = await client.request(f"/lineup.post?{query}", method="POST")
        assert reply.status == 400
        assert reply.body.count(b"\n") == 1  # one line saying why

    run(scenario())


def test_lineup_post_favorites(guide: LiveSchedule) -> None:
    client = AppClient(make_app(guide))

    async def favorites() -> list[tuple[object, ...]]:
        lineup = (await client.request("/lineup.json")).json()
        return [
            (e["GuideNumber"], e.get("Favorite"), e.get("Tags"))  # type: ignore[union-attr]
            for e in lineup
            if "Favorite" in e
        ]  # type: ignore[union-attr, operator]

    async def scenario() -> None:
        assert await favorites() == []
        assert (await client.request("/lineup.post?favorite=%2B7", method="POST")).status == 200
        assert (await client.request("/lineup.post?favorite=+10", method="POST")).status == 200
        assert await favorites() == [("7", 1, "favorite"), ("10", 1, "favorite")]
        assert (await client.request("/lineup.post?favorite=-7", method="POST")).status == 200
        assert await favorites() == [("10", 1, "favorite")]
        xml = etree.fromstring((await client.request("/lineup.xml")).body)
        assert xml.xpath("//Program[Favorite='1']/GuideNumber/text()") == ["10"]

    run(scenario())


def test_device_documents_need_a_device(guide: LiveSchedule) -> None:
    client = AppClient(create_app(guide))

    async def scenario() -> None:
        assert (await client.request("/discover.json")).status == 404
        assert (await client.request("/lineup.json")).status == 200
        assert (await client.request("/xmltv.xml")).status == 200

    run(scenario())


# -- a real server -------------------------------------------------------------------------------
def raw_http(port: int, request: bytes, timeout: float = 10.0) -> tuple[str, dict[str, str], bytes]:
    """Send ``request`` as is and read until the server closes: (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = bytearray()
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def http10_get(port: int, path: str, method: str = "GET") -> tuple[dict[str, str], bytes]:
    """A Plex-style API call: HTTP/1.0, with a Host header as Plex's client sends one."""
    status, headers, body = raw_http(
        port, f"{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    )
    assert status.split()[1] == "200", (path, status)
    assert "transfer-encoding" not in headers, (path, headers)
    assert method == "HEAD" or int(headers["content-length"]) == len(body), (path, headers)
    return headers, body


def http11_get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def write_config(path: Path, media: Path) -> Path:
    path.write_text(f'media = ["{media}"]\n{PROFILE}', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, clip_cache: Callable[[ClipSpec, str], Path]
) -> Path:
    """Two shows and a movie, real clips (shared by this module's servers)."""
    root = tmp_path_factory.mktemp("library")
    files = {
        "TV/Cheers/Season 01/Cheers - S01E01 - Pilot.mp4": ClipSpec(3.0),
        "TV/Cheers/Season 01/Cheers - S01E02 - Second.mp4": ClipSpec(3.0),
        "TV/Taxi/Season 1/Taxi 1x01 Like Father.mkv": ClipSpec(2.0, tone_hz=660),
        "Movies/Airplane! (1980)/Airplane! (1980).mp4": ClipSpec(4.0, tone_hz=330),
    }
    for relative, spec in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clip_cache(spec, target.suffix.lstrip(".")), target)
    return root


@pytest.fixture(scope="module")
def server(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("server")
    config = write_config(root / "retrovue.toml", library)
    with running_server(
        "--config",
        config,
        data_dir=root / "data",
        command=("serve", "--tuners", "2", "--linger", "1"),
    ) as running:
        yield running


@pytest.mark.parametrize(
    "path",
    [
        "/discover.json",
        "/lineup.json",
        "/lineup_status.json",
        "/status.json",
        "/device.xml",
        "/lineup.xml",
    ],
)
def test_http_1_0_documents_are_plain_with_a_content_length(
    server: RunningServer, path: str
) -> None:
    headers, _ = http10_get(server.port, path)  # checks Content-Length against the body
    head_headers, head_body = http10_get(server.port, path, method="HEAD")
    assert head_body == b""
    assert head_headers["content-length"] == headers["content-length"]
    assert head_headers["content-type"] == headers["content-type"]
    status, headers11, body11 = http11_get(server.port, path)  # keep-alive HTTP/1.1 too
    assert status == 200 and "transfer-encoding" not in headers11
    assert int(headers11["content-length"]) == len(body11)


def test_real_server_documents(server: RunningServer) -> None:
    _, body = http10_get(server.port, "/discover.json")
    discover = json.loads(body)
    assert {k: type(v) for k, v in discover.items()} == {
        "FriendlyName": str,
        "ModelNumber": str,
        "FirmwareName": str,
        "FirmwareVersion": str,
        "DeviceID": str,
        "DeviceAuth": str,
        "BaseURL": str,
        "LineupURL": str,
        "TunerCount": int,
    }
    assert discover["BaseURL"] == server.base_url  # reached on 127.0.0.1: fine to say so
    assert discover["TunerCount"] == 2 and discover["FriendlyName"] == "Retrovue"
    assert re.fullmatch(r"[0-9A-F]{8}", discover["DeviceID"]) and len(discover["DeviceAuth"]) == 24

    device = etree.fromstring(http10_get(server.port, "/device.xml")[1])
    assert device.findtext("u:device/u:serialNumber", namespaces=UPNP) == discover["DeviceID"]
    assert device.findtext("u:URLBase", namespaces=UPNP) == server.base_url

    assert json.loads(http10_get(server.port, "/status.json")[1]) == [
        {"Resource": "tuner0"},
        {"Resource": "tuner1"},
    ]

    lineup = json.loads(http10_get(server.port, "/lineup.json")[1])
    assert [e["GuideName"] for e in lineup] == ["Cheers", "Taxi", "Movies"]
    assert not any("HD" in e for e in lineup)  # 320x240 profile
    assert_consistent(
        lineup,
        http11_get(server.port, "/xmltv.xml")[2],
        http11_get(server.port, "/iptv.m3u")[2].decode(),
    )

    for host in ("a:1", "b:2"):
        _, _, body = http11_get(server.port, "/discover.json", Host=host)
        assert json.loads(body)["BaseURL"] == f"http://{host}"
        _, _, body = http11_get(server.port, "/lineup.json", Host=host)
        assert [e["URL"] for e in json.loads(body)] == [
            f"http://{host}/auto/v{e['GuideNumber']}" for e in lineup
        ]
        _, _, body = http11_get(server.port, "/lineup.m3u", Host=host)
        assert f'url-tvg="http://{host}/xmltv.xml"' in body.decode()

    status, headers, gz = http11_get(server.port, "/xmltv.xml.gz")
    assert (status, headers["content-type"], gz[:2]) == (200, "application/gzip", b"\x1f\x8b")
    assert "content-encoding" not in headers
    assert gzip.decompress(gz) == http11_get(server.port, "/xmltv.xml")[2]
    _, headers, encoded = http11_get(server.port, "/xmltv.xml", Accept_Encoding="gzip")
    assert headers["content-encoding"] == "gzip" and encoded == gz

    tuners = http11_get(server.port, "/tuners.html")[2].decode()
    assert re.sub(r"<[^>]*>", "", tuners).count("Channelnone") == 2


def test_plex_add_and_tune_flow(server: RunningServer, tmp_path: Path) -> None:
    """discover → lineup_status → lineup.post?scan=start → poll → lineup (all HTTP/1.0), then the
    transcoder's GET of the first channel with Plex's ``?transcode=heavy``, read by ffprobe."""
    ffprobe = require_tool("ffprobe")
    port = server.port
    discover = json.loads(http10_get(port, "/discover.json")[1])
    assert json.loads(http10_get(port, "/lineup_status.json")[1])["ScanInProgress"] == 0
    status, _, body = raw_http(
        port,
        f"POST /lineup.post?scan=start&source=Cable HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Length: 0\r\n\r\n".encode(),
    )
    assert status.split()[1] == "200" and body == b""
    assert json.loads(http10_get(port, "/lineup_status.json")[1])["ScanInProgress"] == 1
    wait_until_idle(port, timeout=30)
    lineup = json.loads(http10_get(port, discover["LineupURL"].removeprefix(server.base_url))[1])
    first = lineup[0]
    assert first["URL"] == f"{server.base_url}/auto/v{first['GuideNumber']}"

    url = f"{first['URL']}?transcode=heavy"
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-of", "json", f"{url}&duration=3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    codecs = sorted(stream["codec_name"] for stream in json.loads(done.stdout)["streams"])
    assert codecs == ["aac", "h264"]


def test_status_shows_who_is_watching(server: RunningServer) -> None:
    lineup = json.loads(http10_get(server.port, "/lineup.json")[1])
    first = lineup[0]
    viewer = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    try:
        viewer.sendall(f"GET /auto/v{first['GuideNumber']} HTTP/1.0\r\n\r\n".encode())  # raw TS
        received = head = body = b""
        while len(body) < 1316:  # the headers, then the first TS bytes
            received += viewer.recv(65536)
            head, _, body = received.partition(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0] and body[0] == 0x47
        tuners = json.loads(http10_get(server.port, "/status.json")[1])
        busy = [t for t in tuners if len(t) > 1]
        assert len(tuners) == 2 and len(busy) == 1
        assert busy[0]["VctNumber"] == first["GuideNumber"]
        assert busy[0]["VctName"] == first["GuideName"]
        assert busy[0]["TargetIP"] == "127.0.0.1"
        assert isinstance(busy[0]["NetworkRate"], int) and busy[0]["NetworkRate"] > 0
        page = re.sub(r"<[^>]*>", "", http10_get(server.port, "/tuners.html")[1].decode())
        assert f"Channel{first['GuideNumber']}" in page and "Channelnone" in page
    finally:
        viewer.close()
    deadline = time.monotonic() + 5  # the viewer left: the tuner reads idle again
    while time.monotonic() < deadline:
        tuners = json.loads(http10_get(server.port, "/status.json")[1])
        if all(len(t) == 1 for t in tuners):
            break
        time.sleep(0.1)
    assert tuners == [{"Resource": "tuner0"}, {"Resource": "tuner1"}]


def wait_until_idle(port: int, timeout: float) -> list[dict[str, int]]:
    """Poll lineup_status.json as Plex does; returns every status seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads(http10_get(port, "/lineup_status.json")[1])
        seen.append(status)
        if status["ScanInProgress"] == 0:
            return seen
        assert set(status) == {"ScanInProgress", "Progress", "Found"}
        assert 0 <= status["Progress"] <= 100
        time.sleep(0.1)
    raise AssertionError(f"the scan did not finish in {timeout} s: {seen[-3:]}")


def test_scan_start_rescans_the_library(
    tv_library: Path, tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    config = write_config(tmp_path / "retrovue.toml", tv_library)
    with running_server("--config", config, data_dir=tmp_path / "data") as running:
        before = [e["GuideName"] for e in json.loads(http10_get(running.port, "/lineup.json")[1])]
        assert "Wings" not in before
        new = tv_library / "TV/Wings/Season 1/Wings 1x01 Legacy of Death.mp4"
        new.parent.mkdir(parents=True)
        shutil.copyfile(clip_cache(ClipSpec(2.0), "mp4"), new)

        conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
        conn.request("POST", "/lineup.post?scan=start&source=Cable")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"")
        conn.close()
        seen = wait_until_idle(running.port, timeout=30)
        assert seen[0]["ScanInProgress"] == 1 and seen[0]["Found"] == len(before)
        assert seen[-1] == {
            "ScanInProgress": 0,
            "ScanPossible": 1,
            "Source": "Cable",
            "SourceList": ["Cable"],
        }

        after = json.loads(http10_get(running.port, "/lineup.json")[1])
        assert "Wings" in [e["GuideName"] for e in after]
        assert_consistent(
            after,
            http11_get(running.port, "/xmltv.xml")[2],
            http11_get(running.port, "/iptv.m3u")[2].decode(),
        )
        assert "Traceback" not in running.log()


def test_favorites_survive_a_restart(guide: LiveSchedule, tmp_path: Path) -> None:
    from hdhr_emulator.server.lineup_documents import LineupDocuments

    path = tmp_path / "data" / "favorites.json"
    first = LineupDocuments(lambda: guide.schedule, favorites_file=path)
    assert first.set_favorite("7", True) and first.set_favorite("10", True)
    assert first.set_favorite("7", False)
    again = LineupDocuments(lambda: guide.schedule, favorites_file=path)
    assert [c.guide_number for c in again.current().lineup if c.favorite] == ["10"]
    path.write_text("not json")
    assert not [
        c
        for c in LineupDocuments(lambda: guide.schedule, favorites_file=path).current().lineup
        if c.favorite
    ]
