"""The read API in-process (no engine): shapes exactly as decided, the schedule and guide read
from the live schedule (the guide equal to ``/xmltv.xml``), the scan through the API and
``lineup_status.json`` alike, and every bad query value a one-line JSON 400."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from quart import Quart

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.api.times import iso, parse_time
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from lineup.catalog import SkippedFile
from lineup.library_report import LibraryCounts, LibraryReport
from lineup.models import FillerPolicy
from lineup.schedule import ScheduleStore
from tests.support.app_client import AppClient, Reply
from tests.support.device_helpers import IDENTITY, live_schedule
from tests.xmltv.builders import channel, episode, filler

PROGRAMME_KEYS = {
    "start",
    "stop",
    "title",
    "episode",
    "episode_title",
    "kind",
    "item_id",
    "description",
}
CHANNEL_KEYS = {
    "number",
    "name",
    "group",
    "mode",
    "profile",
    "logo_url",
    "stream_urls",
    "now",
    "next",
    "running",
    "viewers",
    "favorite",
}


def get(client: AppClient, path: str, method: str = "GET") -> Reply:
    return asyncio.run(client.request(path, method=method))


def seconds(text: str) -> float:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text).timestamp()


def assert_bad_request(reply: Reply) -> None:
    assert reply.status == 400, reply.body
    body = reply.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] and "\n" not in body["error"]


def test_channels_list_every_channel_with_now_and_next(
    client: AppClient, guide: LiveSchedule
) -> None:
    reply = get(client, "/api/v1/channels")
    assert reply.status == 200
    channels = reply.json()["channels"]
    assert [c["number"] for c in channels] == [1, 7]
    cheers = channels[0]
    assert set(cheers) == CHANNEL_KEYS
    assert cheers["name"] == "Cheers" and cheers["mode"] == "transcode"
    assert cheers["profile"] == {
        "width": 1280,
        "height": 720,
        "fps": 29.97,
        "video_bitrate": "3000k",
    }
    assert cheers["stream_urls"] == {
        "hdhomerun": "http://localhost/auto/v1",
        "iptv": "http://localhost/iptv/channel/1.ts",
    }
    assert (cheers["running"], cheers["viewers"], cheers["favorite"]) == (False, 0, False)
    now = guide.schedule.at(1, time.time()).airing
    assert set(cheers["now"]) == PROGRAMME_KEYS
    assert (seconds(cheers["now"]["start"]), seconds(cheers["now"]["stop"])) == (
        now.start,
        now.stop,
    )
    assert cheers["now"]["item_id"] == now.programme.id
    assert cheers["now"]["title"] == "Cheers" and cheers["now"]["kind"] == "episode"
    assert cheers["now"]["episode"] == f"S01E{now.programme.episode:02d}"
    assert cheers["now"]["episode_title"] == now.programme.title
    assert seconds(cheers["next"]["start"]) == now.stop
    movie = channels[1]["now"]
    assert (movie["title"], movie["kind"], movie["episode"]) == ("Airplane!", "movie", None)


def test_one_channel_and_its_errors(client: AppClient) -> None:
    one = get(client, "/api/v1/channels/7")
    assert one.status == 200 and one.json()["name"] == "Movies"
    missing = get(client, "/api/v1/channels/99")
    assert missing.status == 404
    assert missing.json() == {"error": "no channel 99 in the lineup", "detail": None}
    for bad in ("x", "-1", "1.5"):
        assert_bad_request(get(client, f"/api/v1/channels/{bad}"))
        assert_bad_request(get(client, f"/api/v1/channels/{bad}/schedule"))


def test_favourites_marked_through_lineup_post_show(client: AppClient) -> None:
    assert get(client, "/lineup.post?favorite=%2B7", method="POST").status == 200
    channels = get(client, "/api/v1/channels").json()["channels"]
    assert [c["favorite"] for c in channels] == [False, True]


def test_the_schedule_is_the_live_schedule_segment_by_segment(
    client: AppClient, guide: LiveSchedule
) -> None:
    before = time.time()
    reply = get(client, "/api/v1/channels/1/schedule")
    assert reply.status == 200
    body = reply.json()
    start, end = seconds(body["start"]), seconds(body["end"])
    assert before <= start <= time.time() and end - start == pytest.approx(3 * 3600)
    expected = [
        segment
        for airing in guide.schedule.airings(1, start, end)
        for segment in airing.segments
        if segment.stop > start and segment.start < end
    ]
    segments = body["segments"]
    assert len(segments) == len(expected) > 3
    for got, want in zip(segments, expected, strict=True):
        assert seconds(got["start"]) == pytest.approx(want.start, abs=1e-3)
        assert seconds(got["stop"]) == pytest.approx(want.stop, abs=1e-3)
        assert got["item_id"] == want.item.id and got["item_kind"] == want.item.kind.value
        assert got["kind"] == (
            "programme" if want.item.kind in ("episode", "movie") else got["item_kind"]
        )
        assert got["source"] == want.item.path and got["seek_s"] == want.seek
    # contiguous: each segment starts where the one before stopped
    for earlier, later in zip(segments, segments[1:], strict=False):
        assert seconds(later["start"]) == pytest.approx(seconds(earlier["stop"]), abs=1e-3)
    assert seconds(segments[0]["start"]) <= start < seconds(segments[0]["stop"])


def test_schedule_windows_take_iso_times_with_zone_or_offset(client: AppClient) -> None:
    zulu = get(
        client, "/api/v1/channels/1/schedule?start=2026-01-01T10:00:00Z&end=2026-01-01T11:00:00Z"
    )
    offset = get(
        client,
        "/api/v1/channels/1/schedule?start=2026-01-01T12:00:00%2B02:00&end=2026-01-01T13:00:00%2B02:00",
    )
    assert zulu.status == offset.status == 200
    assert zulu.json() == offset.json()
    assert zulu.json()["start"] == "2026-01-01T10:00:00Z"


@pytest.mark.parametrize(
    "query",
    [
        "start=yesterday",
        "end=2026-13-01T00:00:00Z",
        "start=2026-01-01T10:00:00Z&end=2026-01-01T09:00:00Z",
        "start=2026-01-01T10:00:00Z&end=2026-01-01T10:00:00Z",
        "start=2026-01-01T00:00:00Z&end=2026-01-09T00:00:00Z",
    ],
)
def test_bad_schedule_windows_are_400(client: AppClient, query: str) -> None:
    assert_bad_request(get(client, f"/api/v1/channels/1/schedule?{query}"))


def _xmltv_programmes(xml: bytes) -> dict[str, list[dict[str, Any]]]:
    """The guide's programmes per channel id, in the API's terms."""
    found: dict[str, list[dict[str, Any]]] = {}
    for element in ET.fromstring(xml).iter("programme"):
        onscreen = [e.text for e in element.findall("episode-num") if e.get("system") == "onscreen"]
        found.setdefault(element.get("channel", ""), []).append(
            {
                "start": datetime.strptime(element.get("start", ""), "%Y%m%d%H%M%S %z").timestamp(),
                "stop": datetime.strptime(element.get("stop", ""), "%Y%m%d%H%M%S %z").timestamp(),
                "title": element.findtext("title"),
                "episode": onscreen[0] if onscreen else None,
                "episode_title": element.findtext("sub-title"),
                "description": element.findtext("desc"),
            }
        )
    return found


def test_the_guide_has_the_programmes_of_xmltv(client: AppClient) -> None:
    xml = get(client, "/xmltv.xml")
    assert xml.status == 200
    by_channel = _xmltv_programmes(xml.body)
    now = time.time()
    start = now - now % 1800  # where /xmltv.xml starts
    reply = get(client, f"/api/v1/guide?start={iso(start)}&hours=4")
    assert reply.status == 200
    body = reply.json()
    assert seconds(body["start"]) == start and seconds(body["end"]) == start + 4 * 3600
    assert [c["number"] for c in body["channels"]] == [1, 7]
    ids = list(by_channel)
    assert len(ids) == 2
    for listed, channel_id in zip(body["channels"], ids, strict=True):
        assert set(listed) == {"number", "name", "logo_url", "programmes"}
        expected = [p for p in by_channel[channel_id] if p["start"] < start + 4 * 3600]
        got = [
            {
                **{k: p[k] for k in ("title", "episode", "episode_title", "description")},
                "start": seconds(p["start"]),
                "stop": seconds(p["stop"]),
            }
            for p in listed["programmes"]
        ]
        assert got == expected
        assert all(set(p) == PROGRAMME_KEYS for p in listed["programmes"])


@pytest.mark.parametrize("query", ["hours=-1", "hours=0", "hours=73", "hours=abc", "start=noon"])
def test_bad_guide_queries_are_400(client: AppClient, query: str) -> None:
    assert_bad_request(get(client, f"/api/v1/guide?{query}"))


def test_the_guide_defaults_to_three_hours_from_now(client: AppClient) -> None:
    before = time.time()
    body = get(client, "/api/v1/guide").json()
    start = seconds(body["start"])
    assert before - 0.01 <= start <= time.time()
    assert seconds(body["end"]) - start == pytest.approx(3 * 3600)


def test_library_without_a_catalog_counts_the_lineup(client: AppClient) -> None:
    body = get(client, "/api/v1/library").json()
    assert body == {
        "counts": {"episodes": 3, "movies": 1, "filler": 0, "shows": 1, "total": 4},
        "last_scan": None,
        "skipped": [],
        "scan": {"running": False, "progress": 0, "found": 0, "state": "idle"},
    }


def test_library_reports_the_catalog(guide: LiveSchedule) -> None:
    report = LibraryReport(
        LibraryCounts(episodes=10, movies=2, filler=5, shows=3),
        last_scan=1_790_000_000.5,
        skipped=(SkippedFile("/m/bad.mkv", "no video stream"),),
    )
    app = create_app(guide, None, DeviceSettings(IDENTITY, 8000), library=lambda: report)
    body = get(AppClient(app), "/api/v1/library").json()
    assert body["counts"] == {"episodes": 10, "movies": 2, "filler": 5, "shows": 3, "total": 17}
    assert body["last_scan"] == "2026-09-21T14:13:20.500Z"
    assert body["skipped"] == [{"path": "/m/bad.mkv", "reason": "no video stream"}]


def test_a_scan_through_the_api_is_the_scan_lineup_status_reports(app: Quart) -> None:
    client = AppClient(app)

    async def scenario() -> None:
        idle = await client.request("/api/v1/library/scan")
        assert idle.json() == {"running": False, "progress": 0, "found": 0, "state": "idle"}
        started = await client.request("/api/v1/library/scan", method="POST")
        assert started.status == 202
        assert started.json()["running"] is True and started.json()["state"] == "scanning"
        again = await client.request("/api/v1/library/scan", method="POST")
        assert again.status == 409 and set(again.json()) == {"error", "detail"}
        state = (await client.request("/api/v1/library/scan")).json()
        device = (await client.request("/lineup_status.json")).json()
        assert device["ScanInProgress"] == 1
        assert (state["progress"], state["found"]) == (device["Progress"], device["Found"])
        assert (await client.request("/api/v1/library")).json()["scan"]["running"] is True

    asyncio.run(scenario())


def test_status_without_an_engine(client: AppClient) -> None:
    body = get(client, "/api/v1/status").json()
    assert set(body) == {
        "version",
        "uptime_s",
        "device_id",
        "friendly_name",
        "ffmpeg_version",
        "tuners",
        "sessions",
        "overrides",
    }
    assert body["device_id"] == IDENTITY.device_id_hex
    assert body["friendly_name"] == IDENTITY.friendly_name
    assert body["sessions"] == [] and body["overrides"] == []
    assert body["uptime_s"] >= 0


def test_stopping_a_channel_that_is_not_running_is_404(client: AppClient) -> None:
    missing = get(client, "/api/v1/sessions/1", method="DELETE")
    assert missing.status == 404 and set(missing.json()) == {"error", "detail"}
    assert_bad_request(get(client, "/api/v1/sessions/one", method="DELETE"))
    thumbnail = get(client, "/api/v1/channels/1/thumbnail.jpg")
    assert thumbnail.status == 404 and set(thumbnail.json()) == {"error", "detail"}


def test_every_read_endpoint_is_in_the_openapi_document(client: AppClient) -> None:
    paths = get(client, "/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/status": {"get"},
        "/api/v1/channels": {"get"},
        "/api/v1/channels/{number}": {"get"},
        "/api/v1/channels/{number}/schedule": {"get"},
        "/api/v1/channels/{number}/thumbnail.jpg": {"get"},
        "/api/v1/guide": {"get"},
        "/api/v1/library": {"get"},
        "/api/v1/library/scan": {"get", "post"},
        "/api/v1/sessions/{number}": {"delete"},
    }.items() <= {path: set(ops) for path, ops in paths.items()}.items()


def test_query_times_without_a_zone_are_the_servers_local_time() -> None:
    local = datetime(2026, 1, 1, 12, 0).astimezone()
    assert parse_time("start", "2026-01-01T12:00:00", 0.0) == local.timestamp()
    assert parse_time("start", None, 5.0) == 5.0
    assert iso(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) == "2026-01-01T00:00:00Z"


def test_the_schedule_names_breaks_and_padding_by_their_kind(store: ScheduleStore) -> None:
    """A programme and its break (filler), or its padding to the half hour (the slate), each a
    segment of its own kind; the slate has no item id and no source."""
    taxi = episode("Taxi", 1, 1, "Like Father")
    breaks = channel(3, "Breaks", [taxi], filler=(filler("Cola"),), policy=FillerPolicy(items=1))
    padded = channel(4, "Padded", [taxi], policy=FillerPolicy(pad_minutes=30))
    app = create_app(live_schedule(store, [breaks, padded]), None, DeviceSettings(IDENTITY, 8000))
    client = AppClient(app)
    with_breaks = get(client, "/api/v1/channels/3/schedule").json()["segments"]
    with_padding = get(client, "/api/v1/channels/4/schedule").json()["segments"]
    assert {s["kind"] for s in with_breaks} == {"programme", "filler"}
    assert {s["kind"] for s in with_padding} == {"programme", "slate"}
    show = next(s for s in with_breaks if s["kind"] == "programme")
    assert show["item_kind"] == "episode"
    assert (show["title"], show["episode"], show["episode_title"], show["source"]) == (
        "Taxi",
        "S01E01",
        "Like Father",
        taxi.path,
    )
    cola = next(s for s in with_breaks if s["kind"] == "filler")
    assert (cola["title"], cola["episode"], cola["source"]) == ("Cola", None, "/media/Cola.mkv")
    slate = next(s for s in with_padding if s["kind"] == "slate")
    assert (slate["item_id"], slate["source"]) == (None, None)
    assert seconds(slate["stop"]) % 1800 == 0
