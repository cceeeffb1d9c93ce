"""Who this tuner is: DeviceID, DeviceAuth, UPnP UDN and the model it claims to be.

The DeviceID is what every client keys the device on, so it is stable per data dir, passes
libhdhomerun's check-digit rule (an id that fails it makes ``hdhomerun_config <id>`` refuse to talk
to us) and avoids the "legacy" prefixes that make clients expect a UDP-only tuner. Plex caches the
tuner count per DeviceID, so the id is derived from a per-install seed *and* the tuner count: a new
``--tuners`` value presents a new device (logged, with what to do) instead of silently confusing
clients; going back to the old count gives the old id back.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from dataclasses import dataclass

_T = (0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0)
_LEGACY_PREFIXES = {0x101, 0x102, 0x103, 0x111, 0x121, 0x122}
MODEL_NUMBER = "HDHR5-4US"  # a non-EXTEND model: clients do not offer transcode profiles
FIRMWARE_NAME = "hdhomerun5_atsc"
FIRMWARE_VERSION = "20250815"
AUTH_ALPHABET = string.ascii_letters + string.digits


def check_nibble(first_seven: int) -> int:
    """The 8th hex digit that makes ``first_seven`` (28 bits) a valid DeviceID."""
    n = [(first_seven >> (24 - 4 * i)) & 0xF for i in range(7)]
    return _T[n[0]] ^ n[1] ^ _T[n[2]] ^ n[3] ^ _T[n[4]] ^ n[5] ^ _T[n[6]]


def is_valid_device_id(device_id: int) -> bool:
    """libhdhomerun's rule: the even nibbles through T, odd ones raw, all XORed, give 0."""
    if device_id in (0, 0xFFFFFFFF):
        return False
    return check_nibble(device_id >> 4) == device_id & 0xF


def is_legacy(device_id: int) -> bool:
    prefix = device_id >> 20
    return (
        prefix in _LEGACY_PREFIXES
        or (prefix == 0x100 and device_id < 0x10040000)
        or (prefix == 0x120 and device_id < 0x12030000)
    )


def derive_device_id(seed: str, tuner_count: int) -> int:
    """A valid, non-legacy id in the ``105xxxxx`` range, stable for (seed, tuner count)."""
    digest = hashlib.sha256(f"{seed}:{tuner_count}".encode()).digest()
    first_seven = 0x1050000 | (int.from_bytes(digest[:4], "big") & 0xFFFF)
    return first_seven << 4 | check_nibble(first_seven)


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Everything a client learns about the device."""

    device_id: int
    device_auth: str
    friendly_name: str
    tuner_count: int
    model_number: str = MODEL_NUMBER
    firmware_name: str = FIRMWARE_NAME
    firmware_version: str = FIRMWARE_VERSION

    @property
    def device_id_hex(self) -> str:
        return f"{self.device_id:08X}"

    @property
    def udn(self) -> str:
        """``uuid:…``, a name-based UUID of the DeviceID (stable with it)."""
        return f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'retrovue:{self.device_id_hex}')}"
