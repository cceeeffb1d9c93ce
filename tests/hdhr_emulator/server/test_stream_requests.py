"""Stream URLs are parsed strictly: ASCII digits for the channel and the tuner, a positive number
of seconds for ``?duration=``, an unknown tuner is a 404. Every refusal has an empty body (Jellyfin
copies any body into its stream as video) and says why in a header.

The app runs in process with a real playout engine that is never started: every request here is
refused, or is a HEAD (checked exactly like a GET, and it takes no tuner), so nothing is tuned.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hdhr_emulator.playout.engine import EngineSettings, PlayoutEngine
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.routes.stream_request import (
    Rejection,
    StreamRequest,
    parse_stream_request,
)
from lineup.schedule import ScheduleStore
from tests.support.app_client import AppClient, Reply
from tests.support.device_helpers import live_schedule, open_store
from tests.xmltv.builders import channel, episode


@pytest.fixture
def client(tmp_path: Path) -> Iterator[AppClient]:
    store: ScheduleStore
    with open_store(tmp_path) as store:
        guide = live_schedule(store, [channel(1, "Cheers", [episode("Cheers", 1, 1, "Pilot")])])
        settings = EngineSettings(shutil.which("ffmpeg") or "ffmpeg", tmp_path, tuners=2)
        engine = PlayoutEngine(settings, lambda: guide.schedule)
        yield AppClient(create_app(guide, engine))


def request(client: AppClient, path: str, method: str) -> Reply:
    return asyncio.run(client.request(path, method=method))


LOOKALIKES = [
    "/auto/v0_1",  # int("0_1") == 1
    "/auto/v\uff11",  # fullwidth one
    "/auto/v%2B1",  # "+1"
    "/auto/v%201",  # " 1"
    "/auto/v1%20",
    "/auto/v-1",
    "/auto/v1.0",
    "/auto/v\u0661",  # Arabic-Indic one
    "/tuner0/v0_1",
    "/iptv/channel/%2B1.ts",
    "/iptv/channel/\uff11.ts",
]


@pytest.mark.parametrize("method", ["HEAD", "GET"])
@pytest.mark.parametrize("path", LOOKALIKES)
def test_a_channel_number_is_ascii_digits_only(client: AppClient, path: str, method: str) -> None:
    reply = request(client, path, method)

    assert reply.status == 404, path
    assert reply.headers.get("x-hdhomerun-error") == "801 Unknown Channel"
    assert reply.body == b""


@pytest.mark.parametrize("method", ["HEAD", "GET"])
@pytest.mark.parametrize(
    "value", ["-1", "abc", "nan", "inf", "0", "0.0", "1e3", "%2B5", "", "%EF%BC%95"]
)
def test_a_bad_duration_is_a_400_with_the_reason(
    client: AppClient, value: str, method: str
) -> None:
    reply = request(client, f"/auto/v1?duration={value}", method)

    assert reply.status == 400, value
    assert "duration" in reply.headers.get("x-retrovue-error", ""), reply.headers
    assert "x-hdhomerun-error" not in reply.headers
    assert reply.body == b""


@pytest.mark.parametrize("method", ["HEAD", "GET"])
@pytest.mark.parametrize("tuner", ["2", "5", "99999999999", "\uff10", "0_1", "%2B0", "-1"])
def test_an_unknown_tuner_is_a_404(client: AppClient, tuner: str, method: str) -> None:
    reply = request(client, f"/tuner{tuner}/v1", method)

    assert reply.status == 404, tuner
    assert "tuner" in reply.headers.get("x-retrovue-error", ""), reply.headers
    assert reply.body == b""


@pytest.mark.parametrize(
    "path", ["/auto/v1", "/tuner1/v1?duration=30", "/iptv/channel/1.ts?duration=2.5"]
)
def test_well_formed_urls_are_still_answered(client: AppClient, path: str) -> None:
    reply = request(client, path, "HEAD")

    assert reply.status == 200, (path, reply.headers)
    assert reply.headers["content-type"] == "video/mp2t"


def test_the_parser_keeps_what_it_accepts() -> None:
    assert parse_stream_request("7", "1", "2.5", 2) == StreamRequest(7, 1, 2.5)
    assert parse_stream_request("0007", None, None, 2) == StreamRequest(7, None, None)
    rejected = parse_stream_request("1", None, "x" * 5000, 2)
    assert isinstance(rejected, Rejection) and len(rejected.reason) < 100


def test_refusals_are_logged_with_the_reason_once_a_minute(
    client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hdhr_emulator.server.routes.streams"):
        for _ in range(20):
            request(client, "/auto/v1?duration=nan", "GET")
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert lines == ["GET /auto/v1 refused: duration 'nan' is not a positive number of seconds"]
