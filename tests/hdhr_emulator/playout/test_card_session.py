"""Up-next cards on air: a real session (real ffmpeg, tone-coded clips, the real splicer and
pacer) whose schedule puts a card between two programmes. The card airs for its slot, silent
and in its own picture, between the two tones, in one clean stream; a card not rendered in time
is replaced by the slate without stalling; the cards due soon are rendered ahead of air."""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hdhr_emulator.events import EventBus, EventKind, StationEvent
from hdhr_emulator.playout.cards import CardRenderer
from hdhr_emulator.playout.cards.layout import BACKGROUND, GOLD
from hdhr_emulator.playout.engine import EngineSettings, PlayoutEngine
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.slate import SlateCache
from hdhr_emulator.playout.viewer import Viewer
from lineup.cards import card_item
from lineup.models import Channel, ChannelProfile, ItemKind, MediaInfo, MediaItem, OutputMode
from tests.conftest import ClipFactory
from tests.hdhr_emulator.playout.test_session import Client, until
from tests.support.loop_schedule import LoopSchedule
from tests.support.streaming import (
    assert_continuous,
    assert_decodes,
    corner_rgb,
    decodable_frames,
    decoded_audio,
    decoded_video,
    near,
)
from tests.support.tone_seams import tone_of

T0 = 1_700_000_000.0
PROFILE = ChannelProfile(width=160, height=90, fps=25.0, video_kbps=200, audio_kbps=64)
TONE_A, TONE_B = 440, 880
PROGRAMME_SECONDS, CARD_SLOT = 3.0, 2.0


def rgb(color: str) -> tuple[int, int, int]:
    value = int(color, 16)
    return (value >> 16 & 255, value >> 8 & 255, value & 255)


def clip_item(path: Path, number: int, show: str) -> MediaItem:
    info = MediaInfo(
        duration=4.0,
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        width=320,
        height=240,
        fps=25.0,
        audio_codec="aac",
        audio_channels=2,
    )
    return MediaItem(
        id=number,
        path=str(path),
        kind=ItemKind.EPISODE,
        title=f"Episode {number}",
        info=info,
        show=show,
        season=1,
        episode=number,
    )


@dataclass
class Station:
    """A session's surroundings: the schedule, the real slate and card renderer, the events."""

    schedule: LoopSchedule
    card: MediaItem
    slates: SlateCache
    cards: CardRenderer
    events: list[StationEvent]
    ffmpeg: str

    def session(self) -> ChannelSession:
        bus = EventBus()
        bus.tap(self.events.append)
        context = PlayoutContext(
            ffmpeg=self.ffmpeg,
            schedule=lambda: self.schedule,  # type: ignore[arg-type,return-value]
            slate=self.slates.get,
            clock=lambda: T0,
            publish=bus.publish,
            cards=self.cards,
        )
        return ChannelSession(self.schedule.channel_.number, 0, context)

    def data(self, kind: EventKind) -> list[dict[str, Any]]:
        return [dict(e.data) for e in self.events if e.kind == kind]


def station(
    ffmpeg: FFmpeg,
    make_clip: ClipFactory,
    tmp_path: Path,
    card_ffmpeg: str | None = None,
    parts: Callable[[MediaItem, MediaItem, MediaItem], list[tuple[MediaItem, float]]] | None = None,
) -> Station:
    a = clip_item(make_clip(tmp_path / "a.mp4", 4.0, tone_hz=TONE_A), 1, "Cheers")
    b = clip_item(make_clip(tmp_path / "b.mp4", 4.0, tone_hz=TONE_B), 2, "Taxi")
    card = card_item("Card Test", None, b, a, CARD_SLOT)
    channel = Channel(
        number=7,
        name="Card Test",
        programmes=(a, b),
        mode=OutputMode.TRANSCODE,
        profile=PROFILE,
        up_next=True,
    )
    order = (
        parts(a, card, b)
        if parts
        else [(a, PROGRAMME_SECONDS), (card, CARD_SLOT), (b, PROGRAMME_SECONDS)]
    )
    return Station(
        schedule=LoopSchedule(channel, order, T0),
        card=card,
        slates=SlateCache(ffmpeg.path, tmp_path / "slates"),
        cards=CardRenderer(card_ffmpeg or ffmpeg.path, tmp_path / "cards"),
        events=[],
        ffmpeg=ffmpeg.path,
    )


