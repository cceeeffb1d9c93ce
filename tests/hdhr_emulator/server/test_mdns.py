"""zeroconf: the published record set, then a real registration on 127.0.0.1 resolved by a second
python-zeroconf instance (both pinned to lo: interfaces=["127.0.0.1"], IPv4 only).

The live tests publish a device with a random DeviceID, so a concurrent run of this file (mDNS
port 5353 is shared) can never answer for it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from hdhr_emulator.device.identity import DeviceIdentity, derive_device_id
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.discovery.mdns import (
    SERVICE_TYPE,
    MdnsConfig,
    MdnsService,
    build_service_info,
    instance_name,
)

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    return asyncio.run(bounded())


@pytest.fixture
def identity() -> DeviceIdentity:
    return DeviceIdentity(0x1057C1D8, "A" * 24, "Retrovue", 2)


@pytest.fixture
def settings(identity: DeviceIdentity) -> DeviceSettings:
    return DeviceSettings(identity, http_port=5004, bind_host=LOOPBACK)


def test_service_info_records(settings: DeviceSettings) -> None:
    info = build_service_info(settings, [LOOPBACK])
    assert info.type == "_http._tcp.local."
    assert info.name == "Retrovue 1057C1D8._http._tcp.local."
    assert info.server == "1057C1D8.local."
    assert info.port == 5004
    assert info.parsed_addresses() == [LOOPBACK]
    assert info.properties == {
        b"DeviceID": b"1057C1D8",
        b"BaseURL": b"http://127.0.0.1:5004",
        b"FriendlyName": b"Retrovue",
        b"ModelNumber": b"HDHR5-4US",
    }


def test_service_info_uses_advertise_url(identity: DeviceIdentity) -> None:
    settings = DeviceSettings(identity, http_port=5004, advertise_url="http://tuner.lan:8000/")
    info = build_service_info(settings, ["192.0.2.10"])
    assert info.properties[b"BaseURL"] == b"http://tuner.lan:8000"


@pytest.mark.parametrize(
    ("friendly", "expected"),
    [
        ("Retrovue", "Retrovue 1057C1D8"),
        ("Den.TV", "Den TV 1057C1D8"),
        ("  ", "Retrovue 1057C1D8"),
        ("x" * 80, "x" * 54 + " 1057C1D8"),
        ("é" * 40, "é" * 27 + " 1057C1D8"),  # 2-byte characters, never cut in half
    ],
    ids=["plain", "dot", "blank", "long", "utf8"],
)
def test_instance_name_fits_one_label(friendly: str, expected: str) -> None:
    name = instance_name(DeviceIdentity(0x1057C1D8, "A" * 24, friendly, 2))
    assert name == expected
    assert len(name.encode()) <= 63


def test_register_resolve_and_goodbye_on_loopback() -> None:
    identity = DeviceIdentity(derive_device_id(secrets.token_hex(8), 2), "A" * 24, "Retrovue", 2)
    device_id = identity.device_id_hex
    settings = DeviceSettings(identity, http_port=5004, bind_host=LOOPBACK)

    async def resolve(timeout_ms: int) -> AsyncServiceInfo | None:
        async with AsyncZeroconf(interfaces=[LOOPBACK], ip_version=IPVersion.V4Only) as client:
            info = AsyncServiceInfo(SERVICE_TYPE, f"Retrovue {device_id}.{SERVICE_TYPE}")
            found = await info.async_request(client.zeroconf, timeout_ms)
            return info if found else None

    async def scenario() -> tuple[AsyncServiceInfo | None, AsyncServiceInfo | None]:
        service = MdnsService(settings, MdnsConfig(interfaces=(LOOPBACK,)))
        await service.async_start()
        try:
            assert service.running
            assert await service.async_wait_registered()
            while_up = await resolve(3000)
        finally:
            await service.async_stop()
        after_stop = await resolve(1000)
        return while_up, after_stop

    while_up, after_stop = run(scenario)
    assert while_up is not None, "the service did not resolve over mDNS on 127.0.0.1"
    assert while_up.properties[b"DeviceID"] == device_id.encode()
    assert while_up.properties[b"BaseURL"] == b"http://127.0.0.1:5004"
    assert while_up.properties[b"FriendlyName"] == b"Retrovue"
    assert while_up.properties[b"ModelNumber"] == b"HDHR5-4US"
    assert while_up.server == f"{device_id}.local."
    assert while_up.port == 5004
    assert while_up.parsed_addresses() == [LOOPBACK]
    assert after_stop is None  # unregistered on stop: nobody answers any more


def test_stop_before_registration_finishes(settings: DeviceSettings) -> None:
    async def scenario() -> bool:
        service = MdnsService(settings, MdnsConfig(interfaces=(LOOPBACK,)))
        await service.async_start()
        await service.async_stop()  # mid-probe: cancelled, closed, no error
        return service.running

    assert run(scenario) is False


@pytest.mark.parametrize("interfaces", [("not-an-ip",), ("::1",), ()], ids=["junk", "ipv6", "none"])
def test_unusable_interfaces_are_a_warning(
    settings: DeviceSettings, interfaces: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> bool:
        service = MdnsService(settings, MdnsConfig(interfaces=interfaces))
        await service.async_start()
        running = service.running
        await service.async_stop()
        return running

    with caplog.at_level(logging.WARNING):
        assert run(scenario) is False
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert messages[-1] == "zeroconf is off: no IPv4 interface to publish on"


def test_disabled_does_nothing(settings: DeviceSettings) -> None:
    async def scenario() -> bool:
        service = MdnsService(settings, MdnsConfig(enabled=False, interfaces=(LOOPBACK,)))
        await service.async_start()
        running = service.running
        registered = await service.async_wait_registered()
        await service.async_stop()
        return running or registered

    assert run(scenario) is False
