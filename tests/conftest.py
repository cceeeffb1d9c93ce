"""Shared fixtures: a real ffmpeg and a factory of small real clips, cached per test session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.ffmpeg_binary import FFmpeg, find_ffmpeg
from hdhr_emulator.testpattern import ClipSpec, render_clip

ClipFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def ffmpeg() -> FFmpeg:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg) -> Callable[[ClipSpec, str], Path]:
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
    """``make_clip(path, duration=2.0, audio=True, width=320, ...)`` puts a real clip at ``path``."""

    def make(path: Path, duration: float = 2.0, **shape: object) -> Path:
        ext = path.suffix.lstrip(".") or "mp4"
        source = clip_cache(ClipSpec(duration=duration, **shape), ext)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        return path

    return make
