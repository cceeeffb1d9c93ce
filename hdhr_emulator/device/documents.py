"""The HDHomeRun HTTP API documents, built without I/O: identity, channels and a base URL in,
bytes out.

Each function here renders one document clients read (``discover.json``, ``lineup.json`` and
``.xml``, ``lineup_status.json``, ``status.json``, ``tuners.html``, ``device.xml``) or decides one
thing a route needs (which base URL to hand a client, whether it takes gzip, what a
``lineup.post`` asks for). :mod:`hdhr_emulator.server.routes.device` only moves the bytes.

Shapes follow a real device (docs/protocol/hdhomerun.md §3): flags are JSON integers, present only
when 1 (old Emby reads ``HD`` as an int); ``GuideNumber`` is a string; stream URLs carry no query
string, because Plex appends ``?transcode=heavy`` without looking for one.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from hdhr_emulator.device.identity import DeviceIdentity
from hdhr_emulator.util import bracket_host
from lineup.models import Channel
from xmltv.text import clean_line

__all__ = [
    "DEVICE_TYPE",
    "GZIP_TYPE",
    "HTML_TYPE",
    "JSON_TYPE",
    "MANUFACTURER",
    "SOURCE",
    "UPNP_NAMESPACE",
    "XML_TYPE",
    "FavoriteChange",
    "LineupChannel",
    "LineupPost",
    "LineupPostError",
    "ScanAction",
    "ScanStatus",
    "TunerActivity",
    "accepts_gzip",
    "base_url_for_request",
    "device_xml",
    "discover_json",
    "gzip_body",
    "lineup_channels",
    "lineup_json",
    "lineup_status_json",
    "lineup_xml",
    "parse_lineup_post",
    "status_json",
    "stream_url",
    "tuners_html",
]

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
GZIP_TYPE = "application/gzip"

MANUFACTURER = "Silicondust"  # Home Assistant matches real devices on it
# never urn:plex-tv:* (docs/protocol/hdhomerun.md §3.9)
DEVICE_TYPE = "urn:schemas-upnp-org:device:MediaServer:1"
UPNP_NAMESPACE = "urn:schemas-upnp-org:device-1-0"
# Our channels are plain numbers ("7", not ATSC's "7.1"), which is what a cable lineup looks like;
# Plex echoes this back as ``lineup.post?scan=start&source=Cable``.
SOURCE = "Cable"
HD_MIN_HEIGHT = 720
VIDEO_CODEC = "H264"  # every stream is H.264 + AAC, transcoded or copied (playout/mode.py)
AUDIO_CODEC = "AAC"
GZIP_LEVEL = 6

_JSON_SEPARATORS = (",", ":")
# A Host header we are willing to echo into JSON, XML and M3U: a DNS name, an IPv4 address or a
# bracketed IPv6 address, and an optional port. Anything else (quotes, "<", spaces) is refused,
# so a forged Host cannot inject markup into the documents other clients read.
_HOST = re.compile(
    r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


# -- base URL ------------------------------------------------------------------------------------
def _is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address.lower() in _LOCAL_NAMES


def _is_unreachable(name: str) -> bool:
    """True for host names no other machine can use: loopback and the unspecified address."""
    if name.lower() in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def base_url_for_request(
    *,
    advertise_url: str | None,
    scheme: str,
    host_header: str | None,
    client_address: str | None,
    local_address: tuple[str, int] | None,
) -> str:
    """The BaseURL to hand the client that sent this request (no trailing slash).

    ``advertise_url`` wins when configured (Docker/NAT). Otherwise the client's own ``Host``
    header, as ErsatzTV and Tunarr do, so every client gets an address it can reach, unless the
    header is malformed, or names loopback/0.0.0.0 while the client is on another machine (Plex
    then reports "Device not found"): then the local address the connection arrived on.
    ``local_address`` is the ASGI ``server`` pair, i.e. that connection's own socket address.
    """
    if advertise_url:
        return advertise_url.rstrip("/")
    scheme = "https" if scheme == "https" else "http"
    match = _HOST.fullmatch(host_header.strip()) if host_header else None
    if match is not None and (not _is_unreachable(match["name"]) or _is_loopback(client_address)):
        return f"{scheme}://{match[0]}"
    if local_address is not None and not _is_unreachable(local_address[0]):
        host, port = local_address
        return f"{scheme}://{bracket_host(host)}:{port}"
    if match is not None:  # nothing better is known: the client named us this way
        return f"{scheme}://{match[0]}"
    if local_address is not None:
        host, port = local_address
        return f"{scheme}://{bracket_host(host)}:{port}"
    return f"{scheme}://localhost"


# -- discover.json -------------------------------------------------------------------------------
def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=_JSON_SEPARATORS).encode("utf-8")


def discover_json(identity: DeviceIdentity, base_url: str) -> bytes:
    """``/discover.json``: the nine fields every client reads; ``TunerCount`` is an int."""
    return _json(
        {
            "FriendlyName": identity.friendly_name,
            "ModelNumber": identity.model_number,
            "FirmwareName": identity.firmware_name,
            "FirmwareVersion": identity.firmware_version,
            "DeviceID": identity.device_id_hex,
            "DeviceAuth": identity.device_auth,
            "BaseURL": base_url,
            "LineupURL": f"{base_url}/lineup.json",
            "TunerCount": identity.tuner_count,
        }
    )


# -- the lineup ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LineupChannel:
    """One channel as the tuner lists it."""

    guide_number: str
    guide_name: str
    hd: bool = False
    favorite: bool = False

    @property
    def tags(self) -> str:
        return "favorite" if self.favorite else ""


def profile_height(channel: Channel) -> int:
    """The height of the channel's configured profile (its stream, unless copied)."""
    return channel.profile.height


