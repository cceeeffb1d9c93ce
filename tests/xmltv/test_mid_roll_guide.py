"""A programme cut by mid-roll breaks is still ONE guide entry spanning its breaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from lxml import etree

from lineup.models import Airing, BreakPolicy, BreakSource, Channel, FillerPolicy
from lineup.schedule import Schedule, ScheduleStore
from tests.xmltv.builders import INFO, T0, channel, episode, filler
from xmltv import render_xmltv


def test_a_programme_with_mid_roll_breaks_is_one_programme(tmp_path: Path) -> None:
    shows = [
        replace(episode("Cheers", 1, n, f"Episode {n}"), breaks=(400.0, 900.0), chapters=True)
        for n in (1, 2, 3)
    ]
    ad = replace(filler("Cola"), info=replace(INFO, duration=30.0))
    lineup = [
        channel(
            5,
            "Cheers",
            shows,
            filler=(ad,),
            policy=FillerPolicy(items=1),
            breaks=BreakPolicy(BreakSource.CHAPTERS, per_half_hour=2, seconds=60.0),
        )
    ]
    with ScheduleStore.open(tmp_path / "schedule.db") as store:
        schedule = Schedule(store, lineup, horizon=4 * 3600, clock=lambda: T0)
        schedule.publish(T0)
        airings = schedule.airings(5, T0, T0 + 3 * 3600)

        def airings_for(ch: Channel) -> list[Airing]:
            return schedule.airings(ch.number, T0, T0 + 3 * 3600, segments=False)

        xml = render_xmltv(schedule.channels, airings_for)
    cut = [a for a in airings if sum(s.item is a.programme for s in a.segments) > 1]
    assert cut, "the layout cut no programme"
    programmes = etree.fromstring(xml).findall("programme")
    assert len(programmes) == len(airings)
    for element, airing in zip(programmes, airings, strict=True):  # spanning its breaks
        assert element.findtext("sub-title") == airing.programme.title
        assert stamp(element.get("start")) == airing.start
        assert stamp(element.get("stop")) == airing.stop


def stamp(text: str | None) -> int:
    return int(datetime.strptime(text or "", "%Y%m%d%H%M%S %z").timestamp())
