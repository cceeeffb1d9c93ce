"""The picture of an "up next" card: which lines it shows, where, how big, and the ffmpeg argv
that draws it (pure: no files or processes here).

A clean broadcast look on a dark navy field: the channel's name top left over a thin rule, its
logo top right, a gold bar beside "UP NEXT", the programme's title large, its episode line
below, and "Later: …" on a darker band at the bottom. Sizes are fractions of the picture's
height, so a card looks the same at every profile size. drawtext cannot wrap or shrink text to
fit, so each line's font size is chosen here from an estimate of its width, and a title too
long even at the smallest size is cut with an ellipsis.

The text reaches ffmpeg through ``textfile=`` files with ``expansion=none``: no character of a
title (quote, colon, percent sign, backslash, any Unicode) is ever parsed as filter syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from hdhr_emulator.playout.drawtext import escape_filter_path
from hdhr_emulator.playout.ffmpeg_args import (
    fps_fraction,
    silence_input,
    still_clip_output,
)
from lineup.cards import CardText
from lineup.models import ChannelProfile

BACKGROUND = "0x0b1630"  # deep navy
BAND = "0x060d1c"  # the darker band behind "Later"
RULE = "0x2e4470"  # the thin line under the channel's name
GOLD = "0xf2b705"  # "UP NEXT" and its bar
WHITE = "0xffffff"
SOFT = "0xc8d2e6"  # secondary text
UP_NEXT = "UP NEXT"
GLYPH_WIDTH = 0.62  # a DejaVu Sans Bold character's width, in font sizes (a safe average)
MIN_SIZE_SHARE = 0.55  # a line shrinks to this share of its size before it is cut


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text: drawn from ``x``, ``y`` (its top) at ``size`` pixels."""

    text: str
    size: int
    color: str
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Box:
    """A filled rectangle (the rule, the bar, the band)."""

    x: int
    y: int
    width: int
    height: int
    color: str


@dataclass(frozen=True, slots=True)
class CardLayout:
    """Everything drawn on one card, and where its logo goes: top right, ``logo_height``
    tall, its right edge ``logo_right`` from the picture's, its top at ``logo_top``."""

    lines: tuple[Line, ...]
    boxes: tuple[Box, ...]
    logo_height: int
    logo_right: int
    logo_top: int


def fit(text: str, size: int, room: int) -> tuple[str, int]:
    """``text`` and a font size at most ``size`` at which it fits ``room`` pixels: shrunk down
    to ``MIN_SIZE_SHARE`` of ``size``, then cut with an ellipsis."""
    if not text:
        return text, size
    needed = GLYPH_WIDTH * size * len(text)
    if needed <= room:
        return text, size
    smallest = max(1, round(size * MIN_SIZE_SHARE))
    shrunk = int(room / (GLYPH_WIDTH * len(text)))
    if shrunk >= smallest:
        return text, shrunk
    chars = max(1, int(room / (GLYPH_WIDTH * smallest)) - 1)
    return text[:chars].rstrip() + "\u2026", smallest


def card_layout(text: CardText, width: int, height: int) -> CardLayout:
    """Where everything goes on a ``width`` × ``height`` card saying ``text``."""
    margin = round(width * 0.07)
    bar = max(4, height // 90)
    text_x = margin + bar + round(width * 0.025)
    room = width - text_x - margin
    wanted: list[tuple[str, int, str, int, int, int]] = [
        # text, size, colour, x, y, room
        (text.channel, height // 18, SOFT, margin, round(height * 0.08), round(width * 0.6)),
        (UP_NEXT, height // 15, GOLD, text_x, round(height * 0.30), room),
        (text.up_next, height // 9, WHITE, text_x, round(height * 0.39), room),
        (text.up_next_detail, height // 17, SOFT, text_x, round(height * 0.54), room),
    ]
    if text.later:
        later = f"Later: {text.later}"
        wanted.append((later, height // 18, SOFT, text_x, round(height * 0.86), room))
    lines = []
    for words, size, color, x, y, space in wanted:
        shown, fitted = fit(words.strip(), max(8, size), space)
        if shown:
            lines.append(Line(shown, fitted, color, x, y))
    boxes = (
        Box(0, round(height * 0.80), width, height - round(height * 0.80), BAND),
        Box(margin, round(height * 0.17), width - 2 * margin, max(2, height // 240), RULE),
        Box(margin, round(height * 0.30), bar, round(height * 0.33), GOLD),
    )
    return CardLayout(tuple(lines), boxes, round(height * 0.1), margin, round(height * 0.05))


def card_command(
    ffmpeg: str,
    profile: ChannelProfile,
    layout: CardLayout,
    textfiles: tuple[str, ...],
    seconds: float,
    output: str,
    font: str | None,
    logo: str | None = None,
) -> list[str]:
    """The argv rendering ``layout`` into a ``seconds``-long clip in ``profile`` at ``output``:
    one still picture (with the logo overlaid, if any) and silence, encoded as every item is.
    ``textfiles[i]`` holds ``layout.lines[i].text``; without a ``font`` no text is drawn."""
    rate = fps_fraction(profile.fps)
    size = f"{profile.width}x{profile.height}"
    duration = f"{max(0.0, seconds):.3f}"
    field = f"color=c={BACKGROUND}:s={size}:r={rate.numerator}/{rate.denominator}"
    # the picture is drawn once, on the first frame, and that frame repeated (``loop``): the
    # text is the same on every frame, so drawing it 180 times would only cost time
    filters = ["trim=end_frame=1"]
    filters += [
        f"drawbox=x={b.x}:y={b.y}:w={b.width}:h={b.height}:color={b.color}:t=fill"
        for b in layout.boxes
    ]
    if font:
        fontfile = escape_filter_path(font)
        filters += [
            f"drawtext=fontfile={fontfile}:textfile={escape_filter_path(path)}:expansion=none"
            f":fontsize={line.size}:fontcolor={line.color}:x={line.x}:y={line.y}"
            for line, path in zip(layout.lines, textfiles, strict=True)
        ]
    graph = f"[0:v]{','.join(filters)}"
    inputs = ["-f", "lavfi", "-i", field, *silence_input(profile)]
    if logo is not None:
        inputs += ["-i", logo]
        graph += (
            f"[card];[2:v]scale=-2:{layout.logo_height},format=rgba[logo];"
            f"[card][logo]overlay=x=main_w-overlay_w-{layout.logo_right}"
            f":y={layout.logo_top}:eof_action=repeat"
        )
    graph += ",loop=loop=-1:size=1,format=yuv420p[v]"
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        "1:a:0",
        "-t",
        duration,
        *still_clip_output(profile, output),
    ]