def lineup_channels(
    channels: Iterable[Channel],
    *,
    favorites: frozenset[int] = frozenset(),
    output_height: Callable[[Channel], int] = profile_height,
) -> tuple[LineupChannel, ...]:
    """The lineup entries of ``channels``. ``GuideNumber`` is the channel number, the same
    string as the XMLTV display-name and the M3U ``tvg-chno``; ``GuideName`` the XMLTV name.
    ``output_height`` says how tall a channel's stream is (the playout's stream plan knows:
    copy mode keeps the files' own size), which decides the ``HD`` flag."""
    entries = []
    for channel in channels:
        number = str(channel.number)
        entries.append(
            LineupChannel(
                guide_number=number,
                guide_name=clean_line(channel.name) or number,
                hd=output_height(channel) >= HD_MIN_HEIGHT,
                favorite=channel.number in favorites,
            )
        )
    return tuple(entries)


def stream_url(base_url: str, guide_number: str) -> str:
    """``{base}/auto/v{n}``: the first free tuner; never with a query string of its own."""
    return f"{base_url}/auto/v{guide_number}"


def _lineup_fields(entry: LineupChannel, base_url: str) -> dict[str, object]:
    fields: dict[str, object] = {
        "GuideNumber": entry.guide_number,
        "GuideName": entry.guide_name,
        "VideoCodec": VIDEO_CODEC,
        "AudioCodec": AUDIO_CODEC,
    }
    if entry.hd:
        fields["HD"] = 1
    if entry.favorite:
        fields["Favorite"] = 1
        fields["Tags"] = entry.tags
    fields["URL"] = stream_url(base_url, entry.guide_number)
    return fields


def lineup_json(lineup: Sequence[LineupChannel], base_url: str) -> bytes:
    """``/lineup.json``: an array, ``[]`` for an empty lineup."""
    return _json([_lineup_fields(entry, base_url) for entry in lineup])


