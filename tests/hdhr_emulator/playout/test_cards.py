"""Up-next cards as clips: what they say (read back with tesseract), their shape (ffprobe: the
channel profile exactly), titles full of filter syntax, and the cache on disk (rendered once,
bounded). Real ffmpeg throughout."""

from __future__ import annotations

import asyncio
import difflib
import json
import subprocess
from pathlib import Path

import pytest

from hdhr_emulator.errors import FFmpegError
from hdhr_emulator.playout.cards import CardRenderer, card_job
from hdhr_emulator.playout.cards.layout import card_layout, fit
from hdhr_emulator.playout.ffmpeg_args import fps_fraction
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.cards import CARD_SECONDS, card_item, card_text
from lineup.models import ChannelProfile, ItemKind, MediaInfo, MediaItem
from tests.conftest import require_tool
from tests.support.streaming import decoded_audio

PROFILE = ChannelProfile()  # 1280x720 at 29.97: what a channel gets by default
SMALL = ChannelProfile(width=160, height=90, fps=25.0, video_kbps=200, audio_kbps=64)
ODD_DIR = "we'ird: dir, [x]; 100%"  # a data dir whose name is filter syntax


def episode(show: str, season: int, number: int, title: str) -> MediaItem:
    info = MediaInfo(
        duration=1320.0, container="mp4", video_codec="h264", width=640, height=480, fps=25.0
    )
    return MediaItem(
        id=season * 100 + number,
        path=f"/media/{show}/{number}.mp4",
        kind=ItemKind.EPISODE,
        title=title,
        info=info,
        show=show,
        season=season,
        episode=number,
    )


def a_card(title: str = "Any Friend of Diane's", logo: str | None = None) -> MediaItem:
    return card_item(
        "Retro Weeknights",
        logo,
        episode("Cheers", 1, 3, title),
        episode("Taxi", 1, 1, "Like Father, Like Daughter"),
        CARD_SECONDS,
    )


def frame_png(ffmpeg: str, clip: bytes, out: Path, at: float = 3.0) -> Path:
    source = out.with_suffix(".ts")
    source.write_bytes(clip)
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-ss",
            str(at),
            "-i",
            str(source),
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out


