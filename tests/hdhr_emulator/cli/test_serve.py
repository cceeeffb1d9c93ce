"""``retrovue serve`` as a real process on 127.0.0.1: the guide and playlist over HTTP."""

from __future__ import annotations

import re
import signal
import urllib.request
from email.message import Message
from pathlib import Path

from lxml import etree

from tests.support.server_process import running_server


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


def test_serve_refuses_a_busy_port_with_one_line(tv_library: Path, tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "hdhr_emulator", "--data-dir", str(tmp_path / "d"), "--media",
             str(tv_library), "serve", "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr
