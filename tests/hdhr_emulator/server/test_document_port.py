"""The device documents on a second port (80 by default) for Jellyfin's auto-detection.

First in process on 127.0.0.1 (an ephemeral port stands in for 80), then end to end: a real
``retrovue serve`` in a private network namespace, bound to its veth address with discovery on,
found by a client that does exactly what Jellyfin's "Detect" does from the other end of the pair.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.document_port import with_port
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.runner import serve_app
from tests.support.cli_run import retrovue
from tests.support.device_helpers import IDENTITY, live_schedule, open_store
from tests.support.netns import SERVER_IP, in_namespace, veth_pair
from tests.support.server_process import free_port
from tests.xmltv.builders import channel, episode

ROOT = Path(__file__).resolve().parents[3]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def serve_and_fetch(
    guide: LiveSchedule, main_port: int, document_port: int, paths: list[tuple[int, str]]
) -> list[tuple[int, bytes]]:
    """Serve ``guide`` on ``main_port`` (documents also on ``document_port``) and GET each
    ``(port, path)`` over real HTTP; then stop."""
    app = create_app(guide, None, DeviceSettings(IDENTITY, main_port, None))

    async def main() -> list[tuple[int, bytes]]:
        stop = asyncio.Event()
        ready = asyncio.Event()
        server = asyncio.create_task(
            serve_app(app, "127.0.0.1", main_port, (), ready.set, stop, document_port=document_port)
        )
        try:
            await asyncio.wait_for(ready.wait(), 10)
            return [
                await asyncio.to_thread(get, f"http://127.0.0.1:{port}{path}")
                for port, path in paths
            ]
        finally:
            stop.set()
            await server

    return asyncio.run(main())


@pytest.fixture
def guide(tmp_path: Path) -> Iterator[LiveSchedule]:
    with open_store(tmp_path) as store:
        yield live_schedule(store, [channel(1, "Cheers", [episode("Cheers", 1, 1, "Pilot")])])


def test_documents_on_the_second_port_point_at_the_main_port(guide: LiveSchedule) -> None:
    main_port, document_port = free_port(), free_port()
    replies = serve_and_fetch(
        guide,
        main_port,
        document_port,
        [
            (document_port, "/discover.json"),
            (document_port, "/lineup.json"),
            (document_port, "/device.xml"),
            (document_port, "/lineup_status.json"),
            (document_port, "/xmltv.xml"),
            (document_port, "/lineup.post?scan=start"),
            (main_port, "/xmltv.xml"),
        ],
    )

    (discover, lineup, device, status, guide_there, post_there, guide_main) = replies
    assert discover[0] == 200, discover
    model = json.loads(discover[1])
    main = f"http://127.0.0.1:{main_port}"
    assert model["BaseURL"] == main and model["LineupURL"] == f"{main}/lineup.json"
    assert lineup[0] == 200 and json.loads(lineup[1])[0]["URL"] == f"{main}/auto/v1"
    assert device[0] == 200 and f"<URLBase>{main}</URLBase>".encode() in device[1]
    assert status[0] == 200
    # only the device documents: no guide, no scan, no streams on the second port
    assert guide_there == (404, b"") and post_there == (404, b"")
    assert guide_main[0] == 200


def test_a_document_port_that_cannot_be_bound_is_one_warning(
    guide: LiveSchedule, caplog: pytest.LogCaptureFixture
) -> None:
    main_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy_port = taken.getsockname()[1]
        with caplog.at_level(logging.WARNING):
            replies = serve_and_fetch(guide, main_port, busy_port, [(main_port, "/discover.json")])

    assert replies[0][0] == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "Jellyfin auto-detection is off" in warnings[0]
    assert f"port {busy_port} is already in use" in warnings[0]
    assert "--discovery-http-port 0" in warnings[0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("10.0.0.5", "10.0.0.5:8000"),
        ("10.0.0.5:80", "10.0.0.5:8000"),
        ("[fe80::1]:80", "[fe80::1]:8000"),
        ("[fe80::1]", "[fe80::1]:8000"),
        ("tuner.local", "tuner.local:8000"),
    ],
)
def test_the_host_header_is_moved_to_the_main_port(header: str, expected: str) -> None:
    assert with_port(header, 8000) == expected


# -- end to end in a private network namespace (root) ------------------------------------------
@pytest.mark.slow
def test_jellyfin_detect_finds_a_server_on_port_8000(
    tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    media = tmp_path / "media/TV/Cheers/Season 01"
    media.mkdir(parents=True)
    shutil.copyfile(clip_cache(ClipSpec(3.0), "mp4"), media / "Cheers - S01E01 - Pilot.mp4")
    config = tmp_path / "retrovue.toml"
    config.write_text(f'media = ["{tmp_path / "media"}"]\n', encoding="utf-8")
    serve = [
        sys.executable,
        "-m",
        "hdhr_emulator",
        "--data-dir",
        str(tmp_path / "data"),
        "--config",
        str(config),
        "serve",
        "--host",
        SERVER_IP,
        "--port",
        "8000",
        "--tuners",
        "1",
        "--no-ssdp",
        "--no-zeroconf",
    ]
    with veth_pair() as pair, open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            in_namespace(pair.server, serve), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            client = subprocess.run(
                in_namespace(pair.client, [sys.executable, "-m", "tests.support.jellyfin_client"]),
                capture_output=True,
                timeout=90,
                cwd=ROOT,
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    assert client.returncode == 0, (client.stderr.decode(), server_log)
    seen = json.loads(client.stdout)

    assert seen["address"] == SERVER_IP
    assert seen["discover_status"] == 200, (seen, server_log)
    main = f"http://{SERVER_IP}:8000"
    assert seen["discover"]["BaseURL"] == main
    assert seen["discover"]["LineupURL"] == f"{main}/lineup.json"
    assert seen["discover"]["DeviceID"] == seen["discover"]["DeviceID"].upper()
    assert seen["lineup_status"] == 200
    assert [entry["URL"] for entry in seen["lineup"]] == [f"{main}/auto/v1"]
    assert seen["channel_head_status"] == 200
    assert seen["port80_stream_status"] == 404 and seen["port80_guide_status"] == 404
    assert "Jellyfin auto-detection is off" not in server_log


def test_the_document_port_must_be_a_port_or_0(tmp_path: Path) -> None:
    done = retrovue(
        "--media",
        tmp_path,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        "--discovery-http-port",
        "70000",
        data_dir=tmp_path / "data",
        timeout=60,
    )
    assert done.returncode != 0
    assert "--discovery-http-port must be between 0 (off) and 65535, not 70000" in done.stderr
    assert "Traceback" not in done.stderr
