"""mDNS / DNS-SD: publish the device's HTTP API as an ``_http._tcp`` service
(docs/protocol/hdhomerun.md §6.2).

Real firmware answers ``<DeviceID>.local``; no surveyed client needs mDNS, so this is a courtesy
for browsers and tools ("Retrovue 1051234A" under ``_http._tcp``), and it is optional. No
``_hdhomerun._tcp`` type is published: nothing in the protocol notes shows a device or client
using one.

The instance is named ``<FriendlyName> <DeviceID>``, its host is ``<DeviceID>.local.`` and its TXT
record carries ``DeviceID``, ``BaseURL``, ``FriendlyName`` and ``ModelNumber``. python-zeroconf
does the probing, announcing, answering and the goodbye on stop, on the chosen interfaces only.
Registration (about 1.5 s of probing) runs in the background so it does not delay start-up;
failures are logged as one WARNING and never stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from zeroconf import Error as ZeroconfError
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from hdhr_emulator.device.identity import DeviceIdentity
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.discovery.ssdp import ipv4_interface_addresses
from hdhr_emulator.util import WILDCARD_HOSTS

log = logging.getLogger(__name__)

SERVICE_TYPE = "_http._tcp.local."
_MAX_LABEL = 63  # bytes in one DNS label, the instance name included


@dataclass(frozen=True, slots=True)
class MdnsConfig:
    """``interfaces``: IPv4 addresses to answer and announce on (and to publish as the host's A
    records). None means the bind address when it is a specific one, else every non-loopback IPv4
    interface."""

    enabled: bool = True
    interfaces: tuple[str, ...] | None = None


def instance_name(identity: DeviceIdentity) -> str:
    """``<FriendlyName> <DeviceID>``, the friendly part cut so the label fits in 63 bytes."""
    suffix = f" {identity.device_id_hex}"
    room = _MAX_LABEL - len(suffix)
    friendly = identity.friendly_name.strip().replace(".", " ") or "Retrovue"
    friendly = friendly.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip()
    return f"{friendly}{suffix}"


def build_service_info(settings: DeviceSettings, addresses: Sequence[str]) -> ServiceInfo:
    """The DNS-SD record set for the device, its host resolving to ``addresses``."""
    identity = settings.identity
    base_url = settings.base_url_for(addresses[0])
    return ServiceInfo(
        SERVICE_TYPE,
        f"{instance_name(identity)}.{SERVICE_TYPE}",
        port=settings.http_port,
        properties={
            "DeviceID": identity.device_id_hex,
            "BaseURL": base_url,
            "FriendlyName": identity.friendly_name,
            "ModelNumber": identity.model_number,
        },
        server=f"{identity.device_id_hex}.local.",
        parsed_addresses=list(addresses),
    )


class MdnsService:
    """Publishes the device over mDNS while started; every failure is a WARNING, not an error."""

    def __init__(self, settings: DeviceSettings, config: MdnsConfig | None = None) -> None:
        self._settings = settings
        self._config = config or MdnsConfig()
        self._zeroconf: AsyncZeroconf | None = None
        self._info: ServiceInfo | None = None
        self._registration: asyncio.Task[bool] | None = None

    @property
    def running(self) -> bool:
        return self._zeroconf is not None

    @property
    def service_info(self) -> ServiceInfo | None:
        """What is (being) published; the name may gain a suffix if another host holds it."""
        return self._info

    async def async_start(self) -> None:
        if self._zeroconf is not None or not self._config.enabled:
            return
        interfaces = self._interfaces()
        if not interfaces:
            return
        try:
            info = build_service_info(self._settings, interfaces)
            zc = AsyncZeroconf(interfaces=list(interfaces), ip_version=IPVersion.V4Only)
        except (OSError, RuntimeError, ValueError, ZeroconfError) as exc:
            log.warning("zeroconf is off: cannot start mDNS on %s: %s", ", ".join(interfaces), exc)
            return
        self._zeroconf, self._info = zc, info
        self._registration = asyncio.create_task(self._register(zc, info), name="mdns-register")

    async def async_wait_registered(self) -> bool:
        """Wait for the background registration; True once the service is published."""
        if self._registration is None:
            return False
        return await asyncio.shield(self._registration)

    async def async_stop(self) -> None:
        zc, registration = self._zeroconf, self._registration
        self._zeroconf = self._registration = None
        if zc is None:
            return
        if registration is not None and not registration.done():
            registration.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await registration
        try:
            await zc.async_unregister_all_services()  # the goodbye packets (TTL 0)
        except (OSError, RuntimeError, ZeroconfError) as exc:
            log.warning("zeroconf: unregistering failed: %s", exc)
        try:
            await zc.async_close()
        except (OSError, RuntimeError, ZeroconfError) as exc:
            log.warning("zeroconf: closing failed: %s", exc)

    def _interfaces(self) -> tuple[str, ...]:
        if self._config.interfaces is not None:
            chosen = self._config.interfaces
        elif self._settings.bind_host in WILDCARD_HOSTS:
            chosen = ipv4_interface_addresses()
        else:
            chosen = (self._settings.bind_host,)
        usable = []
        for address in chosen:
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                log.warning("zeroconf: %r is not an IPv4 address; not publishing on it", address)
                continue
            usable.append(address)
        if not usable:
            log.warning("zeroconf is off: no IPv4 interface to publish on")
        return tuple(usable)

    async def _register(self, zc: AsyncZeroconf, info: ServiceInfo) -> bool:
        try:
            announced = await zc.async_register_service(info, allow_name_change=True)
            await announced
        except (OSError, RuntimeError, ZeroconfError) as exc:
            log.warning("zeroconf: cannot publish %s: %s", info.name, exc)
            return False
        log.info("zeroconf: published %s at %s", info.name, info.server)
        return True
