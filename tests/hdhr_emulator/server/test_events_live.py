"""The station's events and metrics on a real ``retrovue serve`` (real ffmpeg, real HTTP on
127.0.0.1): a console listening to ``/api/v1/events`` sees a tune as session_start, tune,
item_start, untune and, after the linger, session_stop; ``/metrics`` counts the same tune-in;
a console that hangs up is gone from the bus at once."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hdhr_emulator.cli.clips import ClipSpec
from tests.support.server_process import RunningServer, running_server
from tests.support.sse import SseReader
from tests.support.streaming import BackgroundViewer, fetch, wait_for, write_config

pytestmark = pytest.mark.slow

ClipCache = Callable[[ClipSpec, str], Path]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, clip_cache: ClipCache
) -> Iterator[RunningServer]:
    """Channel 1: two 3 s episodes, transcoded to the cheap test profile; linger 1 s."""
    root = tmp_path_factory.mktemp("events")
    season = root / "media/TV/Alpha/Season 01"
    season.mkdir(parents=True)
    for n, (title, hz) in enumerate((("Pilot", 440), ("Second", 550)), start=1):
        clip = clip_cache(ClipSpec(duration=3.0, tone_hz=hz), "mp4")
        (season / f"Alpha - S01E0{n} - {title}.mp4").write_bytes(clip.read_bytes())
    config = write_config(
        root / "retrovue.toml",
        root / "media",
        '[[channel]]\nnumber = 1\nname = "Alpha"\nshows = ["Alpha"]\nfiller = { items = 0 }\n',
    )
    with running_server(
        "--config", config, data_dir=root / "data", command=("serve", "--linger", "1")
    ) as running:
        yield running


def metrics(server: RunningServer) -> dict[str, float]:
    """Every unlabelled sample by name (labelled ones as name{a=b})."""
    text = httpx.get(f"{server.base_url}/metrics", timeout=10).text
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def test_a_tune_is_seen_on_the_event_stream_and_counted_in_the_metrics(
    server: RunningServer,
) -> None:
    with SseReader(f"{server.base_url}/api/v1/events") as console:
        assert console.status == 200
        assert console.content_type.startswith("text/event-stream")
        capture = fetch(server.port, "/auto/v1?duration=3")
        assert capture.status == 200 and capture.first_byte is not None
        assert console.wait_for_event("untune", 10), server.log()
        assert console.wait_for_event("session_stop", 15), server.log()  # linger 1 s
        events = console.events()
        during = metrics(server)

    kinds = [e["kind"] for e in events]
    assert kinds.index("session_start") < kinds.index("tune") < kinds.index("untune")
    assert kinds.index("session_start") < kinds.index("item_start") < kinds.index("untune")
    assert kinds[-1] == "session_stop"
    assert all(e["channel"] == 1 for e in events)
    (tune,) = console.events("tune")
    assert tune["data"]["address"] == "127.0.0.1" and tune["data"]["tuner"] == 0
    # measured by the server from the request to its first write: within what the client saw
    assert 0 < tune["data"]["latency_s"] <= capture.first_byte + 0.5
    first_item = console.events("item_start")[0]["data"]
    assert first_item["kind"] == "episode" and first_item["title"] in {"Pilot", "Second"}
    assert isinstance(first_item["item_id"], int)
    (untune,) = console.events("untune")
    assert untune["data"]["bytes"] == len(capture.body)  # every byte written was received
    assert untune["data"]["seconds"] >= 2.9

    assert during["retrovue_tunes_total"] == 1
    assert during["retrovue_tune_latency_seconds_count"] == 1
    assert during["retrovue_tune_latency_seconds_sum"] == pytest.approx(tune["data"]["latency_s"])
    assert during["retrovue_bytes_sent_total"] == len(capture.body)
    assert during["retrovue_sessions_started_total"] == 1
    assert during["retrovue_seams_total{kind=episode}"] >= 1
    assert during["retrovue_viewers"] == 0 and during["retrovue_sessions"] == 0
    assert during["retrovue_event_listeners"] == 1

    # the console hung up: its listener is gone at once, not at the next keep-alive
    assert wait_for(lambda: metrics(server)["retrovue_event_listeners"] == 0, 3)


def test_a_viewer_in_a_session_shows_in_the_gauges(server: RunningServer) -> None:
    with BackgroundViewer(server.port, "/auto/v1") as viewer:
        assert wait_for(lambda: viewer.received() > 0, 15), server.log()
        now = metrics(server)
        assert (now["retrovue_viewers"], now["retrovue_sessions"]) == (1, 1)
        assert now["retrovue_channel_viewers{channel=1}"] == 1
        assert now["retrovue_bytes_sent_total"] >= viewer.received()


def test_a_library_scan_is_seen_on_the_event_stream(server: RunningServer) -> None:
    """``lineup.post?scan=start`` (what Plex sends) re-reads the library: its progress and its
    result reach the console; nothing changed on disk, so both files are unchanged."""
    with SseReader(f"{server.base_url}/api/v1/events") as console:
        reply = httpx.post(f"{server.base_url}/lineup.post?scan=start", timeout=10)
        assert reply.status_code == 200
        assert console.wait_for_event("scan_done", 30), server.log()
        progress = console.events("scan_progress")
        (done,) = console.events("scan_done")
    assert progress and progress[-1]["data"]["done"] == progress[-1]["data"]["total"]
    assert done["channel"] is None
    assert (done["data"]["ok"], done["data"]["added"], done["data"]["unchanged"]) == (True, 0, 2)
    assert metrics(server)["retrovue_scans_total{result=ok}"] == 1


def test_stopping_the_server_ends_an_open_event_stream_cleanly(tmp_path: Path) -> None:
    """SIGTERM with a console connected: its stream ends properly (the last chunk, not a cut
    connection after hypercorn's graceful timeout) and the server exits 0."""
    media = tmp_path / "media"
    media.mkdir()
    config = write_config(tmp_path / "retrovue.toml", media, "")
    with running_server("--config", config, data_dir=tmp_path / "data") as quiet:
        console = SseReader(f"{quiet.base_url}/api/v1/events").__enter__()
        try:
            quiet.process.send_signal(signal.SIGTERM)
            assert quiet.process.wait(30) == 0, quiet.log()
            assert console.ended(10), "the event stream outlived the server"
            assert console.error is None, f"the stream was cut off: {console.error!r}"
        finally:
            console.close()
