"""How fast an emergency override reaches a viewer: ``python -m benchmarks.bench_override``.

Starts a real ``retrovue serve`` on 127.0.0.1 with one channel (two 6 s test clips, 320x240 at
25 fps, ultrafast), keeps one viewer on it for the whole run, and ``--rounds`` times: waits
``--gap`` s, POSTs a message override on the channel, waits ``--hold`` s, DELETEs it. Then it
decodes the recording and reports, per switch (start and end):

* **arrival**: from sending the request to the arrival of the first byte of the first picture
  of the new content (the message card's red, or the schedule's picture again). This is the
  "switch within 1 s" of issue 11: what the server controls.
* **media lead**: how much stream the viewer had already received, beyond the moment of the
  request, before the new content: a player that plays at real time from its tune-in burst
  shows the switch this much later (the stream runs ``BURST_SECONDS`` ahead of real time so
  clients start fast; bytes already sent cannot be recalled).

and, for the whole recording: decode errors, continuity errors, PTS/DTS/PCR backsteps, the
longest video and audio holes, and whether the viewer stayed connected.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.override_calls import call_api, is_card
from tests.support.picture_times import Picture, arrived_at, first_picture, pictures, received_by
from tests.support.server_process import RunningServer, running_server
from tests.support.streaming import (
    BackgroundViewer,
    Capture,
    decoded_audio,
    decoded_video,
    wait_for,
    write_config,
)
from tests.support.ts_analysis import analyse


def post(server: RunningServer, path: str, method: str, body: Any = None) -> Any:
    status, reply = call_api(server, path, method, body)
    if status >= 300:
        raise SystemExit(f"{method} {path}: {status} {reply}")
    return reply


def switch_times(
    capture: Capture, found: list[Picture], sent: float, test: Any, after: int
) -> tuple[float, float, int]:
    """(arrival s, media lead s, byte position) of the first picture passing ``test``."""
    picture = first_picture(found, test, after)
    if picture is None:
        raise SystemExit(f"the switch requested at {sent:.3f} never reached the viewer")
    had = received_by(capture, sent)
    before = [p for p in found if p.pos < had]
    lead = picture.time - before[-1].time if before else 0.0
    return arrived_at(capture, picture.pos) - sent, lead, picture.pos


def run(rounds: int, gap: float, hold: float) -> dict[str, Any]:
    ffmpeg = find_ffmpeg().path
    with tempfile.TemporaryDirectory(prefix="bench-override-") as scratch:
        root = Path(scratch)
        media = root / "media"
        season = media / "TV/Steady/Season 01"
        render_clip(ffmpeg, season / "Steady - S01E01 - Low.mp4", ClipSpec(6.0, tone_hz=440))
        render_clip(ffmpeg, season / "Steady - S01E02 - High.mp4", ClipSpec(6.0, tone_hz=660))
        config = write_config(
            root / "retrovue.toml",
            media,
            '[[channel]]\nnumber = 1\nname = "Steady"\nshows = ["Steady"]\n'
            "filler = { items = 0 }\n",
        )
        seconds = int(rounds * (gap + hold + 2) + gap + 5)  # the requests take time too
        with running_server("--config", config, data_dir=root / "data") as server:
            requests: list[tuple[float, float, float]] = []  # (start sent, end sent, POST s)
            with BackgroundViewer(server.port, f"/auto/v1?duration={seconds}", 30) as viewer:
                if not wait_for(lambda: viewer.received() > 0, 15):
                    raise SystemExit("the viewer got nothing")
                for n in range(rounds):
                    time.sleep(gap)
                    started = time.time()
                    override = post(
                        server, "/override", "POST", {"channels": [1], "message": f"Alert {n}"}
                    )
                    answered = time.time() - started
                    time.sleep(hold)
                    ended = time.time()
                    post(server, f"/override/{override['id']}", "DELETE")
                    requests.append((started, ended, answered))
                capture = viewer.wait(seconds + 30)
    return judge(capture, requests)


def judge(capture: Capture, requests: list[tuple[float, float, float]]) -> dict[str, Any]:
    found = pictures(capture.body)
    starts: list[tuple[float, float]] = []
    ends: list[tuple[float, float]] = []
    at = 0
    for started, ended, _ in requests:
        arrival, lead, at = switch_times(capture, found, started, is_card, at)
        starts.append((arrival, lead))
        arrival, lead, at = switch_times(capture, found, ended, lambda c: not is_card(c), at)
        ends.append((arrival, lead))
    report = analyse(capture.body)
    video, audio = decoded_video(capture.body), decoded_audio(capture.body)
    streams = [s for s in (report.video, report.audio) if s is not None]
    end = min(s.end for s in streams)
    return {
        "rounds": len(requests),
        "start_arrival_s": [a for a, _ in starts],
        "end_arrival_s": [a for a, _ in ends],
        "start_media_lead_s": [lead for _, lead in starts],
        "end_media_lead_s": [lead for _, lead in ends],
        "post_response_s": [answered for _, _, answered in requests],
        # a capture ends mid-frame when ?duration= cuts it: errors in its last 0.5 s are that
        "decode_errors": sum(1 for t in video.errors + audio.errors if t < end - 0.5),
        "decode_error_times_s": sorted(video.errors + audio.errors),
        "stream_end_s": end,
        "cc_errors": report.cc_error_total,
        "dts_backsteps": sum(s.dts_backsteps for s in streams),
        "pcr_backsteps": report.pcr_backsteps,
        "video_max_gap_s": report.video.max_gap if report.video else None,
        "audio_max_gap_s": report.audio.max_gap if report.audio else None,
        "video_max_step_s": report.video.max_step if report.video else None,
        "audio_max_step_s": report.audio.max_step if report.audio else None,
        "connected": capture.status == 200 and not capture.cut,
        "seconds": capture.elapsed,
    }


def spread(values: Sequence[float]) -> str:
    return (
        f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"
        if values
        else "-"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="overrides started and ended")
    parser.add_argument("--gap", type=float, default=3.0, help="s of schedule before each")
    parser.add_argument("--hold", type=float, default=3.0, help="s each override lasts")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    result = run(args.rounds, args.gap, args.hold)
    print(f"{result['rounds']} overrides on one watched channel (min / median / max, seconds)")
    print(f"  start: arrival    {spread(result['start_arrival_s'])}")
    print(f"  end:   arrival    {spread(result['end_arrival_s'])}")
    print(f"  start: media lead {spread(result['start_media_lead_s'])}")
    print(f"  end:   media lead {spread(result['end_media_lead_s'])}")
    print(f"  POST answered in  {spread(result['post_response_s'])}")
    print(
        f"  decode errors {result['decode_errors']}, CC errors {result['cc_errors']}, "
        f"DTS backsteps {result['dts_backsteps']}, PCR backsteps {result['pcr_backsteps']}, "
        f"longest video/audio hole {result['video_max_gap_s']:.3f}/"
        f"{result['audio_max_gap_s']:.3f} s, longest video/audio DTS step "
        f"{result['video_max_step_s']:.3f}/{result['audio_max_step_s']:.3f} s, "
        f"viewer connected: {result['connected']}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
