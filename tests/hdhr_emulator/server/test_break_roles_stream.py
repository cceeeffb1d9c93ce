"""Break roles on the air: a real ``retrovue serve`` on 127.0.0.1 whose library has
``Bumpers/``, ``Commercials/`` and ``IDs/`` folders. Each break after a show opens with the
bumper, then the commercial; the station ID is never dealt into a break by the layout. The
schedule endpoint names each segment's role, and what a viewer hears changes tone where the
schedule says (±1 s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from tests.support.override_calls import call_api
from tests.support.server_process import RunningServer, running_server
from tests.support.streaming import (
    BackgroundViewer,
    assert_continuous,
    assert_decodes,
    decoded_audio,
    decoded_video,
    wait_for,
    write_config,
)
from tests.support.tone_seams import drifts_ms, seams_heard
from tests.support.ts_analysis import analyse

pytestmark = pytest.mark.slow

ClipCache = Callable[[ClipSpec, str], Path]
# file (under the media folder), seconds, tone
FILES = {
    "TV/Roles/Season 01/Roles - S01E01 - Low.mp4": (4.0, 440),
    "TV/Roles/Season 01/Roles - S01E02 - High.mp4": (4.0, 550),
    "Bumpers/back soon.mp4": (1.5, 660),
    "Commercials/cola.mp4": (2.0, 990),
    "IDs/station.mp4": (2.0, 1320),
}
RECORD_SECONDS = 18


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, clip_cache: ClipCache
) -> Iterator[tuple[RunningServer, dict[str, int]]]:
    root = tmp_path_factory.mktemp("roles")
    media = root / "media"
    tones: dict[str, int] = {}
    for name, (seconds, tone) in FILES.items():
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(clip_cache(ClipSpec(duration=seconds, tone_hz=tone), "mp4").read_bytes())
        tones[str(path)] = tone
    config = write_config(
        root / "retrovue.toml",
        media,
        # no station IDs near the hour (id_window_minutes = 0): what airs must not depend on
        # the time of day the test runs (IDs on the air: test_programming_air.py)
        '[[channel]]\nnumber = 1\nname = "Roles"\nshows = ["Roles"]\n'
        "filler = { items = 1, id_window_minutes = 0 }\n",
    )
    with running_server(
        "--config", config, data_dir=root / "data", command=("serve", "--linger", "1")
    ) as server:
        yield server, tones


def test_breaks_open_with_a_bumper_and_air_as_scheduled(
    served: tuple[RunningServer, dict[str, int]],
) -> None:
    server, tones = served
    status, schedule = call_api(server, "/channels/1/schedule")
    assert status == 200
    segments = schedule["segments"]
    kinds = [segment["kind"] for segment in segments]
    # every slot: the show, the bumper, one commercial, the slate up to the whole second
    slot = ["programme", "bumper", "commercial", "slate"]
    first = kinds.index("programme")
    assert kinds[first : first + 8] == slot * 2, kinds[:10]
    assert "id" not in kinds  # never dealt into breaks; decorate adds them near the hour only

    with BackgroundViewer(server.port, f"/auto/v1?duration={RECORD_SECONDS}") as viewer:
        assert wait_for(lambda: viewer.received() > 0, 15)
        capture = viewer.wait(RECORD_SECONDS + 30)
    assert capture.status == 200 and not capture.cut
    data = capture.body
    report = analyse(data)
    assert_continuous(report, audio_gap=1.0)  # the slate's half second is silence, not a hole
    assert_decodes(data, decoded_video(data), decoded_audio(data))

    seams = seams_heard(data, sorted(set(tones.values())))[1:]  # the first tone: joined mid-way
    heard = [seam.tone for seam in seams]
    assert 1320 not in heard, "a station ID was dealt into a break"
    cycle = [440, 660, 990, 550, 660, 990]
    # the bumper and the commercial follow both shows: align on any place in the loop
    assert any(
        heard == [cycle[(at + n) % len(cycle)] for n in range(len(heard))]
        for at in range(len(cycle))
    ), heard
    assert len(heard) >= 6  # a whole loop: both shows, both breaks

    starts: dict[int, list[float]] = {}
    for segment in segments:
        if segment["source"] in tones:
            start = datetime.fromisoformat(segment["start"]).timestamp()
            starts.setdefault(tones[segment["source"]], []).append(start)
    stream_start = min(stream.start for stream in report.streams.values())
    first_at = capture.sent_at + seams[0].pts - stream_start
    drifts = drifts_ms(seams, starts, first_at)
    assert max(map(abs, drifts)) <= 1000, f"seams off the schedule by (ms): {drifts}"
