"""Shared fixtures: a real ffmpeg and a factory of small real clips, cached per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg, find_ffmpeg
from tests.support.plex_standin import (
    STANDIN_TOKEN,
    BuiltLibrary,
    PlexStandin,
    build_library,
)

ClipFactory = Callable[..., Path]

# Every test fails if it leaves a thread, child process or socket behind, or blocks an event loop.
pytest_plugins = ["tests.support.guards"]


@pytest.fixture(scope="session")
def ffmpeg() -> FFmpeg:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def clip_cache(
    tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg
) -> Callable[[ClipSpec, str], Path]:
    """Render each distinct clip once per session; tests copy it where they need it."""
    root = tmp_path_factory.mktemp("clips")
    rendered: dict[tuple[ClipSpec, str], Path] = {}

    def get(spec: ClipSpec, ext: str) -> Path:
        key = (spec, ext)
        if key not in rendered:
            rendered[key] = render_clip(ffmpeg.path, root / f"clip{len(rendered)}.{ext}", spec)
        return rendered[key]

    return get


@pytest.fixture
def make_clip(clip_cache: Callable[[ClipSpec, str], Path]) -> ClipFactory:
    """``make_clip(path, duration=2.0, audio=True, width=320, ...)`` puts a real clip at
    ``path``."""

    def make(path: Path, duration: float = 2.0, **shape: object) -> Path:
        ext = path.suffix.lstrip(".") or "mp4"
        source = clip_cache(ClipSpec(duration=duration, **shape), ext)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        return path

    return make


def require_tool(name: str) -> str:
    """The path of an external client the test drives; skip if absent — unless CI demands it.

    ``.ci/run`` sets RETROVUE_REQUIRE_TOOLS=1 after installing the Debian packages, so a missing
    tool fails there instead of silently skipping the conformance tests.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("RETROVUE_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required (RETROVUE_REQUIRE_TOOLS=1) but not installed")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def tv_library(tmp_path: Path, make_clip: ClipFactory) -> Path:
    """A small library laid out as the README shows: two shows, two movies, commercials,
    plus a truncated file and a non-video file posing as video."""
    root = tmp_path / "media"
    for n, title in enumerate(["Give Me a Ring Sometime", "Sams Women"], start=1):
        make_clip(root / "TV/Cheers/Season 01" / f"Cheers - S01E{n:02d} - {title}.mp4", 3.0)
    make_clip(root / "TV/Taxi/Season 1/Taxi 1x01 Like Father.mkv", 2.0, tone_hz=660)
    make_clip(root / "Movies/Airplane! (1980)/Airplane! (1980).mp4", 4.0, tone_hz=330)
    make_clip(root / "Movies/Top Secret! (1984).mp4", 4.0, tone_hz=330, audio=False)
    make_clip(root / "Commercials/01 Cola.mp4", 1.0, tone_hz=880)
    make_clip(root / "TV/bumpers/ident.mp4", 1.0, tone_hz=990)
    broken = make_clip(root / "TV/Cheers/Season 01/Cheers - S01E03 - Broken.mp4", 3.0)
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 3])
    (root / "TV/Taxi/Season 1/Taxi 1x02 Not Video.mp4").write_text("this is not a video\n")
    return root


# --- Plex stand-in (tests/support/plex_standin.py) --------------------------------------------


@pytest.fixture
def plex_library(tmp_path: Path, make_clip: ClipFactory) -> BuiltLibrary:
    """``(library, root)``: the small Plex library of real clips (``build_library``).

    PMS reports its files under ``/data``; they live under ``root``, so the path map
    ``{"/data": str(root)}`` makes them readable locally, and no map forces HTTP playback.
    """
    root = tmp_path / "plex-media"
    return BuiltLibrary(build_library(make_clip, root), root)


@pytest.fixture
def plex_standin(plex_library: BuiltLibrary) -> Iterator[PlexStandin]:
    """A running stand-in PMS serving ``plex_library`` with token ``STANDIN_TOKEN``."""
    with PlexStandin(plex_library.library, token=STANDIN_TOKEN) as standin:
        yield standin
