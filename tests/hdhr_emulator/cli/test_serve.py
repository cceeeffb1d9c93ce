"""``retrovue serve`` as a real process on 127.0.0.1: the guide and playlist over HTTP."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from lxml import etree

from hdhr_emulator.playout.headroom import auto_tuner_count
from tests.support.cli_run import retrovue
from tests.support.server_process import free_port, running_server


def fetch(url: str, host: str | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_serve_publishes_guide_and_playlist(tv_library: Path, tmp_path: Path) -> None:
    with running_server("--media", tv_library, data_dir=tmp_path / "data") as server:
        status, headers, body = fetch(f"{server.base_url}/xmltv.xml")
        assert status == 200 and headers["Content-Type"].startswith("application/xml")
        guide = etree.fromstring(body)
        ids = [c.get("id") for c in guide.iterfind("channel")]
        assert len(ids) == 3 and guide.find("programme") is not None

        status, headers, body = fetch(f"{server.base_url}/iptv.m3u", host="tuner.example:8000")
        playlist = body.decode()
        assert playlist.startswith('#EXTM3U url-tvg="http://tuner.example:8000/xmltv.xml"')
        assert re.findall(r'tvg-id="([^"]+)"', playlist) == ids
        assert "http://tuner.example:8000/auto/v1" in playlist
        assert "retrovue.invalid" not in playlist

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=10) == 0
        assert "Traceback" not in server.log()


def test_banner_shows_the_advertised_url(tv_library: Path, tmp_path: Path) -> None:
    """The banner is what people copy into VLC or Plex: with --advertise-url it must be that
    address, not localhost (192.0.2.10 is a documentation address: it is only printed)."""
    advertised = "http://192.0.2.10:8123"
    with running_server(
        "--media",
        tv_library,
        data_dir=tmp_path / "data",
        command=("serve", "--advertise-url", advertised),
    ) as server:
        deadline = time.monotonic() + 10  # the banner follows readiness by a moment
        while "Press Ctrl+C" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        banner = server.log()[server.log().index("Retrovue is serving") :]
    assert f"on {advertised}/ (" in banner
    assert f"watch in VLC: {advertised}/iptv/channel/1.ts  (also {advertised}/auto/v1)" in banner
    assert f"playlist:     {advertised}/iptv.m3u" in banner
    assert f"guide:        {advertised}/xmltv.xml" in banner
    assert "localhost" not in banner and "127.0.0.1" not in banner


def test_serve_warns_about_an_empty_library_and_keeps_serving(tmp_path: Path) -> None:
    empty = tmp_path / "media"
    empty.mkdir()
    with running_server("--media", empty, data_dir=tmp_path / "data") as server:
        status, _, _ = fetch(f"{server.base_url}/xmltv.xml")
        assert status == 200 and server.process.poll() is None
        warnings = [line for line in server.log().splitlines() if "warning" in line]
    assert len(warnings) == 1, server.log()
    assert warnings[0].startswith(
        f"warning: serving 0 channels: no shows or movies found in "
        f"{empty}; the scanner expects e.g. TV/Cheers/Season 01/"
    )


def test_serve_refuses_a_busy_port_with_one_line(tv_library: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = retrovue(
            "--media",
            str(tv_library),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            data_dir=tmp_path / "d",
            timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_server_table_sets_defaults_that_the_command_line_overrides(
    tv_library: Path, tmp_path: Path
) -> None:
    port, other = free_port(), free_port()
    config = tmp_path / "retrovue.toml"
    config.write_text(
        f'media = ["{tv_library}"]\n\n'
        f'[server]\nport = {port}\ntuners = 2\nfriendly_name = "Den TV"\n'
    )
    with running_server(
        "--config", config, data_dir=tmp_path / "data", port=port, port_option=False
    ) as server:
        device = json.loads(fetch(f"{server.base_url}/discover.json")[2])
        assert (device["TunerCount"], device["FriendlyName"]) == (2, "Den TV")

    with running_server(
        "--config",
        config,
        data_dir=tmp_path / "data",
        port=other,
        command=("serve", "--tuners", "3"),
    ) as server:
        device = json.loads(fetch(f"{server.base_url}/discover.json")[2])
        assert (device["TunerCount"], device["FriendlyName"]) == (3, "Den TV")
        with socket.socket() as probe:  # --port won: nothing listens on [server]'s port
            assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('port = "x"', "'port' must be an integer, not a string"),
        ("tuners = 0", "'tuners' must be between 1 and 64, not 0"),
        ("tuners = 99999999999", "'tuners' must be between 1 and 64, not 99999999999"),
        ("prot = 8000", "unknown key 'prot' in [server] (did you mean 'port'?)"),
    ],
    ids=["port-type", "tuners-zero", "tuners-huge", "unknown-key"],
)
def test_a_bad_server_table_stops_serve_with_file_and_line(
    tv_library: Path, tmp_path: Path, line: str, message: str
) -> None:
    config = tmp_path / "retrovue.toml"
    config.write_text(f'media = ["{tv_library}"]\n\n[server]\n{line}\n')
    done = retrovue(
        "--config",
        str(config),
        "serve",
        "--port",
        str(free_port()),
        data_dir=tmp_path / "d",
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"retrovue: error: {config}:4: {message}"


@pytest.mark.parametrize("tuners", ["0", "65", "99999999999", "-1", "many", "\uff11", "+2"])
def test_tuners_out_of_bounds_is_one_line_and_exit_2(
    tv_library: Path, tmp_path: Path, tuners: str
) -> None:
    done = retrovue(
        "--media",
        str(tv_library),
        "serve",
        "--port",
        str(free_port()),
        "--tuners",
        tuners,
        data_dir=tmp_path / "d",
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"retrovue: error: --tuners must be between 1 and 64 or auto, not {tuners!r}"
    )


def test_tuners_auto_advertises_a_cap_from_the_cpu_count(tv_library: Path, tmp_path: Path) -> None:
    with running_server(
        "--media", tv_library, data_dir=tmp_path / "data", command=("serve", "--tuners", "auto")
    ) as server:
        device = json.loads(fetch(f"{server.base_url}/discover.json")[2])
        assert device["TunerCount"] == auto_tuner_count()
