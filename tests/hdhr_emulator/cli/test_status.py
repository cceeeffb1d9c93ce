"""``retrovue status``: the table a person reads, the token it sends when the data dir has one,
and one line with exit status 1 when no server answers."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hdhr_emulator.cli.status_table import render_status
from tests.support.cli_run import retrovue
from tests.support.server_process import free_port

STATUS: dict[str, Any] = {
    "version": "0.1.0",
    "uptime_s": 3725.0,
    "device_id": "105088B5",
    "friendly_name": "Den",
    "ffmpeg_version": "7.1",
    "tuners": {"total": 4, "in_use": 1},
    "sessions": [
        {
            "channel": 12,
            "name": "Cheers",
            "tuner": 0,
            "mode": "transcode",
            "since": "2026-12-07T20:00:00Z",
            "item": {"id": 5, "title": "Cheers – S01E02 – Sam's Women", "kind": "episode",
                     "offset_s": 83.4},
            "ffmpeg_pid": 4242,
            "restarts": 0,
            "slate_s": 0.0,
            "viewers": [
                {"address": "192.168.1.20", "since": "2026-12-07T20:00:00Z", "bytes": 10,
                 "bitrate_bps": 1_500_000.0},
                {"address": "192.168.1.21", "since": "2026-12-07T20:00:00Z", "bytes": 10,
                 "bitrate_bps": 1_000_000.0},
            ],
        }
    ],
    "overrides": [],
}  # fmt: skip


def test_the_table_names_each_running_channel() -> None:
    text = render_status(STATUS)
    head, blank, header, row = text.splitlines()
    assert "DeviceID 105088B5" in head and "up 1:02:05" in head and "1 of 4" in head
    assert blank == ""
    assert header.split() == [
        "CH",
        "NAME",
        "TUNER",
        "ON",
        "AIR",
        "OFFSET",
        "VIEWERS",
        "BIT",
        "RATE",
    ]
    assert row.split()[:3] == ["12", "Cheers", "0"]
    assert "Sam's Women" in row and "1:23" in row and "2.5 Mbit/s" in row
    assert row.index("1:23") == header.index("OFFSET")


def test_no_running_channel_says_so() -> None:
    assert render_status({**STATUS, "sessions": []}).endswith("No channel is running.")


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps(STATUS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_standin() -> Iterator[http.server.HTTPServer]:
    """A server on 127.0.0.1 answering ``/api/v1/status`` and noting what was asked."""
    _Recorder.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_status_asks_the_server_with_the_data_dirs_token(
    api_standin: http.server.HTTPServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "api_token").write_text("s3cret-token\n")
    port = api_standin.server_address[1]
    result = retrovue("status", "--port", str(port), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "Cheers" in result.stdout and "No channel" not in result.stdout
    assert _Recorder.seen == [("/api/v1/status", "Bearer s3cret-token")]
    assert "s3cret" not in result.stdout + result.stderr
    # --server names the server; without a token file nothing is sent
    (data / "api_token").unlink()
    result = retrovue("status", "--server", f"http://127.0.0.1:{port}/", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert _Recorder.seen[-1] == ("/api/v1/status", None)


def test_no_server_is_one_line_and_exit_1(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = retrovue("status", "--port", str(port), data_dir=tmp_path / "data")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("retrovue: error: cannot reach a Retrovue server at ")
    assert f"127.0.0.1:{port}" in line and result.stdout == ""
