"""The built-in demo library: test-pattern "shows", a movie and commercials, rendered once.

``retrovue serve`` with neither ``--media`` nor ``--config`` uses it, so a newcomer sees TV in VLC
within a minute of installing. Each show has its own tone so channel changes are audible, and
every clip has its title burned in so the guide can be checked against the picture.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.drawtext import find_font

log = logging.getLogger(__name__)

_DONE_MARKER = ".demo-complete-v1"
CONFIG_NAME = "retrovue.toml"

# Written beside the clips: the demo's shows are a minute long, so its channels declare a
# one-commercial break and no padding (the automatic lineup pads to :00/:30, which would turn a
# one-minute show into half an hour of commercials). It doubles as an example config.
DEMO_CONFIG = """\
# The Retrovue demo lineup. Copy this file to start your own: see README.md.
media = ["."]

[[channel]]
number = 1
name = "Test Pattern Theatre"
shows = ["Test Pattern Theatre"]
filler = { items = 1 }

[[channel]]
number = 2
name = "Tone Patrol"
shows = ["Tone Patrol"]
filler = { items = 1 }

[[channel]]
number = 3
name = "Movies"
movies = true
filler = { items = 2 }
"""


@dataclass(frozen=True, slots=True)
class DemoClip:
    """One file of the demo library, relative to its root."""

    relative_path: str
    spec: ClipSpec


def _show(name: str, tone: int, titles: list[str], seconds: float) -> list[DemoClip]:
    return [
        DemoClip(
            f"TV/{name}/Season 01/{name} - S01E{n:02d} - {title}.mp4",
            ClipSpec(
                seconds, title=f"{name} S01E{n:02d} {title}", tone_hz=tone, width=640, height=360
            ),
        )
        for n, title in enumerate(titles, start=1)
    ]


def demo_clips() -> list[DemoClip]:
    """The demo library's contents: two shows, one movie, four commercials."""
    clips = _show("Test Pattern Theatre", 440, ["Pilot", "The Colour Bars", "Sync Pulse"], 60)
    clips += _show("Tone Patrol", 660, ["First Beep", "Overmodulated", "Dead Air"], 60)
    clips.append(
        DemoClip(
            "Movies/The Long Test (1984)/The Long Test (1984).mp4",
            ClipSpec(180, title="The Long Test (1984)", tone_hz=330, width=640, height=360),
        )
    )
    for n, (name, tone) in enumerate(
        [("Cola", 880), ("Cereal", 990), ("Cars", 550), ("Radio", 770)], 1
    ):
        clips.append(
            DemoClip(
                f"Commercials/{n:02d} {name}.mp4",
                ClipSpec(10, title=f"Buy {name}!", tone_hz=tone, width=640, height=360),
            )
        )
    return clips


def ensure_demo_library(
    ffmpeg: str, root: Path, on_progress: Callable[[float, float], None] | None = None
) -> Path:
    """Render the demo library into ``root`` unless a complete one is there; return its config.

    Progress is reported in seconds of media rendered, which tracks wall time better than files.
    Clips are written atomically and the marker last, so an interrupted run resumes cleanly.
    """
    if (root / _DONE_MARKER).exists() and (root / CONFIG_NAME).exists():
        return root / CONFIG_NAME
    clips = demo_clips()
    total = sum(c.spec.duration for c in clips)
    done = 0.0
    log.info("rendering the demo library into %s", root)
    if find_font() is None:
        log.warning(
            "no TrueType font found: the demo's titles will not be burned in (install "
            "fonts-dejavu-core, then delete %s to render it again)",
            root,
        )
    for clip in clips:
        target = root / clip.relative_path
        if not target.exists():
            render_clip(ffmpeg, target, clip.spec)
        done += clip.spec.duration
        if on_progress:
            on_progress(done, total)
    (root / CONFIG_NAME).write_text(DEMO_CONFIG)
    (root / _DONE_MARKER).write_text("complete\n")
    return root / CONFIG_NAME
