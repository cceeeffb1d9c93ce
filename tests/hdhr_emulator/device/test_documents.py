"""The HTTP API documents as exact bytes and shapes (docs/protocol/hdhomerun.md §3), without I/O."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace

import pytest
from lxml import etree

from hdhr_emulator.device import documents as api
from hdhr_emulator.device.documents import (
    FavoriteChange,
    LineupChannel,
    LineupPost,
    ScanAction,
    ScanStatus,
    TunerActivity,
)
from hdhr_emulator.playout.stream_plan import output_height
from lineup.models import ChannelProfile, MediaInfo, OutputMode
from tests.support.device_helpers import IDENTITY
from tests.xmltv.builders import NASTY, channel, episode

BASE = "http://192.168.1.50:8000"
NS = {"u": api.UPNP_NAMESPACE}


# -- discover.json -------------------------------------------------------------------------------
def test_discover_json_has_the_nine_fields_with_their_json_types() -> None:
    body = api.discover_json(IDENTITY, BASE)
    assert json.loads(body) == {
        "FriendlyName": "Retrovue Test",
        "ModelNumber": "HDHR5-4US",
        "FirmwareName": "hdhomerun5_atsc",
        "FirmwareVersion": IDENTITY.firmware_version,
        "DeviceID": IDENTITY.device_id_hex,
        "DeviceAuth": "Ab3dEf6hIj9kLm2nOp5qRs8t",
        "BaseURL": BASE,
        "LineupURL": f"{BASE}/lineup.json",
        "TunerCount": 2,
    }
    assert b'"TunerCount":2}' in body  # an int, not "2"
    assert re.fullmatch(r"[0-9A-F]{8}", json.loads(body)["DeviceID"])
    assert "hdtc" not in json.loads(body)["ModelNumber"].lower()


# -- the lineup ----------------------------------------------------------------------------------
def _info(width: int, height: int) -> MediaInfo:
    return MediaInfo(
        duration=600.0,
        container="mp4",
        video_codec="h264",
        width=width,
        height=height,
        fps=25.0,
        audio_codec="aac",
        audio_channels=2,
    )


def test_lineup_channels_take_number_name_and_hd_from_the_stream_profile() -> None:
    sd = ChannelProfile(width=640, height=480)
    channels = [
        channel(2, "Cheers", [episode("Cheers", 1, 1, "Pilot")]),  # default profile: 1280x720
        channel(10, "Taxi", [episode("Taxi", 1, 1, "Pilot")], profile=sd),
        channel(11, f"  {NASTY}\n", [episode("X", 1, 1, "Y")], profile=sd),
        channel(12, "", [episode("Y", 1, 1, "Z")], profile=sd),
    ]
    lineup = api.lineup_channels(channels, favorites=frozenset({10}))
    assert lineup == (
        LineupChannel("2", "Cheers", hd=True),
        LineupChannel("10", "Taxi", hd=False, favorite=True),
        LineupChannel("11", NASTY, hd=False),  # one clean line, as the XMLTV display-name
        LineupChannel("12", "12", hd=False),
    )


def test_copy_mode_decides_hd_from_the_files_not_the_profile() -> None:
    item = episode("Cheers", 1, 1, "Pilot")
    big, small = replace(item, info=_info(1920, 1080)), replace(item, info=_info(320, 240))
    lineup = api.lineup_channels(
        [
            channel(1, "Big", [big], mode=OutputMode.COPY, profile=ChannelProfile(640, 480)),
            channel(2, "Small", [small], mode=OutputMode.AUTO),
        ],
        output_height=output_height,
    )
    assert [entry.hd for entry in lineup] == [True, False]
    # ``--mode transcode`` overrides every channel: the profile decides again
    forced = api.lineup_channels(
        [channel(1, "Big", [big], mode=OutputMode.COPY, profile=ChannelProfile(640, 480))],
        output_height=lambda c: output_height(c, OutputMode.TRANSCODE),
    )
    assert forced[0].hd is False


def test_lineup_json_exact_bytes_with_integer_flags_only_when_set() -> None:
    lineup = (LineupChannel("1", "Cheers", hd=True, favorite=True), LineupChannel("2", "A & E"))
    assert api.lineup_json(lineup, BASE) == (
        b'[{"GuideNumber":"1","GuideName":"Cheers","VideoCodec":"H264","AudioCodec":"AAC",'
        b'"HD":1,"Favorite":1,"Tags":"favorite","URL":"http://192.168.1.50:8000/auto/v1"},'
        b'{"GuideNumber":"2","GuideName":"A & E","VideoCodec":"H264","AudioCodec":"AAC",'
        b'"URL":"http://192.168.1.50:8000/auto/v2"}]'
    )


def test_empty_lineup_is_an_empty_array() -> None:
    assert api.lineup_json((), BASE) == b"[]"
    assert etree.fromstring(api.lineup_xml((), BASE)).tag == "Lineup"


def test_lineup_xml_holds_the_same_values_as_the_json() -> None:
    lineup = (LineupChannel("1", "A & E <x>", hd=True), LineupChannel("7", "Taxi", favorite=True))
    root = etree.fromstring(api.lineup_xml(lineup, BASE))
    assert root.tag == "Lineup"
    programs = [{child.tag: child.text for child in program} for program in root]
    as_json = [
        {key: str(value) for key, value in entry.items()}
        for entry in json.loads(api.lineup_json(lineup, BASE))
    ]
    assert programs == as_json
    assert [p.tag for p in root] == ["Program", "Program"]


def test_stream_url_has_no_query_string() -> None:
    assert api.stream_url(BASE, "7") == "http://192.168.1.50:8000/auto/v7"


# -- scanning ------------------------------------------------------------------------------------
def test_lineup_status_idle_and_scanning_shapes() -> None:
    assert api.lineup_status_json(ScanStatus()) == (
        b'{"ScanInProgress":0,"ScanPossible":1,"Source":"Cable","SourceList":["Cable"]}'
    )
    assert api.lineup_status_json(ScanStatus(True, 42, 7)) == (
        b'{"ScanInProgress":1,"Progress":42,"Found":7}'
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"scan": "start"}, LineupPost(scan=ScanAction.START)),
        ({"scan": "start", "source": "Cable"}, LineupPost(scan=ScanAction.START)),
        ({"scan": "abort"}, LineupPost(scan=ScanAction.ABORT)),
        ({"favorite": "+7"}, LineupPost(favorite=FavoriteChange("7", True))),
        ({"favorite": " 7"}, LineupPost(favorite=FavoriteChange("7", True))),  # unescaped "+"
        ({"favorite": "-7"}, LineupPost(favorite=FavoriteChange("7", False))),
    ],
    ids=[
        "start",
        "start-with-source",
        "abort",
        "favorite-plus",
        "favorite-space",
        "favorite-minus",
    ],
)
def test_parse_lineup_post(query: dict[str, str], expected: LineupPost) -> None:
    assert api.parse_lineup_post(query) == expected


@pytest.mark.parametrize(
    "query",
    [{"scan": "bogus"}, {"scan": ""}, {"favorite": "x7"}, {"favorite": "+"}, {}, {"foo": "bar"}],
    ids=["unknown-scan", "empty-scan", "hide-channel", "no-number", "empty", "unknown-key"],
)
def test_parse_lineup_post_refuses(query: dict[str, str]) -> None:
    with pytest.raises(api.LineupPostError):
        api.parse_lineup_post(query)


# -- tuner status --------------------------------------------------------------------------------
def test_status_json_idle_entries_carry_only_the_resource() -> None:
    assert api.status_json(2, {}) == b'[{"Resource":"tuner0"},{"Resource":"tuner1"}]'


def test_status_json_busy_entry() -> None:
    busy = {1: TunerActivity("7", "Taxi", "192.168.1.10", 2_100_000)}
    assert json.loads(api.status_json(3, busy)) == [
        {"Resource": "tuner0"},
        {
            "Resource": "tuner1",
            "VctNumber": "7",
            "VctName": "Taxi",
            "SignalStrengthPercent": 100,
            "SignalQualityPercent": 100,
            "SymbolQualityPercent": 100,
            "TargetIP": "192.168.1.10",
            "NetworkRate": 2_100_000,
        },
        {"Resource": "tuner2"},
    ]


def test_tuners_html_reads_as_emby_and_jellyfin_parse_it() -> None:
    page = api.tuners_html(3, {1: TunerActivity("7", "Taxi", "10.0.0.2", 1)}).decode()
    stripped = [re.sub(r"<[^>]*>", "", line) for line in page.splitlines()]
    assert [line for line in stripped if "Channel" in line] == [
        "Tuner 0 Channelnone",
        "Tuner 1 Channel7",
        "Tuner 2 Channelnone",
    ]


# -- device.xml ----------------------------------------------------------------------------------
def test_device_xml_is_a_upnp_media_server_description() -> None:
    root = etree.fromstring(api.device_xml(IDENTITY, BASE))
    assert root.tag == f"{{{api.UPNP_NAMESPACE}}}root"
    assert root.findtext("u:specVersion/u:major", namespaces=NS) == "1"
    assert root.findtext("u:specVersion/u:minor", namespaces=NS) == "0"
    assert root.findtext("u:URLBase", namespaces=NS) == BASE
    device = root.find("u:device", NS)
    fields = {etree.QName(child).localname: child.text for child in device}
    assert fields == {
        "deviceType": "urn:schemas-upnp-org:device:MediaServer:1",
        "friendlyName": "Retrovue Test",
        "manufacturer": "Silicondust",
        "modelName": "HDHR5-4US",
        "modelNumber": "HDHR5-4US",
        "serialNumber": IDENTITY.device_id_hex,
        "UDN": IDENTITY.udn,
    }
    assert re.fullmatch(
        r"uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", fields["UDN"]
    )


def test_device_xml_escapes_the_friendly_name() -> None:
    identity = replace(IDENTITY, friendly_name="A&E <Tuner>")
    root = etree.fromstring(api.device_xml(identity, BASE))
    assert root.findtext("u:device/u:friendlyName", namespaces=NS) == "A&E <Tuner>"


# -- base URL ------------------------------------------------------------------------------------
LAN = ("192.168.1.50", 8000)


@pytest.mark.parametrize(
    ("advertise", "host", "client", "local", "expected"),
    [
        ("http://tv.lan:5004/", "a:1", "192.168.1.9", LAN, "http://tv.lan:5004"),
        (None, "a:1", "192.168.1.9", LAN, "http://a:1"),
        (None, "tuner.example", "192.168.1.9", LAN, "http://tuner.example"),
        (None, "[fe80::1]:8000", "fe80::2", ("fe80::1", 8000), "http://[fe80::1]:8000"),
        (None, "127.0.0.1:8000", "127.0.0.1", ("127.0.0.1", 8000), "http://127.0.0.1:8000"),
        (None, "localhost:8000", "::1", ("::1", 8000), "http://localhost:8000"),
        (None, "127.0.0.1:8000", "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, "0.0.0.0:8000", "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, "localhost:8000", "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, None, "192.168.1.9", LAN, "http://192.168.1.50:8000"),  # HTTP/1.0, no Host
        (None, "", "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, 'a"b<c>:1', "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, "a b", "192.168.1.9", LAN, "http://192.168.1.50:8000"),
        (None, "[::1]:8000", "fe80::2", ("fe80::1", 8000), "http://[fe80::1]:8000"),
    ],
    ids=[
        "advertise-wins",
        "host-header",
        "host-without-port",
        "ipv6",
        "loopback-to-loopback",
        "localhost-to-loopback",
        "loopback-to-lan",
        "unspecified-to-lan",
        "localhost-to-lan",
        "no-host",
        "empty-host",
        "markup-in-host",
        "space-in-host",
        "ipv6-loopback-to-lan",
    ],
)
def test_base_url_for_request(
    advertise: str | None, host: str | None, client: str, local: tuple[str, int], expected: str
) -> None:
    assert (
        api.base_url_for_request(
            advertise_url=advertise,
            scheme="http",
            host_header=host,
            client_address=client,
            local_address=local,
        )
        == expected
    )


def test_base_url_never_loopback_for_a_lan_client_even_on_a_loopback_socket() -> None:
    """Only when nothing better exists is the client's own Host echoed back."""
    assert (
        api.base_url_for_request(
            advertise_url=None,
            scheme="http",
            host_header="10.0.0.5:8000",
            client_address="10.0.0.9",
            local_address=("127.0.0.1", 8000),
        )
        == "http://10.0.0.5:8000"
    )


# -- gzip ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, GZIP;q=0.5", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("*", True),
        ("*;q=0", False),
        ("br, *;q=0.1", True),
        ("gzip;q=0, *", False),
        ("gzip;q=bogus", False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert api.accepts_gzip(header) is expected


def test_gzip_body_is_deterministic_and_round_trips() -> None:
    data = b"<tv>" + b"x" * 10_000 + b"</tv>"
    body = api.gzip_body(data)
    assert body[:2] == b"\x1f\x8b"
    assert body == api.gzip_body(data)  # mtime 0: same bytes every time
    assert gzip.decompress(body) == data
