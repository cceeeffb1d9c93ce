"""Real clients against a real ``retrovue serve`` with discovery pinned to 127.0.0.1.

``hdhomerun_config`` (Debian hdhomerun-config) discovers the device and reads variables over
TCP 65001; ``gssdp-discover`` (Debian gupnp-tools) finds the MediaServer on ``lo``; a
Jellyfin-like flow (UDP discovery → discover.json → lineup.json → stream, a busy tune answered
503 with an empty body) runs end to end with ffprobe reading the tuned stream.
Network rule: everything targets 127.0.0.1; ``hdhomerun_config`` is addressed by IP (by id it
would broadcast on the LAN to find the device).
"""

from __future__ import annotations

import fcntl
import json
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from lxml import etree

from hdhr_emulator.device.packets import (
    DEVICE_TYPE_TUNER,
    DiscoverRequest,
    build_discover_request,
    decode_frame,
    parse_discover_reply,
)
from tests.conftest import require_tool
from tests.support.server_process import running_server

CONFIG = """
media = ["{media}"]
[profile]
resolution = "320x240"
fps = 25
preset = "ultrafast"
"""


def get(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def device(tv_library: Path, tmp_path: Path, port_65001: int):
    config = tmp_path / "retrovue.toml"
    config.write_text(CONFIG.format(media=tv_library))
    lock = open(f"{tempfile.gettempdir()}/retrovue-tests-ssdp-1900.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)  # SSDP tests share UDP 1900 on lo: one at a time
    try:
        with running_server(
            "--config",
            config,
            data_dir=tmp_path / "data",
            discovery=True,
            command=(
                "serve",
                "--tuners",
                "1",
                "--linger",
                "0.5",
                "--discovery-address",
                "127.0.0.1",
                "--no-zeroconf",
            ),
        ) as server:
            yield server
    finally:
        lock.close()


def test_hdhomerun_config_finds_and_reads_the_device(device) -> None:
    tool = require_tool("hdhomerun_config")
    discover = json.loads(get(f"{device.base_url}/discover.json")[2])
    found = subprocess.run(
        [tool, "discover", "127.0.0.1"], capture_output=True, text=True, timeout=20
    )
    assert found.stdout.strip() == f"hdhomerun device {discover['DeviceID']} found at 127.0.0.1"
    model = subprocess.run(
        [tool, "127.0.0.1", "get", "/sys/model"], capture_output=True, text=True, timeout=20
    )
    assert model.stdout.strip() == discover["FirmwareName"]
    status = subprocess.run(
        [tool, "127.0.0.1", "get", "/tuner0/status"], capture_output=True, text=True, timeout=20
    )
    assert status.stdout.strip() == "ch=none lock=none ss=0 snq=0 seq=0 bps=0 pps=0"


def test_gssdp_discover_finds_the_media_server(device) -> None:
    tool = require_tool("gssdp-discover")
    done = subprocess.run(
        [tool, "-i", "lo", "--timeout=3", "--target=urn:schemas-upnp-org:device:MediaServer:1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    locations = [
        line.split(":", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith("Location:")
    ]
    assert f"{device.base_url}/device.xml" in locations, done.stdout + done.stderr
    description = etree.fromstring(get(f"{device.base_url}/device.xml")[2])
    ns = {"u": "urn:schemas-upnp-org:device-1-0"}
    assert description.findtext("u:device/u:deviceType", namespaces=ns) == (
        "urn:schemas-upnp-org:device:MediaServer:1"
    )


def test_jellyfin_like_flow(device) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(5)
        udp.sendto(
            build_discover_request(DiscoverRequest(device_types=(DEVICE_TYPE_TUNER,))),
            ("127.0.0.1", 65001),
        )
        reply = parse_discover_reply(decode_frame(udp.recv(2048)))
    assert reply.base_url == device.base_url
    discover = json.loads(get(f"{reply.base_url}/discover.json")[2])
    assert discover["TunerCount"] == reply.tuner_count == 1
    lineup = json.loads(get(discover["LineupURL"])[2])
    first, second = lineup[0]["URL"], lineup[1]["URL"]
    with urllib.request.urlopen(first, timeout=20) as stream:  # holds the only tuner
        assert stream.read(188 * 50)[::188] == b"\x47" * 50
        status, headers, body = get(second)
        assert (status, headers.get("X-HDHomeRun-Error"), body) == (
            503,
            "805 All Tuners In Use",
            b"",
        )
    ffprobe = require_tool("ffprobe")
    probed = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "json",
            f"{second}?duration=3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    codecs = sorted(s["codec_name"] for s in json.loads(probed.stdout)["streams"])
    assert codecs == ["aac", "h264"]
