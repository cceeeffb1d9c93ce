"""``retrovue play`` and ``retrovue play-channel`` as a user runs them: real servers on loopback."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from tests.support.cli_run import retrovue
from tests.support.server_process import free_port, running_server


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pid files of the servers these tests start stay in the test's own folder."""
    monkeypatch.setenv("RETROVUE_RUNTIME_DIR", str(tmp_path / "run"))


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def started_within(guide: bytes, earliest: float, latest: float) -> list[etree._Element]:
    """The programmes that started between ``earliest`` and ``latest`` (whole seconds, UTC)."""
    low = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(earliest)))
    high = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(latest) + 1))
    return [
        p
        for p in etree.fromstring(guide).iterfind("programme")
        if low <= str(p.get("start"))[:14] <= high
    ]


def test_play_starts_the_chosen_episode_now(tv_library: Path, tmp_path: Path) -> None:
    """The chosen episode starts while the server starts up (its clips are 3 s long, so on a
    busy machine "on now" at fetch time may already be the next one: check the start)."""
    command = ("play", "cheers", "--season", "1", "--episode", "2")
    launched = time.time()
    with running_server(
        "--media", tv_library, data_dir=tmp_path / "data", command=command
    ) as server:
        ready = time.time()
        status, guide = get(f"{server.base_url}/xmltv.xml")
        started = {
            p.findtext("episode-num[@system='onscreen']"): p
            for p in started_within(guide, launched, ready)
        }
        assert "S01E02" in started, f"S01E02 did not start while the server started: {started}"
        programme = started["S01E02"]
        assert programme.findtext("sub-title") == "Sams Women"
        status, body = get(f"{server.base_url}/iptv/channel/1.ts?duration=2")
        assert status == 200 and body[:1] == b"\x47" and len(body) > 100_000
        assert "iptv/channel/1.ts" in server.log()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("play", "Cheeers"), "no show called 'Cheeers' in the library (did you mean 'Cheers'?)"),
        (("play", "Cheers", "--season", "4"), "Cheers has no season 4 episode 1"),
        (("play-channel", "9"), "no channel 9 in the lineup (channels: 1, 2, 3)"),
    ],
    ids=["unknown-show", "unknown-episode", "unknown-channel"],
)
def test_play_bad_choice_is_exit_2(
    tv_library: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = retrovue(
        "--media",
        str(tv_library),
        *args,
        "--port",
        str(free_port()),
        data_dir=tmp_path / "data",
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"retrovue: error: {message}"


def test_play_of_an_episode_the_scan_skipped_says_why(tv_library: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    scan = retrovue("--media", str(tv_library), "scan", data_dir=data, timeout=60)
    broken = tv_library / "TV/Cheers/Season 01/Cheers - S01E03 - Broken.mp4"
    reason = re.search(rf"skipped {re.escape(str(broken))}: (.+)", scan.stdout)
    assert reason is not None, scan.stdout

    done = retrovue(
        "--media",
        str(tv_library),
        "play",
        "cheers",
        "--season",
        "1",
        "--episode",
        "3",
        "--port",
        str(free_port()),
        data_dir=data,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"retrovue: error: Cheers S01E03 was skipped by the scan: {reason[1]}: {broken}"
    )


def test_play_channel_serves_one_channel_and_replaces_a_running_instance(
    tv_library: Path, tmp_path: Path
) -> None:
    """A second play-channel on a busy port fails without touching the first one's pid file,
    so ``--kill-existing`` still finds the first one and stops it."""
    port = free_port()
    data = tmp_path / "data"
    with running_server(
        "--media", tv_library, data_dir=data, command=("play-channel", "1"), port=port
    ) as first:
        assert get(f"{first.base_url}/auto/v2")[0] == 404
        pid_path = tmp_path / "run" / f"serve-{port}.pid"
        deadline = time.monotonic() + 10  # claimed just after the server starts listening
        while not pid_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_path.read_text().strip() == str(first.process.pid)

        refused = retrovue(
            "--media",
            str(tv_library),
            "play-channel",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-hdhr-discovery",
            "--no-ssdp",
            "--no-zeroconf",
            data_dir=data,
            timeout=60,
        )
        assert refused.returncode == 1
        errors = [line for line in refused.stderr.splitlines() if "error" in line]
        assert len(errors) == 1, refused.stderr  # (the lines before are the lineup's warnings)
        assert errors[0].startswith(f"retrovue: error: port {port} is already in use")
        assert "Traceback" not in refused.stderr
        assert pid_path.read_text().strip() == str(first.process.pid)
        assert first.process.poll() is None

        with running_server(
            "--media",
            tv_library,
            data_dir=data,
            port=port,
            command=("play-channel", "2", "--kill-existing"),
        ) as second:
            assert first.process.wait(timeout=15) == 0, "the old instance was stopped cleanly"
            deadline = time.monotonic() + 30  # the new one binds the port once it is free
            while True:
                try:
                    status, guide = get(f"{second.base_url}/xmltv.xml")
                    break
                except urllib.error.URLError:
                    assert time.monotonic() < deadline, second.log()
                    time.sleep(0.1)
            names = [
                c.findtext("display-name") for c in etree.fromstring(guide).iterfind("channel")
            ]
            assert names == ["2 Taxi"]
            assert get(f"{second.base_url}/auto/v1")[0] == 404
            assert "Stopped the Retrovue that was serving port" in second.log()