async def record(st: Station, media_seconds: float, prepare: bool) -> bytes:
    """Tune at T0 and keep ``media_seconds`` of the stream (the card rendered first, or not)."""
    await st.slates.get(st.schedule.channel_.name, PROFILE)  # warm, as the engine does
    if prepare:
        await st.cards.render(st.card, PROFILE)
    session = st.session()
    viewer = Viewer("127.0.0.1")
    session.start()
    try:
        session.attach(viewer)
        client = Client(viewer)
        await until(lambda: client.video_seconds() >= media_seconds, "the stream", within=60)
    finally:
        await session.async_stop()
        await st.cards.aclose()
        await st.slates.aclose()
    report = await client.stream()
    assert_continuous(report)  # one timeline: no hole, no backstep, no CC error
    return bytes(client.received)


def heard(data: bytes) -> list[tuple[int | None, float]]:
    """(tone or None for silence, PTS) of every AAC frame."""
    return [
        (tone_of(frame, [TONE_A, TONE_B]), float(frame.pts * stream.time_base))
        for _, frame, stream in decodable_frames(data, "audio")
        if frame.pts is not None
    ]


def silent_gap(data: bytes) -> tuple[float, float]:
    """(end of tone A, start of tone B) on the stream's clock: the card's time on air."""
    frames = heard(data)
    start_b = next(pts for tone, pts in frames if tone == TONE_B)
    end_a = max(pts for tone, pts in frames if tone == TONE_A and pts < start_b) + 1024 / 48000
    assert all(tone is None for tone, pts in frames if end_a + 0.05 < pts < start_b - 0.05)
    return end_a, start_b


def pictures(data: bytes, start: float, stop: float) -> list[Any]:
    """The decoded video frames shown in [start, stop)."""
    return [
        frame
        for _, frame, stream in decodable_frames(data, "video")
        if frame.pts is not None and start <= float(frame.pts * stream.time_base) < stop
    ]


