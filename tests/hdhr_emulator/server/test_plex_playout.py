"""Plex content end to end: ``retrovue scan`` / ``serve`` / ``play`` against the stand-in PMS,
with real ffmpeg reading parts through our loopback proxy (or from mapped local files).

What a Retrovue client can see (responses, the guide, the playlist, the server's log, every
ffmpeg's argv) is checked for the token, and the stand-in's request log shows how Plex was read.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.netns import PEER_ADDRESS, SERVER_ADDRESS, in_private_network
from tests.support.plex_standin import (
    STANDIN_TOKEN,
    BuiltLibrary,
    Episode,
    Part,
    PlexStandin,
    StandinDevice,
    StandinDvr,
)
from tests.support.server_process import RunningServer, running_server
from tests.support.streaming import (
    BackgroundViewer,
    decoded_audio,
    fetch,
    ffmpeg_children,
    tone_sequence,
    wait_for,
)

pytestmark = pytest.mark.slow

CHEERS_TONES = {440: "S01E01", 494: "S01E02", 523: "S01E03", 587: "S02E01", 659: "S02E02"}
PROFILE = '[profile]\nresolution = "320x240"\nfps = 25\npreset = "ultrafast"\n'


def plex_config(
    tmp_path: Path,
    standin: PlexStandin,
    path_map: Path | None = None,
    token: str = STANDIN_TOKEN,
    extra: str = "",
) -> Path:
    token_file = tmp_path / "plex.token"
    token_file.write_text(token + "\n")
    os.chmod(token_file, 0o600)
    mapping = f'path_map = {{ "/data" = "{path_map}" }}\n' if path_map else ""
    config = tmp_path / "retrovue.toml"
    config.write_text(
        f"horizon_hours = 1\n{PROFILE}\n"
        f'[[plex]]\nurl = "{standin.url}"\ntoken_file = "plex.token"\n{mapping}{extra}\n'
        '[[channel]]\nnumber = 1\nname = "Cheers"\nshows = ["Cheers"]\n'
        "filler = { items = 0 }\n\n"
        '[[channel]]\nnumber = 2\nname = "Sitcoms"\ncollections = ["Sitcoms"]\n'
    )
    return config


def retrovue(*args: str | Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RETROVUE_DATA_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "hdhr_emulator", "--data-dir", str(data_dir), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def get(server: RunningServer, path: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(server.base_url + path, timeout=15) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def watch(server: RunningServer, seconds: float, channel: int = 1) -> tuple[bytes, list[list[str]]]:
    """Read the channel for ``seconds`` and collect the argv of every ffmpeg seen meanwhile."""
    seen: dict[int, list[str]] = {}
    with BackgroundViewer(server.port, f"/auto/v{channel}?duration={seconds}") as viewer:
        deadline = time.monotonic() + seconds + 10
        while time.monotonic() < deadline and viewer._thread.is_alive():
            seen.update(ffmpeg_children(server.process.pid))
            time.sleep(0.1)
        capture = viewer.wait()
    assert capture.status == 200
    return capture.body, list(seen.values())


def item_inputs(argvs: list[list[str]]) -> list[str]:
    """What each item's ffmpeg opened (the slate, rendered from lavfi, is not an item)."""
    return [
        argv[argv.index("-i") + 1]
        for argv in argvs
        if "-i" in argv and argv[argv.index("-i") - 1] != "lavfi"
    ]


def assert_no_token(*texts: str | bytes) -> None:
    for text in texts:
        blob = text if isinstance(text, bytes) else text.encode()
        assert STANDIN_TOKEN.encode() not in blob
        assert b"X-Plex-Token" not in blob


