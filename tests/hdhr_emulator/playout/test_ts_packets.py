"""Packet fields, PES timestamps and PCR: exact bytes, in place, round trips."""

from __future__ import annotations

import pytest

from hdhr_emulator.playout.ts import packets
from hdhr_emulator.playout.ts.packets import (
    PACKET_SIZE,
    TS_MASK,
    decode_pcr,
    decode_timestamp,
    encode_pcr,
    encode_timestamp,
    parse_header,
    parse_pat,
    parse_pmt,
    pes_timestamps,
    read_pcr,
    wrap_delta,
    write_pcr,
    write_timestamp,
)
from tests.support.ts_clips import PAT, PMT, pes_packet


@pytest.mark.parametrize(
    ("ts", "prefix", "expected"),
    [
        (0, 0b0010, "2100010001"),
        (90_000, 0b0010, "210005bf21"),  # the classic 1 s PTS
        (TS_MASK, 0b0011, "3fffffffff"),
        (1 << 32, 0b0001, "1900010001"),
        ((1 << 33) + 5, 0b0010, "210001000b"),  # taken modulo 2**33
    ],
    ids=["zero", "1s", "max", "bit32", "wraps"],
)
def test_timestamp_exact_bytes(ts: int, prefix: int, expected: str) -> None:
    encoded = encode_timestamp(ts, prefix)
    assert encoded.hex() == expected
    assert decode_timestamp(encoded) == ts & TS_MASK


@pytest.mark.parametrize("ts", [0, 1, 2, 90_000, 123_456_789, (1 << 32) - 1, 1 << 32, TS_MASK])
def test_timestamp_round_trip_in_place_keeps_prefix(ts: int) -> None:
    buf = bytearray(b"\x00" + encode_timestamp(77, 0b0011) + b"\x00")
    write_timestamp(buf, 1, ts)
    assert buf[1] >> 4 == 0b0011
    assert decode_timestamp(buf, 1) == ts
    assert buf[0] == buf[6] == 0


@pytest.mark.parametrize(
    ("pcr", "expected"),
    [
        (0, "000000007e00"),
        (27_000_000, "0000afc87e00"),  # 1 s: base 90000, extension 0
        (TS_MASK * 300 + 299, "ffffffffff2b"),
        (300 * 12345 + 150, "0000181cfe96"),
    ],
    ids=["zero", "1s", "max", "ext"],
)
def test_pcr_exact_bytes(pcr: int, expected: str) -> None:
    assert encode_pcr(pcr).hex() == expected
    assert decode_pcr(bytes.fromhex(expected)) == pcr


def test_header_fields_and_pcr_in_a_packet() -> None:
    packet = bytearray(
        pes_packet(0x100, 90_000, 82_800, cc=9, pcr=82_800 * 300 + 7, rai=True, discontinuity=True)
    )
    header = parse_header(packet)
    assert (header.pid, header.pusi, header.continuity_counter) == (0x100, True, 9)
    assert header.adaptation_field_control == 3 and header.has_payload
    assert header.random_access and header.discontinuity
    assert header.pcr == 82_800 * 300 + 7
    write_pcr(packet, 0, 300 * TS_MASK)
    assert read_pcr(packet) == 300 * TS_MASK
    start = packets.payload_offset(packet)
    assert start == 4 + 1 + packet[4]
    assert pes_timestamps(packet, start) == (90_000, 82_800)
    assert packets.is_keyframe_start(packet, 0)


def test_reader_offsets_walk_a_chunk() -> None:
    chunk = PAT + pes_packet(0x101, 5, cc=3)
    assert [packets.pid(chunk, at) for at in (0, PACKET_SIZE)] == [0, 0x101]
    assert packets.continuity_counter(chunk, PACKET_SIZE) == 3
    assert read_pcr(chunk, PACKET_SIZE) is None
    with pytest.raises(ValueError, match="no PCR"):
        write_pcr(bytearray(chunk), PACKET_SIZE, 0)


def test_psi_tables_of_ffmpeg() -> None:
    assert parse_pat(PAT) == {1: 0x1000}
    assert parse_pmt(PMT) == {0x100: 0x1B, 0x101: 0x0F}
    assert parse_pmt(PAT) is None and parse_pat(PMT) is None


def test_h264_idr_without_random_access_flag() -> None:
    pes = bytearray(pes_packet(0x100, 0))
    es = 4 + 9 + 5
    pes[es : es + 10] = b"\x00\x00\x00\x01\x09\xf0\x00\x00\x01\x65"  # AUD, then an IDR slice
    assert packets.is_keyframe_start(pes, 0, packets.STREAM_TYPE_H264)
    pes[es + 9] = 0x41  # a non-IDR slice
    assert not packets.is_keyframe_start(pes, 0, packets.STREAM_TYPE_H264)


@pytest.mark.parametrize(
    ("later", "earlier", "delta"),
    [(10, 5, 5), (5, 10, -5), (3, TS_MASK - 2, 6), (TS_MASK - 2, 3, -6)],
    ids=["forward", "back", "across-wrap", "back-across-wrap"],
)
def test_wrap_delta(later: int, earlier: int, delta: int) -> None:
    assert wrap_delta(later, earlier) == delta
