"""``serve`` goes on the air after a quick scan and finds natural break points just after.

The search for black-and-silent moments costs about a tenth of a CPU-second per media-minute,
minutes for a library scanned before it existed: the channels must not wait for it. A real
``retrovue serve`` on 127.0.0.1 with an episode that has two black-and-silent gaps: the catalog
has no break points for it when the server is ready, and has them once the re-scan it starts
10 s later has run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.catalog import Catalog
from lineup.models import ItemKind
from tests.lineup.test_breaks import GAP_MIDDLES, GAPPED
from tests.support.break_clips import render_break_clip
from tests.support.server_process import running_server
from tests.support.streaming import wait_for

pytestmark = pytest.mark.slow


def episode_breaks(db: Path) -> tuple[float, ...] | None:
    with Catalog.open(db) as catalog:
        found = [item for item in catalog.items() if item.kind == ItemKind.EPISODE]
    return found[0].breaks if found else None


def test_serve_starts_before_looking_for_breaks_then_finds_them(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    clip = render_break_clip(ffmpeg.path, tmp_path / "gapped.mp4", GAPPED)
    episode = tmp_path / "media/TV/Cheers/Season 01/Cheers - S01E01 - Pilot.mp4"
    episode.parent.mkdir(parents=True)
    shutil.copyfile(clip, episode)
    data = tmp_path / "data"
    with running_server("--media", tmp_path / "media", data_dir=data):
        assert episode_breaks(data / "retrovue.db") == ()  # on the air without them
        assert wait_for(lambda: bool(episode_breaks(data / "retrovue.db")), 60)
        assert episode_breaks(data / "retrovue.db") == pytest.approx(GAP_MIDDLES, abs=0.25)