def test_http_playback_through_the_proxy_never_shows_the_token(
    plex_standin: PlexStandin, tmp_path: Path
) -> None:
    config, data = plex_config(tmp_path, plex_standin), tmp_path / "data"
    scanned = retrovue("--config", config, "scan", data_dir=data)
    assert scanned.returncode == 0, scanned.stderr
    assert "9 added" in scanned.stdout and f"Plex {plex_standin.url}" in scanned.stdout
    imported = len(plex_standin.requests.snapshot())
    assert imported <= 12

    with running_server("--config", config, data_dir=data) as server:
        plex_standin.requests.clear()
        body, argvs = watch(server, 7)
        heard = tone_sequence(decoded_audio(body), CHEERS_TONES)
        assert len([h for h in heard if h in CHEERS_TONES.values()]) >= 2, heard
        inputs = item_inputs(argvs)
        assert inputs and all("/internal/plex/0/library/parts/" in i for i in inputs), inputs
        parts = [
            r for r in plex_standin.requests.snapshot() if r.path.startswith("/library/parts/")
        ]
        assert parts, "ffmpeg read the parts from Plex"
        assert all(
            r.header("X-Plex-Token") == STANDIN_TOKEN and "X-Plex-Token" not in r.query
            for r in parts
        )

        documents = [
            get(server, path)[2]
            for path in (
                "/xmltv.xml",
                "/iptv.m3u",
                "/lineup.json",
                "/discover.json",
                "/lineup.xml",
                "/status.json",
            )
        ]
        guide = documents[0].decode()
        assert f'<icon src="{server.base_url}/artwork/' in guide
        status, headers, image = get(
            server, "/artwork/" + guide.split("/artwork/")[1].split('"')[0]
        )
        assert status == 200 and headers["content-type"] == "image/png"
        assert image.startswith(b"\x89PNG")
        forged = fetch(server.port, "/internal/plex/0/library/parts/3001/1/file.mp4?sig=00")
        assert forged.status == 403
        assert_no_token(*documents, *(" ".join(argv) for argv in argvs))
    assert_no_token(server.log(), scanned.stdout, scanned.stderr)


def test_path_map_plays_local_files_without_asking_plex(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, tmp_path: Path
) -> None:
    config = plex_config(tmp_path, plex_standin, path_map=plex_library.root)
    with running_server("--config", config, data_dir=tmp_path / "data") as server:
        plex_standin.requests.clear()
        body, argvs = watch(server, 5)
    inputs = item_inputs(argvs)
    assert inputs and all(i.startswith(str(plex_library.root)) for i in inputs), inputs
    assert not [r for r in plex_standin.requests.snapshot() if r.path.startswith("/library/")]
    assert tone_sequence(decoded_audio(body), CHEERS_TONES)


def test_plex_down_mid_stream_slates_then_recovers(
    plex_standin: PlexStandin, tmp_path: Path
) -> None:
    config = plex_config(tmp_path, plex_standin)
    with running_server("--config", config, data_dir=tmp_path / "data") as server:
        with BackgroundViewer(server.port, "/auto/v1?duration=20", timeout=20) as viewer:
            assert wait_for(lambda: viewer.received() > 100_000, 15)
            plex_standin.stop()
            assert wait_for(lambda: "cannot be played" in server.log(), 15), server.log()
            down_at = viewer.received()
            time.sleep(2)
            assert viewer.received() > down_at, "the slate keeps the stream going"
            plex_standin.requests.clear()
            plex_standin.start()
            capture = viewer.wait(30)
        assert not capture.cut and capture.elapsed >= 19
        back = [r for r in plex_standin.requests.snapshot() if r.path.startswith("/library/parts/")]
        assert back, "playback from Plex resumed by itself"
        heard = tone_sequence(decoded_audio(capture.body), {**CHEERS_TONES, 1: "slate"})
        assert "silence" in heard, heard  # the slate is silent
        after = heard[heard.index("silence") :]
        assert set(after) & set(CHEERS_TONES.values()), heard
    assert_no_token(server.log())


