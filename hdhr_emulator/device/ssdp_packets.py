"""SSDP packets, sans I/O: parse M-SEARCH, build search responses and NOTIFY alive/byebye.

The device is one UPnP root device of type ``MediaServer:1`` with no embedded devices or services,
so it has exactly three advertisements (UPnP Device Architecture 1.0, §1.1.2 and §1.2.2):

==========================================  ==============================================
NT / ST                                     USN
==========================================  ==============================================
``upnp:rootdevice``                         ``uuid:<UDN>::upnp:rootdevice``
``uuid:<UDN>``                              ``uuid:<UDN>``
``urn:schemas-upnp-org:device:MediaServer:1``  ``uuid:<UDN>::urn:…:MediaServer:1``
==========================================  ==============================================

An M-SEARCH for ``ssdp:all`` gets all three, a search for one of them gets that one, anything else
gets nothing. Header layout follows docs/protocol/hdhomerun.md §6.1.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata

SSDP_GROUP = "239.255.255.250"
SSDP_PORT = 1900
SSDP_HOST = f"{SSDP_GROUP}:{SSDP_PORT}"
SSDP_ALL = "ssdp:all"
ROOT_DEVICE = "upnp:rootdevice"
MEDIA_SERVER = "urn:schemas-upnp-org:device:MediaServer:1"
ALIVE = "ssdp:alive"
BYEBYE = "ssdp:byebye"
MAX_AGE = 1800  # seconds a control point may cache an advertisement
DESCRIPTION_PATH = "/device.xml"
MAX_PACKET = 8192  # SSDP packets are single datagrams; anything larger is not ours to answer


def default_server() -> str:
    """``<OS>/<version> UPnP/1.0 <product>/<version>``, the SERVER header UPnP 1.0 asks for."""
    try:
        version = metadata.version("retrovue")
    except metadata.PackageNotFoundError:
        version = "0"
    system = platform.system() or "Unknown"
    release = platform.release() or "0"
    return f"{system}/{release} UPnP/1.0 Retrovue/{version}"


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One thing the device advertises: the NT (in NOTIFY) or ST (in a response), and its USN."""

    target: str
    usn: str


def advertisements(udn: str) -> tuple[Advertisement, ...]:
    """The three advertisements of a root device with UDN ``udn`` (``uuid:…``)."""
    return (
        Advertisement(ROOT_DEVICE, f"{udn}::{ROOT_DEVICE}"),
        Advertisement(udn, udn),
        Advertisement(MEDIA_SERVER, f"{udn}::{MEDIA_SERVER}"),
    )


def match_search_target(st: str, udn: str) -> tuple[Advertisement, ...]:
    """What to answer an M-SEARCH for ``st`` with: one response per returned advertisement."""
    st = st.strip()
    everything = advertisements(udn)
    if st == SSDP_ALL:
        return everything
    if st.lower().startswith("uuid:"):
        # UUIDs are hex; control points differ in case, the identity does not.
        return tuple(a for a in everything if a.target == udn and st.lower() == udn.lower())
    return tuple(a for a in everything if a.target == st)


@dataclass(frozen=True, slots=True)
class SsdpMessage:
    """A parsed SSDP datagram: its start line and its headers (names upper-cased)."""

    start_line: str
    headers: Mapping[str, str]

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.upper(), default)


@dataclass(frozen=True, slots=True)
class MSearch:
    """A search request. ``mx`` is None when the MX header is missing or not a number."""

    st: str
    mx: int | None
    headers: Mapping[str, str]


def parse_message(data: bytes) -> SsdpMessage | None:
    """Split an SSDP datagram (HTTP over UDP) into start line and headers; None if it is not one."""
    if not data or len(data) > MAX_PACKET:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    head = text.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    lines = [line.rstrip("\r") for line in head.split("\n")]
    start_line = lines[0].strip()
    if not start_line:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            continue
        headers[name.strip().upper()] = value.strip()
    return SsdpMessage(start_line, headers)


def parse_msearch(data: bytes) -> MSearch | None:
    """The M-SEARCH in ``data``, or None for anything else (NOTIFY, responses, junk, no ST)."""
    message = parse_message(data)
    if message is None:
        return None
    method, _, rest = message.start_line.partition(" ")
    if method.upper() != "M-SEARCH" or not rest.startswith("*"):
        return None
    if message.header("MAN").strip('"').strip().lower() != "ssdp:discover":
        return None
    st = message.header("ST")
    if not st:
        return None
    mx: int | None
    try:
        mx = int(message.header("MX"))
    except ValueError:
        mx = None
    if mx is not None and mx < 0:
        mx = None
    return MSearch(st=st, mx=mx, headers=message.headers)


def _build(start_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [start_line]
    lines += [f"{name}: {value}" if value else f"{name}:" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def build_search_response(
    advertisement: Advertisement, *, location: str, server: str, max_age: int = MAX_AGE
) -> bytes:
    """The unicast ``HTTP/1.1 200 OK`` answering a search that matched ``advertisement``."""
    return _build(
        "HTTP/1.1 200 OK",
        [
            ("CACHE-CONTROL", f"max-age={max_age}"),
            ("EXT", ""),
            ("LOCATION", location),
            ("SERVER", server),
            ("ST", advertisement.target),
            ("USN", advertisement.usn),
        ],
    )


def build_alive(
    advertisement: Advertisement, *, location: str, server: str, max_age: int = MAX_AGE
) -> bytes:
    """``NOTIFY * HTTP/1.1`` with ``NTS: ssdp:alive``, multicast to 239.255.255.250:1900."""
    return _build(
        "NOTIFY * HTTP/1.1",
        [
            ("HOST", SSDP_HOST),
            ("CACHE-CONTROL", f"max-age={max_age}"),
            ("LOCATION", location),
            ("NT", advertisement.target),
            ("NTS", ALIVE),
            ("SERVER", server),
            ("USN", advertisement.usn),
        ],
    )


def build_byebye(advertisement: Advertisement) -> bytes:
    """``NOTIFY * HTTP/1.1`` with ``NTS: ssdp:byebye``; UPnP 1.0 §1.2.3: no LOCATION or SERVER."""
    return _build(
        "NOTIFY * HTTP/1.1",
        [
            ("HOST", SSDP_HOST),
            ("NT", advertisement.target),
            ("NTS", BYEBYE),
            ("USN", advertisement.usn),
        ],
    )


def build_msearch(st: str, mx: int | None = 1, host: str = SSDP_HOST) -> bytes:
    """A search request (for tests and tools; the device itself never searches)."""
    headers = [("HOST", host), ("MAN", '"ssdp:discover"'), ("ST", st)]
    if mx is not None:
        headers.append(("MX", str(mx)))
    return _build("M-SEARCH * HTTP/1.1", headers)
