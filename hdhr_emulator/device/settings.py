"""What the device-facing parts (HTTP API, UDP/TCP 65001, SSDP, zeroconf) share.

``advertise_url`` is the base URL clients must be told when it cannot be read from their own
request (UDP discovery, SSDP, zeroconf, and every HTTP answer when ``--advertise-url`` is set
for Docker/NAT). Without it, HTTP answers use the address the client reached us on, and the
discovery protocols use the address of the interface the request arrived on.
"""

from __future__ import annotations

from dataclasses import dataclass

from hdhr_emulator.device.identity import DeviceIdentity
from hdhr_emulator.util import bracket_host


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    identity: DeviceIdentity
    http_port: int
    advertise_url: str | None = None  # e.g. "http://192.168.1.50:8000"
    bind_host: str = "0.0.0.0"  # where the discovery services listen

    def base_url_for(self, local_ip: str) -> str:
        """The BaseURL for a client that reached us at ``local_ip``."""
        if self.advertise_url:
            return self.advertise_url.rstrip("/")
        return f"http://{bracket_host(local_ip)}:{self.http_port}"