def test_bad_token_fails_scan_in_one_line_but_serve_keeps_the_catalog(
    plex_standin: PlexStandin, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert (
        retrovue("--config", plex_config(tmp_path, plex_standin), "scan", data_dir=data).returncode
        == 0
    )
    plex_standin.token = "revoked-and-replaced"
    scanned = retrovue("--config", plex_config(tmp_path, plex_standin), "scan", data_dir=data)
    assert scanned.returncode == 1
    assert scanned.stderr.strip().splitlines() == [
        f"retrovue: error: Plex at {plex_standin.url} refused the token (401 Unauthorized): "
        "check token_env / token_file in the config"
    ]
    listed = retrovue("--config", plex_config(tmp_path, plex_standin), "channels", data_dir=data)
    assert listed.returncode == 0 and "Cheers" in listed.stdout
    assert listed.stderr.strip().splitlines() == [
        f"warning: Plex at {plex_standin.url} refused the token (401 Unauthorized): check "
        "token_env / token_file in the config; using what was imported before"
    ]
    with running_server("--config", plex_config(tmp_path, plex_standin), data_dir=data) as server:
        status, _, lineup = get(server, "/lineup.json")
        assert status == 200 and b'"GuideName":"Cheers"' in lineup.replace(b" ", b"")
    assert "refused the token" in server.log()
    assert_no_token(scanned.stdout, scanned.stderr, listed.stdout, listed.stderr, server.log())


def test_play_starts_the_chosen_plex_episode(plex_standin: PlexStandin, tmp_path: Path) -> None:
    config = plex_config(tmp_path, plex_standin)
    with running_server(
        "--config",
        config,
        data_dir=tmp_path / "data",
        command=("play", "Cheers", "--season", "1", "--episode", "2"),
    ) as server:
        body, _ = watch(server, 4)
    heard = [
        h for h in tone_sequence(decoded_audio(body), CHEERS_TONES, steady=2) if h != "silence"
    ]
    # the chosen episode first, then the next one (a window across a seam can read as another
    # tone: a tone counts once heard in two windows in a row)
    assert heard[0] == "S01E02" and "S01E03" in heard and "S01E01" not in heard, heard


def test_channel_scan_reloads_the_guide_of_our_dvr_only(
    plex_standin: PlexStandin, tmp_path: Path
) -> None:
    config = plex_config(tmp_path, plex_standin, extra="reload_guide = true\n")
    with running_server("--config", config, data_dir=tmp_path / "data") as server:
        device_id = json.loads(get(server, "/discover.json")[2])["DeviceID"]
        plex_standin.add_dvr(
            StandinDvr(key=5, devices=[StandinDevice(uri=server.base_url, device_id=device_id)])
        )
        plex_standin.add_dvr(
            StandinDvr(
                key=6, devices=[StandinDevice(uri="http://127.0.0.1:9", device_id="10ABCDE1")]
            )
        )
        request = urllib.request.Request(server.base_url + "/lineup.post?scan=start", method="POST")
        with urllib.request.urlopen(request, timeout=15) as response:
            assert response.status == 200
        assert wait_for(lambda: plex_standin.reloaded_dvrs, 30), server.log()
        assert plex_standin.reloaded_dvrs == [5]


def test_ffmpeg_does_not_inherit_a_token_from_the_environment(
    plex_standin: PlexStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROVUE_TEST_PLEX_TOKEN", STANDIN_TOKEN)
    config = tmp_path / "retrovue.toml"
    config.write_text(
        f'horizon_hours = 1\n{PROFILE}\n[[plex]]\nurl = "{plex_standin.url}"\n'
        'token_env = "RETROVUE_TEST_PLEX_TOKEN"\n'
    )
    environments: list[bytes] = []
    with running_server("--config", config, data_dir=tmp_path / "data") as server:
        with BackgroundViewer(server.port, "/auto/v1?duration=3") as viewer:
            assert wait_for(lambda: ffmpeg_children(server.process.pid), 15)
            for pid in ffmpeg_children(server.process.pid):
                try:
                    environments.append(Path(f"/proc/{pid}/environ").read_bytes())
                except OSError:
                    pass
            assert viewer.wait(15).status == 200
    assert environments and all(b"RETROVUE_TEST_PLEX_TOKEN" not in env for env in environments)
    assert [r for r in plex_standin.requests.snapshot() if r.path.startswith("/library/parts/")]


def test_files_upgraded_after_the_guide_was_published_still_play(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, tmp_path: Path
) -> None:
    """Sonarr replaces a file; Plex gives the episode a new part. The published guide still
    holds the old part, which Plex no longer serves: the new one must air, not the slate."""
    config = plex_config(tmp_path, plex_standin)
    with running_server("--config", config, data_dir=tmp_path / "data") as server:
        library = plex_library.library
        for episode in library.show("Cheers").episodes():
            old = episode.part
            library.update(
                episode,
                part=Part(
                    id=old.id + 5000, file=old.file, local_path=old.local_path, tone_hz=old.tone_hz
                ),
            )
        request = urllib.request.Request(server.base_url + "/lineup.post?scan=start", method="POST")
        urllib.request.urlopen(request, timeout=15).close()
        assert wait_for(lambda: "lineup scan: 0 added, 5 updated" in server.log(), 30), server.log()
        plex_standin.requests.clear()
        body, _ = watch(server, 5)
        parts = [
            r.path for r in plex_standin.requests.snapshot() if r.path.startswith("/library/parts/")
        ]
        assert parts and all(p.split("/")[3].startswith("80") for p in parts), parts
        assert "cannot be played" not in server.log()
        assert [h for h in tone_sequence(decoded_audio(body), CHEERS_TONES) if h != "silence"]


def test_new_plex_episodes_are_picked_up_while_serving(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, tmp_path: Path
) -> None:
    config = plex_config(tmp_path, plex_standin)
    with running_server(
        "--config", config, data_dir=tmp_path / "data", command=("serve", "--rescan-hours", "0.001")
    ) as server:
        library = plex_library.library
        last = library.get(1005)
        library.add_episode(
            102,
            Episode(
                rating_key=1006,
                index=3,
                title="New This Week",
                part=Part(
                    id=3006, file=last.part.file + ".new.mp4", local_path=last.part.local_path
                ),
                duration=last.duration,
            ),
        )
        assert wait_for(lambda: "periodic re-scan: 1 added" in server.log(), 30), server.log()


def test_the_proxy_answers_loopback_only(plex_library: BuiltLibrary, tmp_path: Path) -> None:
    """A signed URL read from ffmpeg's argv (as any local user can) is refused to a client on
    another address, here the peer end of a veth pair in a private network namespace, and
    still served to our own ffmpeg on loopback."""

    def scenario() -> dict[str, int]:
        with PlexStandin(plex_library.library, token=STANDIN_TOKEN) as standin:
            config, data = plex_config(tmp_path, standin), tmp_path / "data"
            scanned = retrovue("--config", config, "scan", data_dir=data)
            assert scanned.returncode == 0, scanned.stderr
            with running_server("--config", config, data_dir=data, host="0.0.0.0") as server:
                _, argvs = watch(server, 3)
                url = next(i for i in item_inputs(argvs) if "/internal/plex/" in i)
                path = url.split(f"127.0.0.1:{server.port}", 1)[1]
                statuses = {
                    source: proxy_status(source, server.port, path)
                    for source in ("127.0.0.1", PEER_ADDRESS)
                }
                forged = path.replace("sig=", "sig=0")
                statuses["forged"] = proxy_status("127.0.0.1", server.port, forged)
                assert "refused a media proxy request from 10.231.0.2" in server.log()
                return statuses

    statuses = in_private_network(scenario)
    assert statuses == {"127.0.0.1": 206, PEER_ADDRESS: 403, "forged": 403}


def proxy_status(source: str, port: int, path: str) -> int:
    """The status of a ranged GET of ``path`` from ``source`` to the server's address for it."""
    target = "127.0.0.1" if source == "127.0.0.1" else SERVER_ADDRESS
    conn = http.client.HTTPConnection(target, port, timeout=15, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Range": "bytes=0-187"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
