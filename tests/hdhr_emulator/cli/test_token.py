"""``retrovue token`` and the server's API token, as a user meets them: the command prints the
token the server uses, and a real server refuses changes from another address without it
(in a private network namespace with a veth pair: a real non-loopback client)."""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli_run import retrovue
from tests.support.netns import CLIENT_IP, SERVER_IP, VethPair, in_namespace, veth_pair
from tests.support.server_process import running_server
from tests.support.ts_clips import ClipSpec

ROOT = Path(__file__).resolve().parents[3]
FAVORITE = "/api/v1/channels/1/favorite"
BASE = f"http://{SERVER_IP}:8000"


def printed_token(data_dir: Path, *args: str) -> str:
    done = retrovue("token", *args, data_dir=data_dir, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout  # the token alone: $(retrovue token) in scripts
    return lines[0]


def test_retrovue_token_prints_a_private_token_and_the_same_one_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    token = printed_token(data_dir)
    path = data_dir / "api_token"
    assert path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert printed_token(data_dir) == token
    rotated = printed_token(data_dir, "--rotate")
    assert rotated != token and path.read_text().strip() == rotated
    assert printed_token(data_dir) == rotated


def test_retrovue_token_uses_the_token_file_option(tmp_path: Path) -> None:
    elsewhere = tmp_path / "secrets" / "token"
    token = printed_token(tmp_path / "data", "--api-token-file", str(elsewhere))
    assert elsewhere.read_text().strip() == token
    assert not (tmp_path / "data" / "api_token").exists()


def test_an_unusable_token_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "token").mkdir()
    done = retrovue("token", "--api-token-file", tmp_path / "token", data_dir=tmp_path / "d")
    assert done.returncode == 1
    assert done.stderr.startswith("retrovue: error: cannot read the API token file")
    assert len(done.stderr.splitlines()) == 1


def one_show(tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]) -> Path:
    media = tmp_path / "media"
    season = media / "TV/Cheers/Season 01"
    season.mkdir(parents=True)
    shutil.copyfile(clip_cache(ClipSpec(3.0), "mp4"), season / "Cheers - S01E01 - Pilot.mp4")
    return media


@pytest.mark.slow
def test_a_server_makes_its_token_at_start_and_loopback_needs_none(
    tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    data_dir = tmp_path / "data"
    with running_server("--media", one_show(tmp_path, clip_cache), data_dir=data_dir) as server:
        path = data_dir / "api_token"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert printed_token(data_dir) == path.read_text().strip()
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            assert client.put(FAVORITE).status_code == 204  # from 127.0.0.1: no token needed
            assert client.get("/api/v1/favorites").json() == {"favorites": [1]}
            assert client.delete(FAVORITE).status_code == 204


@dataclass(frozen=True)
class LanServer:
    pair: VethPair
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def requests(self, *requests: tuple[str, str, str | None]) -> list[dict[str, Any]]:
        """Each ``(method, path, token)`` sent from the client namespace, in order."""
        done = subprocess.run(
            in_namespace(
                self.pair.client,
                [sys.executable, "-m", "tests.support.lan_client", BASE, json.dumps(requests)],
            ),
            capture_output=True,
            timeout=120,
            cwd=ROOT,
        )
        assert done.returncode == 0, (done.stderr.decode(errors="replace"), self.log())
        replies: list[dict[str, Any]] = json.loads(done.stdout)
        return replies


@contextlib.contextmanager
def lan_server(tmp_path: Path, media: Path, *options: str) -> Iterator[LanServer]:
    """``retrovue serve`` on :data:`SERVER_IP` in a private namespace; its clients in another."""
    data_dir = tmp_path / "data"
    serve = [
        sys.executable, "-m", "hdhr_emulator", "--data-dir", str(data_dir), "--media", str(media),
        "serve", "--host", SERVER_IP, "--port", "8000", "--tuners", "1", *options,
        "--no-hdhr-discovery", "--no-ssdp", "--no-zeroconf", "--discovery-http-port", "0",
    ]  # fmt: skip
    log_path = tmp_path / "server.log"
    with veth_pair() as pair, open(log_path, "wb") as log:
        server = subprocess.Popen(
            in_namespace(pair.server, serve), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            yield LanServer(pair, data_dir, log_path)
        finally:
            server.terminate()
            server.wait(timeout=15)


def assert_refused(reply: dict[str, Any], server: LanServer) -> None:
    assert reply["status"] == 401, (reply, server.log())
    assert json.loads(reply["body"]) == {"error": "missing or wrong API token", "detail": None}
    assert reply["headers"]["www-authenticate"] == "Bearer"


@pytest.mark.slow
def test_a_real_server_wants_the_token_from_another_address(
    tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    with lan_server(tmp_path, one_show(tmp_path, clip_cache)) as server:
        (before,) = server.requests(("GET", "/api/v1/favorites", None))
        token = printed_token(server.data_dir)  # the one the server made at its start
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        no_token, wrong_token, still_none, with_token, now_one = server.requests(
            ("PUT", FAVORITE, None),
            ("PUT", FAVORITE, wrong),
            ("GET", "/api/v1/favorites", None),
            ("PUT", FAVORITE, token),
            ("GET", "/api/v1/favorites", None),
        )
        rotated = printed_token(server.data_dir, "--rotate")  # the server takes it at once
        after_rotation = server.requests(("DELETE", FAVORITE, token), ("DELETE", FAVORITE, rotated))
    assert before["status"] == 200, server.log()  # reads are open on the LAN
    assert_refused(no_token, server)
    assert_refused(wrong_token, server)
    assert json.loads(still_none["body"]) == {"favorites": []}
    assert with_token["status"] == 204, (with_token, server.log())
    assert json.loads(now_one["body"]) == {"favorites": [1]}
    assert [reply["status"] for reply in after_rotation] == [401, 204], server.log()
    line = f"refused PUT {FAVORITE} from {CLIENT_IP}: missing or wrong API token"
    assert line in server.log()
    assert token not in server.log() and rotated not in server.log() and wrong not in server.log()


@pytest.mark.slow
def test_api_auth_all_wants_the_token_for_reads_from_another_address(
    tmp_path: Path, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    token_file = tmp_path / "elsewhere" / "token"
    media = one_show(tmp_path, clip_cache)
    options = ("--api-auth", "all", "--api-token-file", str(token_file))
    with lan_server(tmp_path, media, *options) as server:
        (without,) = server.requests(("GET", "/api/v1/favorites", None))  # once it is up
        token = token_file.read_text().strip()  # made at its start, in the file given
        assert printed_token(server.data_dir, "--api-token-file", str(token_file)) == token
        with_token, device = server.requests(
            ("GET", "/api/v1/favorites", token), ("GET", "/discover.json", None)
        )
    assert not (server.data_dir / "api_token").exists()
    assert_refused(without, server)
    assert (with_token["status"], json.loads(with_token["body"])) == (200, {"favorites": []})
    assert device["status"] == 200  # the HDHomeRun documents are not the API: open, as on a tuner
