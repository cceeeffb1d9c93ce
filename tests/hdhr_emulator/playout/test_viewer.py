"""A viewer's buffer: the joining burst never drops it; falling behind by the allowance does."""

from __future__ import annotations

import asyncio

from hdhr_emulator.playout.viewer import WRITE_ALIGN, Viewer


def test_a_big_joining_burst_is_on_top_of_the_allowance() -> None:
    viewer = Viewer(max_bytes=10 * WRITE_ALIGN)
    viewer.prime(b"\0" * (25 * WRITE_ALIGN))  # a copy channel's 8-s GOP, say
    assert not viewer.closed
    assert viewer.push(b"\0" * (9 * WRITE_ALIGN))
    assert not viewer.push(b"\0" * (2 * WRITE_ALIGN))  # now behind by more than the allowance
    assert viewer.dropped_reason == f"fell behind by more than {10 * WRITE_ALIGN // 1024} KiB"


def test_reading_makes_room_again() -> None:
    async def run() -> int:
        viewer = Viewer(max_bytes=4 * WRITE_ALIGN)
        viewer.prime(b"\1" * (8 * WRITE_ALIGN))
        got = len(await viewer.next_chunk())
        assert viewer.push(b"\2" * (4 * WRITE_ALIGN))
        return got

    assert asyncio.run(run()) == 8 * WRITE_ALIGN


def test_big_bursts_leave_in_aligned_capped_writes_in_order() -> None:
    from hdhr_emulator.playout.viewer import MAX_WRITE

    async def run() -> list[bytes]:
        viewer = Viewer()
        burst = bytes(range(256)) * (3 * MAX_WRITE // 256 + 7)
        viewer.prime(burst)
        viewer.push(b"tail" * 400)
        out = []
        while viewer.buffered >= WRITE_ALIGN:
            out.append(await viewer.next_chunk())
        assert b"".join(out) == (burst + b"tail" * 400)[: sum(map(len, out))]
        return out

    writes = asyncio.run(run())
    assert all(len(w) % WRITE_ALIGN == 0 and 0 < len(w) <= MAX_WRITE for w in writes)
    assert len(writes) >= 4
