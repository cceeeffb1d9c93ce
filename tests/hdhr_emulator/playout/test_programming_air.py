"""Programming on the air: a slotted channel played through a real session (real ffmpeg on
tone-coded clips, the splicer, the slate), unpaced so that minutes of air take seconds.

The channel's base rotation is "Low" (440 Hz) with commercials (1100 Hz); at 23:00 UTC a slot
starts "High" (660 Hz). The break before the hour opens with a station ID (1900 Hz) and ends
with a silent "up next" card naming High. Every tone change is checked against the schedule's
segments (±1 s, relative to the first change, as the soak measures), with no decode error and no
timestamp going back. (A mid-roll break and the episode's exact resumption are
``test_mid_roll_air.py``'s.)
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout import session as session_module
from hdhr_emulator.playout.ffmpeg_args import slate_command
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.cards import card_text
from lineup.models import (
    Channel,
    ChannelProfile,
    FillerKind,
    FillerPolicy,
    ItemKind,
    MediaItem,
    OutputMode,
    SlotPlan,
)
from lineup.probe import probe
from lineup.schedule import Schedule, ScheduleStore
from tests.support.streaming import assert_decodes, decoded_audio, decoded_video
from tests.support.tone_seams import drifts_ms, seams_heard
from tests.support.ts_analysis import analyse
from tests.support.unpaced import record_unpaced

pytestmark = pytest.mark.slow

TOP = 1_700_002_800  # 2023-11-14 23:00:00 UTC
T0 = TOP - 40.0  # the session starts 40 s before the slot
PROFILE = ChannelProfile(width=160, height=90, preset="ultrafast", video_kbps=200, audio_kbps=64)
LOW, HIGH, AD, ID_TONE = 440, 660, 1100, 1900
MEDIA_SECONDS = 75.0
BOUND_MS = 1000  # the issue's ±1 s


def make(
    clip_cache: Callable[[ClipSpec, str], Path],
    number: int,
    seconds: float,
    tone: int,
    kind: ItemKind,
    **fields: object,
) -> MediaItem:
    path = clip_cache(ClipSpec(seconds, "", tone, 160, 90, 25), "mp4")
    return MediaItem(
        id=number,
        path=str(path),
        kind=kind,
        title=f"Tone {tone}",
        info=probe(path),
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def slate(ffmpeg: FFmpeg, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("air-slate") / "slate.ts"
    subprocess.run(slate_command(ffmpeg.path, PROFILE, "Air", 3.0, str(out), None), check=True)
    return out.read_bytes()


def channel_of(clip_cache: Callable[[ClipSpec, str], Path]) -> Channel:
    low = make(clip_cache, 1, 6.0, LOW, ItemKind.EPISODE, show="Low", season=1, episode=1)
    high = make(clip_cache, 2, 24.0, HIGH, ItemKind.EPISODE, show="High", season=1, episode=1)
    ad = make(clip_cache, 3, 5.0, AD, ItemKind.FILLER, filler_kind=FillerKind.COMMERCIAL)
    ident = make(clip_cache, 4, 2.0, ID_TONE, ItemKind.FILLER, filler_kind=FillerKind.STATION_ID)
    slot = SlotPlan(
        key="high",
        where="test",
        weekdays=frozenset(range(7)),
        dates=frozenset(),
        start=23 * 60,
        end=23 * 60 + 30,
        count=None,
        programmes=(high,),
    )
    return Channel(
        number=7,
        name="Air",
        programmes=(low,),
        filler=(ad, ident),
        policy=FillerPolicy(items=2),
        mode=OutputMode.TRANSCODE,
        profile=PROFILE,
        slots=(slot,),
        timezone="UTC",
        up_next=True,
        filler_kinds=(FillerKind.COMMERCIAL, FillerKind.STATION_ID),
    )


def test_a_slot_starts_on_time_after_an_id_and_an_up_next_card(
    ffmpeg: FFmpeg,
    clip_cache: Callable[[ClipSpec, str], Path],
    slate: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "BURST_SECONDS", 1e6)  # no pacing: as fast as ffmpeg
    channel = channel_of(clip_cache)

    with ScheduleStore.open(tmp_path / "schedule.db") as store:
        schedule = Schedule(store, [channel], epochs={channel.number: T0 - 20})
        data = asyncio.run(
            record_unpaced(ffmpeg.path, schedule, channel.number, slate, T0, MEDIA_SECONDS)
        )
        segments = [
            segment
            for airing in schedule.airings(channel.number, T0, T0 + MEDIA_SECONDS + 30)
            for segment in airing.segments
        ]
    high_starts = [s.start for s in segments if s.item.id == 2 and s.seek == 0]
    assert high_starts and high_starts[0] == TOP, "the slot's programme starts at 23:00:00"
    before = [s for s in segments if TOP - 300 <= s.start < TOP]
    assert any(s.item.id == 4 for s in before), "a station ID in the break before the hour"
    card = max(before, key=lambda s: s.start)
    assert card.item.kind == ItemKind.CARD and card.stop == pytest.approx(TOP)
    assert card_text(card.item).up_next == "High"

    tones = {1: LOW, 2: HIGH, 3: AD, 4: ID_TONE}
    starts: dict[int, list[float]] = {}
    for segment in segments:
        if segment.item.id in tones:
            starts.setdefault(tones[segment.item.id], []).append(segment.start)
    seams = [s for s in seams_heard(data, sorted(set(tones.values()))) if s.pts > 1.5][:-1]
    heard = [(s.tone, round(s.pts, 2)) for s in seams]
    assert any(seam.tone == HIGH for seam in seams), heard
    assert any(seam.tone == ID_TONE for seam in seams), heard
    drifts = drifts_ms(seams, starts, T0 + seams[0].pts - 1.0)
    assert max(map(abs, drifts)) <= BOUND_MS, f"drift per seam (ms): {drifts}"
    report = analyse(data)
    assert report.cc_error_total == 0 and report.pcr_backsteps == 0, report
    assert all(s.dts_backsteps == 0 and s.dts_repeats == 0 for s in report.streams.values())
    assert_decodes(data, decoded_video(data), decoded_audio(data))
