"""PacketBuffer: whole packets out of arbitrary pipe reads, and resync after garbage."""

from __future__ import annotations

import logging
import random

import pytest

from hdhr_emulator.playout.ts import PACKET_SIZE, PacketBuffer


def make_packets(count: int, seed: int = 1) -> bytes:
    """Packets with random payloads (so 0x47 look-alikes, one byte in 256)."""
    rng = random.Random(seed)
    out = bytearray()
    for n in range(count):
        out += bytes((0x47, 0x01, n % 256, 0x10 | n % 16))
        out += rng.randbytes(PACKET_SIZE - 4)
    return bytes(out)


def feed_in_pieces(buffer: PacketBuffer, data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray()
    at = 0
    while at < len(data):
        size = rng.choice((1, 7, 100, 187, 188, 189, 1316, 5000))
        piece = buffer.feed(data[at : at + size])
        assert len(piece) % PACKET_SIZE == 0
        out += piece
        at += size
    return bytes(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_chunking_gives_back_the_same_packets(seed: int) -> None:
    data = make_packets(200, seed)
    buffer = PacketBuffer()
    assert feed_in_pieces(buffer, data, seed) == data
    assert buffer.pending == 0 and buffer.dropped == 0


def test_partial_packet_is_kept_for_the_next_read() -> None:
    data = make_packets(3)
    buffer = PacketBuffer()
    assert buffer.feed(data[:300]) == data[:188]
    assert buffer.pending == 112
    assert buffer.feed(data[300:]) == data[188:]


@pytest.mark.parametrize(
    "garbage",
    [b"\x00" * 50, b"\x47" * 3 + b"junk", bytes(range(256)) * 3],
    ids=["zeros", "fake-syncs", "ramp-with-0x47"],
)
def test_resync_after_garbage_between_packets(
    garbage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    good = make_packets(40)
    data = good[: 10 * PACKET_SIZE] + garbage + good[10 * PACKET_SIZE :]
    buffer = PacketBuffer()
    with caplog.at_level(logging.WARNING, logger="hdhr_emulator.playout.ts.buffer"):
        out = feed_in_pieces(buffer, data, seed=4)
    assert out == good
    assert buffer.dropped == len(garbage)
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("TS input lost sync: skipping")


def test_a_packet_cut_short_is_dropped_with_the_garbage() -> None:
    good = make_packets(20)
    cut = 5 * PACKET_SIZE
    data = good[: cut + 100] + good[cut + PACKET_SIZE :]  # packet 5 lost its last 88 bytes
    buffer = PacketBuffer()
    assert buffer.feed(data) == good[:cut] + good[cut + PACKET_SIZE :]
    assert buffer.dropped == 100


def test_garbage_before_the_first_packet() -> None:
    good = make_packets(5)
    buffer = PacketBuffer()
    assert buffer.feed(b"ffmpeg noise\n" + good) == good
    assert buffer.dropped == 13


def test_unconfirmed_alignment_waits_for_more_data() -> None:
    good = make_packets(5)
    buffer = PacketBuffer()
    assert buffer.feed(b"\x00" * 10 + good[:200]) == b""  # one sync byte seen, not confirmed
    assert buffer.feed(good[200:]) == good