def ocr_lines(image: Path) -> list[str]:
    tesseract = require_tool("tesseract")
    done = subprocess.run(
        [tesseract, str(image), "-", "--psm", "3"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def best_ratio(expected: str, lines: list[str]) -> float:
    """How well ``expected`` is read in any line (or any part of one), case aside, 0..1."""
    want = expected.lower()
    best = 0.0
    for line in (text.lower() for text in lines):
        windows = [line] + [
            line[i : i + len(want)] for i in range(max(1, len(line) - len(want) + 1))
        ]
        best = max(best, *(difflib.SequenceMatcher(None, want, w).ratio() for w in windows))
    return best


def probe(ffprobe: str, clip: bytes, scratch: Path) -> dict[str, object]:
    source = scratch / "probe.ts"
    source.write_bytes(clip)
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return dict(json.loads(done.stdout))


def render(renderer: CardRenderer, item: MediaItem, profile: ChannelProfile) -> bytes:
    async def main() -> bytes:
        try:
            return await renderer.render(item, profile)
        finally:
            await renderer.aclose()

    return asyncio.run(main())


def logo_png(ffmpeg: FFmpeg, folder: Path) -> Path:
    logo = folder / "logo.png"
    subprocess.run(
        [ffmpeg.path, "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=120x60:d=1"]
        + ["-frames:v", "1", str(logo)],
        check=True,
        timeout=60,
    )
    return logo


# --- what a card says, and its shape --------------------------------------------------------


def test_a_card_shows_the_channel_up_next_the_title_its_episode_and_later(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """tesseract reads the channel's name, "Up next", the programme, its episode line and the
    one after; the clip is the profile's size, rate, codecs and the card's length, silent."""
    item = a_card(logo=str(logo_png(ffmpeg, tmp_path)))
    clip = render(CardRenderer(ffmpeg.path, tmp_path / "cards"), item, PROFILE)

    lines = ocr_lines(frame_png(ffmpeg.path, clip, tmp_path / "card.png"))
    for expected in (
        "Retro Weeknights",
        "Up next",
        "Cheers",
        "S01E03 · Any Friend of Diane's",
        "Later: Taxi",
    ):
        assert best_ratio(expected, lines) >= 0.8, (expected, lines)
    assert best_ratio("Like Father", lines) < 0.8, lines  # only the title of the later one

    found = probe(require_tool("ffprobe"), clip, tmp_path)
    streams = {s["codec_type"]: s for s in found["streams"]}  # type: ignore[union-attr]
    video, audio = streams["video"], streams["audio"]
    rate = fps_fraction(PROFILE.fps)
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1280, 720)
    assert video["r_frame_rate"] == f"{rate.numerator}/{rate.denominator}"
    assert video["pix_fmt"] == "yuv420p"
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == ("aac", "48000", 2)
    assert abs(float(video["duration"]) - CARD_SECONDS) <= 0.1
    assert abs(float(audio["duration"]) - CARD_SECONDS) <= 0.1
    sound = decoded_audio(clip)
    assert max(map(abs, sound.samples)) < 1e-3  # silence


def test_a_card_without_a_readable_logo_and_in_a_small_profile_is_still_drawn(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """A logo that is a URL, or a file that is not a picture, is left out (the text stays);
    the clip takes the small profile's shape and the item's own length."""
    broken = tmp_path / "logo.png"
    broken.write_text("not a picture")
    for logo in ("http://example.invalid/logo.png", str(broken)):
        item = a_card(logo=logo)
        item = type(item)(**{**_fields(item), "info": MediaInfo(4.0, "", "", 0, 0, 0.0)})
        clip = render(CardRenderer(ffmpeg.path, tmp_path / "cards"), item, SMALL)
        found = probe(require_tool("ffprobe"), clip, tmp_path)
        video = next(s for s in found["streams"] if s["codec_type"] == "video")  # type: ignore[union-attr]
        assert (video["width"], video["height"], video["r_frame_rate"]) == (160, 90, "25/1")
        assert abs(float(video["duration"]) - 4.0) <= 0.1


def _fields(item: MediaItem) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def test_titles_full_of_filter_syntax_and_accents_render_as_written(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """Quotes, colons, percent signs, backslashes and "Amélie" in the text, and a data dir
    whose name is filter syntax too: ffmpeg renders it, and the title reads back as written."""
    title = "Am\u00e9lie: 100% 'C:\\temp' \"quoted\""
    item = card_item(
        'Caf\u00e9: 50% \\ "off"',
        None,
        episode(title, 2, 5, "It's 100%: a \\ b"),
        episode("Taxi", 1, 1, "x"),
        CARD_SECONDS,
    )
    text = card_text(item)
    assert text.up_next == title
    clip = render(CardRenderer(ffmpeg.path, tmp_path / ODD_DIR / "cards"), item, PROFILE)
    lines = ocr_lines(frame_png(ffmpeg.path, clip, tmp_path / "card.png"))
    assert best_ratio(title, lines) >= 0.8, lines
    assert best_ratio("Am\u00e9lie", lines) >= 0.8, lines


def test_a_long_title_shrinks_then_is_cut_to_fit_the_picture() -> None:
    """drawtext cannot wrap: a line too wide at its size is drawn smaller, then cut with an
    ellipsis; a short one is left alone."""
    assert fit("Cheers", 80, 1000) == ("Cheers", 80)
    text, size = fit("A" * 30, 80, 1000)
    assert text == "A" * 30 and 44 <= size < 80
    text, size = fit("A" * 200, 80, 1000)
    assert text.endswith("\u2026") and size == 44 and len(text) * 0.62 * size <= 1000
    layout = card_layout(card_text(a_card()), 1280, 720)
    assert [line.text for line in layout.lines] == [
        "Retro Weeknights",
        "UP NEXT",
        "Cheers",
        "S01E03 \u00b7 Any Friend of Diane's",
        "Later: Taxi",
    ]


# --- the cache ----------------------------------------------------------------------------


def test_a_card_is_rendered_once_and_a_different_one_anew(ffmpeg: FFmpeg, tmp_path: Path) -> None:
    """The same text in the same shape comes from the disk cache (a renderer whose ffmpeg does
    not exist still gets it); another text, or another shape, is rendered."""
    folder = tmp_path / "cards"
    first = CardRenderer(ffmpeg.path, folder)
    clip = render(first, a_card(), SMALL)
    assert first.renders == 1

    cached = CardRenderer("/nonexistent/ffmpeg", folder)
    assert render(cached, a_card(), SMALL) == clip
    assert cached.renders == 0
    with pytest.raises(FFmpegError):  # another text needs ffmpeg
        render(cached, a_card("Sam's Women"), SMALL)

    again = CardRenderer(ffmpeg.path, folder)
    other = render(again, a_card("Sam's Women"), SMALL)
    assert again.renders == 1 and other != clip
    assert card_job(a_card(), SMALL).key != card_job(a_card(), PROFILE).key
    assert card_job(a_card(), SMALL).key == card_job(a_card(), SMALL).key


def test_the_disk_cache_keeps_only_the_most_recently_used_cards(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """With room for two, a third card evicts the least recently used one; a card used again
    counts as recent."""
    folder = tmp_path / "cards"
    titles = ["One", "Two", "Three", "Four"]
    items = {title: a_card(title) for title in titles}

    async def main() -> None:
        renderer = CardRenderer(ffmpeg.path, folder, keep=2, in_memory=1)
        try:
            await renderer.render(items["One"], SMALL)
            await renderer.render(items["Two"], SMALL)
            await renderer.render(items["One"], SMALL)  # from disk: now the most recent
            await renderer.render(items["Three"], SMALL)
            assert renderer.renders == 3
            kept = set(renderer.shelf.keys())
            assert kept == {card_job(items[t], SMALL).key for t in ("One", "Three")}
            await renderer.render(items["Four"], SMALL)
            assert len(list(folder.glob("*.ts"))) == 2
            assert not list(folder.glob(".*"))  # no work files left behind
        finally:
            await renderer.aclose()

    asyncio.run(main())


def test_a_card_is_ready_only_once_rendered_in_the_background(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """``ready`` never waits: None until ``prepare``'s background render is done, then the clip;
    preparing the same card twice renders it once."""

    async def main() -> None:
        renderer = CardRenderer(ffmpeg.path, tmp_path / "cards")
        try:
            item = a_card()
            assert renderer.ready(item, SMALL) is None
            renderer.prepare(item, SMALL)
            renderer.prepare(item, SMALL)
            assert renderer.ready(item, SMALL) is None  # not yet: the render takes a while
            await renderer.idle()
            assert renderer.ready(item, SMALL) is not None and renderer.renders == 1
        finally:
            await renderer.aclose()

    asyncio.run(main())