def lineup_xml(lineup: Sequence[LineupChannel], base_url: str) -> bytes:
    """``/lineup.xml``: ``<Lineup><Program>…</Program></Lineup>`` with the JSON's values."""
    root = etree.Element("Lineup")
    for entry in lineup:
        program = etree.SubElement(root, "Program")
        for name, value in _lineup_fields(entry, base_url).items():
            etree.SubElement(program, name).text = str(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- scanning ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScanStatus:
    """What ``lineup_status.json`` reports: idle, or a scan at ``progress`` percent."""

    in_progress: bool = False
    progress: int = 0
    found: int = 0


def lineup_status_json(status: ScanStatus) -> bytes:
    """``/lineup_status.json`` in the real device's idle shape or the scanning shape."""
    if status.in_progress:
        return _json({"ScanInProgress": 1, "Progress": status.progress, "Found": status.found})
    return _json({"ScanInProgress": 0, "ScanPossible": 1, "Source": SOURCE, "SourceList": [SOURCE]})


class ScanAction(StrEnum):
    START = "start"
    ABORT = "abort"


@dataclass(frozen=True, slots=True)
class FavoriteChange:
    guide_number: str
    favorite: bool


@dataclass(frozen=True, slots=True)
class LineupPost:
    """What one ``lineup.post`` asks for."""

    scan: ScanAction | None = None
    favorite: FavoriteChange | None = None


class LineupPostError(ValueError):
    """Raised when a ``lineup.post`` query cannot be understood (the route answers 400)."""


def parse_lineup_post(query: Mapping[str, str]) -> LineupPost:
    """Read ``scan=start|abort`` (``source=`` ignored) and ``favorite=+N|-N``.

    A literal ``+`` reaches us as a space when the client did not percent-encode it, so a
    leading space means ``+`` too. ``x<N>`` (hide a channel) is not supported.
    """
    scan: ScanAction | None = None
    if "scan" in query:
        try:
            scan = ScanAction(query["scan"])
        except ValueError:
            raise LineupPostError(f"unknown scan action {query['scan']!r}") from None
    favorite: FavoriteChange | None = None
    if "favorite" in query:
        value = query["favorite"]
        sign, number = value[:1], value[1:].strip()
        if sign not in ("+", " ", "-") or not number:
            raise LineupPostError(f"unsupported favorite change {value!r}")
        favorite = FavoriteChange(number, sign != "-")
    if scan is None and favorite is None:
        raise LineupPostError("nothing to do: expected scan= or favorite=")
    return LineupPost(scan, favorite)


# -- tuner status --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TunerActivity:
    """A tuner that is streaming a channel to someone."""

    guide_number: str
    guide_name: str
    target_ip: str
    network_rate: int  # bits per second


def status_json(tuner_count: int, active: Mapping[int, TunerActivity]) -> bytes:
    """``/status.json``: one entry per tuner; an idle one is only ``{"Resource":"tunerN"}``."""
    entries: list[dict[str, object]] = []
    for index in range(tuner_count):
        entry: dict[str, object] = {"Resource": f"tuner{index}"}
        tuner = active.get(index)
        if tuner is not None:
            entry.update(
                {
                    "VctNumber": tuner.guide_number,
                    "VctName": tuner.guide_name,
                    "SignalStrengthPercent": 100,  # a file never loses lock
                    "SignalQualityPercent": 100,
                    "SymbolQualityPercent": 100,
                    "TargetIP": tuner.target_ip,
                    "NetworkRate": tuner.network_rate,
                }
            )
        entries.append(entry)
    return _json(entries)


def tuners_html(tuner_count: int, active: Mapping[int, TunerActivity]) -> bytes:
    """``/tuners.html``: one table row per line, ``Tuner N Channel`` then ``none`` or the
    GuideNumber, which is what old Emby/Jellyfin read after stripping the tags."""
    rows = []
    for index in range(tuner_count):
        tuner = active.get(index)
        channel = tuner.guide_number if tuner is not None else "none"
        rows.append(f"<tr><td>Tuner {index} Channel</td><td>{_escape(channel)}</td></tr>")
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            "<html>",
            "<head><title>Tuner Status</title></head>",
            "<body>",
            "<table>",
            *rows,
            "</table>",
            "</body>",
            "</html>",
            "",
        ]
    )
    return page.encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- device.xml ----------------------------------------------------------------------------------
def device_xml(identity: DeviceIdentity, base_url: str) -> bytes:
    """The UPnP device description (``/device.xml``, ``/capability``, ``/``)."""
    ns = f"{{{UPNP_NAMESPACE}}}"
    root = etree.Element(f"{ns}root", nsmap={None: UPNP_NAMESPACE})
    spec = etree.SubElement(root, f"{ns}specVersion")
    etree.SubElement(spec, f"{ns}major").text = "1"
    etree.SubElement(spec, f"{ns}minor").text = "0"
    etree.SubElement(root, f"{ns}URLBase").text = base_url
    device = etree.SubElement(root, f"{ns}device")
    for name, value in (
        ("deviceType", DEVICE_TYPE),
        ("friendlyName", identity.friendly_name),
        ("manufacturer", MANUFACTURER),
        ("modelName", identity.model_number),
        ("modelNumber", identity.model_number),
        ("serialNumber", identity.device_id_hex),
        ("UDN", identity.udn),
    ):
        etree.SubElement(device, f"{ns}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- gzip ----------------------------------------------------------------------------------------
def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when ``Accept-Encoding`` allows gzip (``gzip``, ``x-gzip`` or ``*``, q > 0)."""
    if not accept_encoding:
        return False
    allowed: dict[str, bool] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        allowed[coding] = quality > 0
    for coding in ("gzip", "x-gzip"):
        if coding in allowed:
            return allowed[coding]
    return allowed.get("*", False)


def gzip_body(data: bytes) -> bytes:
    """``data`` gzipped with a zero mtime, so one input always gives the same bytes."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
