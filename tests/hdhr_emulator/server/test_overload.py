"""Overload on this 2-core machine: with ``--tuners auto`` the tune that the CPU cannot encode
is refused like a busy tuner (503 + 805) and the channels already running keep real time.

SLOW and LOAD-HEAVY on purpose (about 40 s, both cores busy): 1080p veryfast channels cost most
of a core each, so the second or third tune must be refused. Bounded: at most four tunes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ClipFactory
from tests.support.overload import HEAVY_PROFILE, heavy_library, tune_until_refused
from tests.support.server_process import running_server
from tests.support.streaming import write_config

pytestmark = pytest.mark.slow


def test_a_tune_the_cpu_cannot_encode_is_refused_and_running_channels_keep_real_time(
    tmp_path: Path, make_clip: ClipFactory
) -> None:
    channels = heavy_library(tmp_path / "media", 4, make_clip)
    config = write_config(tmp_path / "retrovue.toml", tmp_path / "media", channels, HEAVY_PROFILE)
    with running_server(
        "--config",
        config,
        data_dir=tmp_path / "data",
        command=("serve", "--tuners", "auto", "--linger", "1"),
    ) as server:
        tunes, refused = tune_until_refused(server.port, 4, settle=8.0, watch=10.0)
        log = server.log()
    assert refused, f"every heavy channel was admitted: {tunes}"
    last = tunes[-1]
    assert (last.status, last.error) == (503, "805 All Tuners In Use"), tunes
    assert "refusing a new channel" in log
    running = tunes[:-1]
    assert running, "the first channel is always admitted"
    # real time, with room for this machine's other tenants (starving ones measure 0.3-0.8)
    assert all(t.speed >= 0.9 for t in running), tunes
