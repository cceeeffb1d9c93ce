"""The schedule endpoint shows mid-roll breaks and break roles: a programme cut into parts
(each later part with its ``seek_s``), bumpers, commercials, and the OpenAPI enum of kinds."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.app import create_app
from lineup.models import BreakPolicy, BreakSource, FillerKind, FillerPolicy, MediaInfo
from tests.support.app_client import AppClient
from tests.support.device_helpers import IDENTITY, live_schedule, open_store
from tests.xmltv.builders import INFO, channel, episode, filler

KINDS = ["programme", "commercial", "bumper", "id", "filler", "card", "slate", "override"]


def seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def seconds_long(duration: float) -> MediaInfo:
    return replace(INFO, duration=duration)


def test_a_cut_programme_and_its_break_roles(tmp_path: Path) -> None:
    bumper = replace(filler("Back Soon", filler_kind=FillerKind.BUMPER), info=seconds_long(5.0))
    ad = replace(filler("Cola", filler_kind=FillerKind.COMMERCIAL), info=seconds_long(30.0))
    plain = replace(filler("Clouds"), info=seconds_long(20.0))  # no role folder: filler
    shows = [
        replace(episode("Cheers", 1, n, f"Episode {n}"), breaks=(660.0,), chapters=True)
        for n in (1, 2)
    ]
    lineup = [
        channel(
            3,
            "Cheers",
            shows,
            filler=(bumper, ad, plain),
            policy=FillerPolicy(items=1),
            breaks=BreakPolicy(BreakSource.CHAPTERS, seconds=60.0),
            filler_kinds=tuple(FillerKind),
        )
    ]
    with open_store(tmp_path) as store:
        client = AppClient(
            create_app(live_schedule(store, lineup), None, DeviceSettings(IDENTITY, 8000))
        )
        reply = asyncio.run(client.request("/api/v1/channels/3/schedule"))
        openapi = asyncio.run(client.request("/api/v1/openapi.json")).json()
    assert reply.status == 200
    segments = reply.json()["segments"]
    kinds = [s["kind"] for s in segments]
    # one airing: Cheers to its chapter mark, bumper, 60 s of break, bumper, the rest, a break
    airing = ["programme", "bumper", "commercial", "filler", "bumper", "programme", "bumper"]
    airing += ["commercial"]
    text = " ".join(kinds)
    assert " ".join(airing) in text, kinds
    resumed = [i for i, s in enumerate(segments) if s["kind"] == "programme" and s["seek_s"]]
    assert resumed and all(segments[i]["seek_s"] == 660.0 for i in resumed)
    for index in resumed:
        if index >= 5:  # the part before the break: the same episode, up to the chapter mark
            before = segments[index - 5]
            assert before["kind"] == "programme" and before["item_id"] == segments[index]["item_id"]
            assert before["seek_s"] == 0.0
            assert seconds(before["stop"]) - seconds(before["start"]) == 660.0
    schema = openapi["components"]["schemas"]["ScheduleSegment"]["properties"]["kind"]
    assert sorted(schema["enum"]) == sorted(KINDS)