def test_a_card_airs_silent_in_its_own_picture_between_the_two_programmes(
    ffmpeg: FFmpeg, make_clip: ClipFactory, tmp_path: Path
) -> None:
    """A (440 Hz) for 3 s, the card for 2 s, B (880 Hz): between the tones the stream is
    silent for the card's 2 s (±1 s) and shows the card (its navy field, gold bar and white
    text), decodes without error and never steps back; the seam event says kind "card"."""
    st = station(ffmpeg, make_clip, tmp_path)
    data = asyncio.run(record(st, 7.5, prepare=True))

    end_a, start_b = silent_gap(data)
    assert abs((start_b - end_a) - CARD_SLOT) <= 1.0, (end_a, start_b)
    first_a = next(pts for tone, pts in heard(data) if tone == TONE_A)
    assert abs((end_a - first_a) - PROGRAMME_SECONDS) <= 1.0

    shown = pictures(data, end_a + 0.2, start_b - 0.2)
    assert len(shown) >= (CARD_SLOT - 1.0) * PROFILE.fps
    navy, gold = rgb(BACKGROUND), rgb(GOLD)
    for frame in shown:
        assert near(corner_rgb(frame), navy), corner_rgb(frame)
    colours = set(rgb_pixels(shown[len(shown) // 2]))
    assert any(near(c, gold, 40) for c in colours), "no gold bar"
    assert any(min(c) > 200 for c in colours), "no white text"
    before = pictures(data, first_a + 0.5, end_a - 0.5)
    assert before and not any(near(corner_rgb(f), navy) for f in before)

    assert_decodes(data, decoded_video(data), decoded_audio(data))
    starts = st.data(EventKind.ITEM_START)
    assert [s["kind"] for s in starts[:3]] == ["episode", "card", "episode"]
    assert starts[1]["item_id"] is None and starts[1]["title"] == "Up next: Taxi"
    assert st.data(EventKind.SLATE) == []  # the card is no slate
    assert st.cards.renders == 1  # rendered before air, never again


def rgb_pixels(frame: Any) -> list[tuple[int, int, int]]:
    """Every pixel of a picture as RGB."""
    plane = frame.reformat(format="rgb24").planes[0]
    data, out = bytes(plane), []
    for y in range(frame.height):
        row = data[y * plane.line_size : y * plane.line_size + frame.width * 3]
        out += [(row[i], row[i + 1], row[i + 2]) for i in range(0, len(row), 3)]
    return out


def test_a_card_not_rendered_in_time_gets_the_slate_without_a_stall(
    ffmpeg: FFmpeg,
    make_clip: ClipFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The renderer hangs: when the card is due the slate airs in its place at once, for the
    card's slot, the stream has no hole longer than a frame, B starts on time, and the log
    says so once."""
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text("#!/bin/sh\nexec sleep 120\n")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    st = station(ffmpeg, make_clip, tmp_path, card_ffmpeg=str(slow))
    with caplog.at_level(logging.WARNING, logger="hdhr_emulator.playout.session"):
        data = asyncio.run(record(st, 7.5, prepare=False))

    end_a, start_b = silent_gap(data)
    assert abs((start_b - end_a) - CARD_SLOT) <= 1.0, (end_a, start_b)
    slate = [s for s in st.data(EventKind.SLATE) if s["reason"] == "card"]
    assert len(slate) == 1 and abs(slate[0]["seconds"] - CARD_SLOT) <= 0.1, slate
    late = [r for r in caplog.records if "not rendered in time" in r.getMessage()]
    assert len(late) == 1, [r.getMessage() for r in caplog.records]
    assert st.cards.renders == 1  # it was asked for ahead of air (and killed at the stop)


def test_the_cards_due_in_the_next_ten_minutes_are_rendered_ahead_of_air(
    ffmpeg: FFmpeg, make_clip: ClipFactory, tmp_path: Path
) -> None:
    """At tune-in the session has the card due in 3 s rendered in the background; a card
    due in over ten minutes is not rendered yet."""
    far: list[MediaItem] = []

    def parts(a: MediaItem, card: MediaItem, b: MediaItem) -> list[tuple[MediaItem, float]]:
        far.append(card_item("Card Test", None, a, None, CARD_SLOT))
        return [(a, 3.0), (card, CARD_SLOT), (b, 700.0), (far[0], CARD_SLOT)]

    st = station(ffmpeg, make_clip, tmp_path, parts=parts)

    async def main() -> None:
        session = st.session()
        session.start()
        try:
            await until(lambda: st.cards.ready(st.card, PROFILE) is not None, "the card")
            await st.cards.idle()
            assert st.cards.ready(far[0], PROFILE) is None
            assert st.cards.renders == 1
        finally:
            await session.async_stop()
            await st.cards.aclose()
            await st.slates.aclose()

    asyncio.run(main())


def test_the_engine_renders_a_channels_cards_into_the_data_dir_and_stops_its_renders(
    ffmpeg: FFmpeg, make_clip: ClipFactory, tmp_path: Path
) -> None:
    """Through the playout engine as the server wires it: a tune renders the card due soon
    into ``<data dir>/cards`` (the same clip the session can splice), and stopping the engine
    leaves no render running (the leak guard checks the children)."""
    st = station(ffmpeg, make_clip, tmp_path)
    schedule = LoopSchedule(st.schedule.channel_, st.schedule.parts, float(int(time.time())))
    data_dir = tmp_path / "data"

    async def main() -> None:
        engine = PlayoutEngine(EngineSettings(ffmpeg.path, data_dir, tuners=1), lambda: schedule)  # type: ignore[arg-type,return-value]
        await engine.async_start()
        try:
            session, viewer = await engine.tune(7, "127.0.0.1")
            await until(lambda: list((data_dir / "cards").glob("card-*.ts")) != [], "a card")
            await until(lambda: engine.cards.ready(st.card, PROFILE) is not None, "in memory")
            session.detach(viewer)
        finally:
            await engine.async_stop()

    asyncio.run(main())
    assert len(list((data_dir / "cards").glob("card-*.ts"))) == 1
