"""The PES gate against real ffmpeg items cut anywhere: nothing cut short ever gets through."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.ts import PACKET_SIZE, PesGate
from hdhr_emulator.playout.ts.packets import PID_NULL
from tests.support.ts_analysis import analyse
from tests.support.ts_clips import Items, remux_warnings, render_items

VIDEO, AUDIO = 0x100, 0x101


@pytest.fixture(scope="module")
def items(
    ffmpeg: FFmpeg,
    clip_cache: Callable[[ClipSpec, str], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Items:
    return render_items(ffmpeg.path, clip_cache, tmp_path_factory.mktemp("gate-items"))


def through(gate: PesGate, data: bytes, read: int = 64 * PACKET_SIZE) -> bytes:
    """``data`` fed the way the session reads ffmpeg: in whole-packet reads."""
    return b"".join(gate.feed(data[at : at + read]) for at in range(0, len(data), read))


def pes_sizes(data: bytes, pid: int) -> list[int]:
    """Payload bytes of each PES of ``pid`` that is followed by another one (i.e. whole)."""
    sizes: list[int] = []
    current: int | None = None
    for at in range(0, len(data), PACKET_SIZE):
        b = data[at : at + PACKET_SIZE]
        if ((b[1] & 0x1F) << 8) | b[2] != pid or not b[3] & 0x10:
            continue
        payload = PACKET_SIZE - 4 - (b[4] + 1 if b[3] & 0x20 else 0)
        if b[1] & 0x40:
            if current is not None:
                sizes.append(current)
            current = 0
        if current is not None:
            current += payload
    return sizes


def test_a_clean_end_passes_everything_unchanged(items: Items) -> None:
    gate = PesGate()
    out = through(gate, items.plain) + gate.finish()
    assert out == items.plain
    assert gate.discarded == 0 and gate.held == 0


def test_one_big_read_is_gated_like_many_small_ones(items: Items) -> None:
    """A whole recording in one call (as the stall benchmark judges one) holds back only the
    open PES, like reads of 84 KiB do."""
    whole = items.plain * (1 + (4 << 20) // len(items.plain))  # > 4 MiB: the gate ignores time
    data = whole[: len(whole) - len(items.plain) // 3 // PACKET_SIZE * PACKET_SIZE]
    big, small = PesGate(), PesGate()
    out = big.feed(data) + big.cut()
    assert out == through(small, data) + small.cut()
    assert big.discarded > 0


def test_bytes_are_held_only_back_to_the_open_access_units(items: Items) -> None:
    """While an item streams, the gate lags by about one frame, not more."""
    gate = PesGate()
    half = items.plain[: len(items.plain) // 2 // PACKET_SIZE * PACKET_SIZE]
    out = through(gate, half)
    assert len(out) + gate.held == len(half)
    assert 0 < gate.held < len(items.plain) // 20  # well under 0.1 s of a 2 s item


@pytest.mark.parametrize("fraction", [0.13, 0.31, 0.5, 0.77, 0.9])
def test_a_process_cut_anywhere_leaves_only_whole_access_units(
    items: Items, ffmpeg: FFmpeg, tmp_path: Path, fraction: float
) -> None:
    """Cut at an arbitrary byte (mid-frame, as SIGKILL or SIGSTOP would): the output is the
    input minus each stream's last, unfinished PES; every PES in it is whole and in order, and
    ffmpeg decodes it without a complaint. Without the gate the same cut does not decode
    cleanly (checked: the raw prefix ends in half a picture)."""
    data = items.plain
    cut = int(len(data) * fraction) // PACKET_SIZE * PACKET_SIZE + 5 * PACKET_SIZE
    prefix = data[:cut]
    gate = PesGate()
    out = through(gate, prefix) + gate.cut()
    assert gate.discarded > 0 and len(out) + gate.discarded == len(prefix)
    for pid in (VIDEO, AUDIO):
        kept = pes_sizes(out + _pusi(pid), pid)  # close the last one kept
        whole = pes_sizes(data, pid)
        assert kept == whole[: len(kept)], f"pid {pid:#x}: a PES was cut short"
    assert analyse(out).cc_error_total == 0  # only each PID's tail is dropped
    spliced = tmp_path / "gated.ts"
    spliced.write_bytes(out)
    assert remux_warnings(ffmpeg.path, spliced, decode=True) == ""


def test_the_cut_short_frame_would_be_a_decode_error(
    items: Items, ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """The reason for the gate: a prefix ending mid-picture does not decode cleanly."""
    data = items.plain
    video_starts = [
        at
        for at in range(0, len(data), PACKET_SIZE)
        if ((data[at + 1] & 0x1F) << 8) | data[at + 2] == VIDEO and data[at + 1] & 0x40
    ]
    # half-way through the first (big) keyframe after the middle of the item
    start, end = next((a, b) for a, b in itertools.pairwise(video_starts) if a > len(data) // 2)
    raw = tmp_path / "raw.ts"
    raw.write_bytes(data[: (start + end) // 2 // PACKET_SIZE * PACKET_SIZE])
    assert remux_warnings(ffmpeg.path, raw, decode=True) != ""


def _pusi(pid: int) -> bytes:
    """One packet that starts a new (empty) PES of ``pid``: ends the PES before it."""
    head = bytes([0x47, 0x40 | (pid >> 8), pid & 0xFF, 0x10, 0, 0, 1, 0xE0, 0, 0])
    return head + bytes(PACKET_SIZE - len(head))


def test_a_pid_that_stops_is_not_held_forever(items: Items) -> None:
    """A stream that ends early (audio shorter than video) does not hold the others back
    once ``stale`` bytes of other streams followed its last packet."""
    gate = PesGate(stale=50 * PACKET_SIZE)
    video_only = b"".join(
        items.plain[at : at + PACKET_SIZE]
        for at in range(0, len(items.plain), PACKET_SIZE)
        if ((items.plain[at + 1] & 0x1F) << 8) | items.plain[at + 2] not in (AUDIO, PID_NULL)
    )
    lone_audio = _pusi(AUDIO)  # a PES without a stated length that never continues
    out = gate.feed(lone_audio) + through(gate, video_only)
    assert gate.held <= 50 * PACKET_SIZE + 64 * PACKET_SIZE
    assert len(out) > len(video_only) // 2
