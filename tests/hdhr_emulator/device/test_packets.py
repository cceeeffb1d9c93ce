"""The 65001 wire format as exact bytes: the hex vectors of docs/protocol/hdhomerun.md §4.3,
§4.5, §5.1 (checked there against the Debian libhdhomerun on loopback)."""

from __future__ import annotations

import zlib

import pytest

from hdhr_emulator.device.packets import (
    WILDCARD,
    DiscoverReply,
    DiscoverRequest,
    Frame,
    GetSetReply,
    GetSetRequest,
    PacketError,
    PacketType,
    Tag,
    build_discover_reply,
    build_discover_request,
    build_getset_reply,
    build_getset_request,
    decode_frame,
    decode_tlvs,
    encode_frame,
    encode_tlv,
    frame_size,
    parse_discover_reply,
    parse_discover_request,
    parse_getset_reply,
    parse_getset_request,
)


def hx(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


OLD_WILDCARD = hx("00 02 00 0c 01 04 ff ff ff ff 02 04 ff ff ff ff 73 cc 7d 8f")
OLD_TUNER = hx("00 02 00 0c 01 04 00 00 00 01 02 04 ff ff ff ff 4e 50 7f 35")
NEW_WILDCARD = hx("00 02 00 06 01 04 ff ff ff ff 4c 20 cb 4e")
NEW_TARGETED = hx("00 02 00 0c 01 04 ff ff ff ff 02 04 12 34 ab c2 76 f8 2d b0")
REPLY_1234ABC2 = hx(
    "0003 0069 0104 00000001 0204 1234abc2 2b18"
    + "41" * 24
    + "2a18 687474703a2f2f3139322e3136382e312e35303a35303034"
    + "1001 02 2724 687474703a2f2f3139322e3136382e312e35303a353030342f6c696e6575702e6a736f6e"
    + "1bb127e1"
)
GET_MODEL = hx("0004 000d 030b 2f7379732f6d6f64656c00 8f5b54b5")
MODEL_REPLY = hx(
    "0005 001f 030b 2f7379732f6d6f64656c00 0410 6864686f6d6572756e355f6174736300 1e5fd121"
)
BOGUS_REPLY = hx(
    "0005 002a 0307 2f626f67757300 051f"
    "4552524f523a20756e6b6e6f776e20676574736574207661726961626c6500 7b33c09a"
)


def test_crc_is_zlib_crc32_written_little_endian() -> None:
    assert zlib.crc32(b"123456789") == 0xCBF43926
    frame = encode_frame(0x0102, b"123456789")
    body = hx("0102 0009") + b"123456789"
    assert frame == body + zlib.crc32(body).to_bytes(4, "little")
    assert decode_frame(frame) == Frame(0x0102, b"123456789")


@pytest.mark.parametrize(
    ("request_", "wire"),
    [
        (DiscoverRequest((WILDCARD,), WILDCARD), OLD_WILDCARD),
        (DiscoverRequest((1,), WILDCARD), OLD_TUNER),
        (DiscoverRequest((WILDCARD,), None), NEW_WILDCARD),
        (DiscoverRequest((WILDCARD,), 0x1234ABC2), NEW_TARGETED),
    ],
    ids=["old-library-wildcard", "old-library-tuner", "new-library-wildcard", "new-library-by-id"],
)
def test_discover_requests_match_the_real_library_bytes(
    request_: DiscoverRequest, wire: bytes
) -> None:
    assert build_discover_request(request_) == wire
    assert parse_discover_request(decode_frame(wire)) == request_


def test_multi_type_request_round_trips() -> None:
    request = DiscoverRequest((5, 1), None, multi_type=True)
    wire = build_discover_request(request)
    assert wire[4:14] == hx("2d08 00000005 00000001")
    assert parse_discover_request(decode_frame(wire)) == request
    assert request.matches(1, 0x1234ABC2)


@pytest.mark.parametrize(
    ("request_", "matches"),
    [
        (DiscoverRequest(None, None), True),
        (DiscoverRequest((WILDCARD,), WILDCARD), True),
        (DiscoverRequest((1,), 0x1234ABC2), True),
        (DiscoverRequest((5,), WILDCARD), False),
        (DiscoverRequest((WILDCARD,), 0x1040A3F9), False),
        (DiscoverRequest((5, 1), None, multi_type=True), True),
        (DiscoverRequest((5,), None, multi_type=True), False),
    ],
    ids=[
        "no-tags",
        "wildcards",
        "ours",
        "storage-only",
        "other-id",
        "multi-with-tuner",
        "multi-storage-only",
    ],
)
def test_discover_request_matching(request_: DiscoverRequest, matches: bool) -> None:
    assert request_.matches(1, 0x1234ABC2) is matches


def test_discover_reply_is_the_documented_113_bytes() -> None:
    reply = DiscoverReply(
        device_id=0x1234ABC2,
        device_auth="A" * 24,
        base_url="http://192.168.1.50:5004",
        tuner_count=2,
        lineup_url="http://192.168.1.50:5004/lineup.json",
    )
    wire = build_discover_reply(reply)
    assert wire == REPLY_1234ABC2 and len(wire) == 113
    assert [tag for tag, _ in decode_tlvs(decode_frame(wire).payload)] == [
        Tag.DEVICE_TYPE,
        Tag.DEVICE_ID,
        Tag.DEVICE_AUTH_STR,
        Tag.BASE_URL,
        Tag.TUNER_COUNT,
        Tag.LINEUP_URL,
    ]
    assert parse_discover_reply(decode_frame(wire)) == reply


def test_getset_vectors() -> None:
    assert build_getset_request(GetSetRequest("/sys/model")) == GET_MODEL
    assert parse_getset_request(decode_frame(GET_MODEL)) == GetSetRequest("/sys/model")
    assert build_getset_reply(GetSetReply("/sys/model", value="hdhomerun5_atsc")) == MODEL_REPLY
    bogus = GetSetReply("/bogus", error="ERROR: unknown getset variable")
    assert build_getset_reply(bogus) == BOGUS_REPLY
    assert parse_getset_reply(decode_frame(BOGUS_REPLY)) == bogus


def test_set_with_lockkey_round_trips() -> None:
    request = GetSetRequest("/tuner0/lockkey", "none", lockkey=0xDEADBEEF)
    wire = build_getset_request(request)
    assert wire.endswith(hx("1504 deadbeef") + wire[-4:])
    assert parse_getset_request(decode_frame(wire)) == request


def test_two_byte_tlv_length() -> None:
    assert encode_tlv(0x04, b"x" * 200)[:3] == hx("04 c8 01")
    assert encode_tlv(0x04, b"x" * 127)[:2] == hx("04 7f")
    assert encode_tlv(0x04, b"x" * 128)[:3] == hx("04 80 01")
    long_value = "v" * 300
    wire = build_getset_reply(GetSetReply("help", value=long_value))
    assert wire[4:14] == hx("0305 68656c7000 04ad02")  # 301 = 0x12D -> AD 02
    assert parse_getset_reply(decode_frame(wire)).value == long_value


def test_unknown_tags_are_skipped() -> None:
    payload = encode_tlv(0x77, b"junk") + GET_MODEL[4:-4]
    assert parse_getset_request(Frame(PacketType.GETSET_REQ, payload)).name == "/sys/model"


@pytest.mark.parametrize(
    "wire",
    [
        OLD_WILDCARD[:-1] + bytes([OLD_WILDCARD[-1] ^ 1]),
        OLD_WILDCARD[:-4],
        OLD_WILDCARD + b"\0",
        b"",
        hx("0002 0003 01 04 ff") + zlib.crc32(hx("0002 0003 01 04 ff")).to_bytes(4, "little"),
    ],
    ids=["bad-crc", "short", "trailing-byte", "empty", "truncated-tlv"],
)
def test_malformed_frames_raise_packet_error(wire: bytes) -> None:
    with pytest.raises(PacketError):
        parse_discover_request(decode_frame(wire))


def test_parsers_check_the_packet_type() -> None:
    with pytest.raises(PacketError):
        parse_discover_request(decode_frame(REPLY_1234ABC2))
    with pytest.raises(PacketError):
        parse_getset_request(Frame(PacketType.GETSET_REQ, b""))


def test_frame_size_and_payload_limit() -> None:
    assert frame_size(GET_MODEL[:4]) == len(GET_MODEL)
    encode_frame(PacketType.GETSET_RPY, b"\0" * 1452)
    with pytest.raises(ValueError, match="exceeds 1452"):
        encode_frame(PacketType.GETSET_RPY, b"\0" * 1453)
